import type { Step } from './change-request';

/**
 * What a step locks: the target it changes, named so that two changes touching the same flow,
 * CRM property or record never interleave. Webhook steps lock nothing: the partner owns its state.
 * Pure (no zod, no I/O), so workflow code can import it.
 */
export function lockKeys(step: Step): string[] {
  switch (step.target) {
    case 'flow-config':
      return [`flow-config:${step.spec.flowId}`];
    case 'crm': {
      const spec = step.spec;
      if (spec.action === 'update-record') return [`crm:${spec.objectType}:record:${spec.recordId}`];
      return [`crm:${spec.objectType}:property:${spec.action === 'create-property' ? spec.property.name : spec.name}`];
    }
    case 'mongo-document':
      return [`mongo-document:${step.spec.collection}:${step.spec.idType}:${step.spec.id}`];
    case 'lead-data': {
      // Per written top-level field: batches writing different fields of the same leads restore independently.
      const fields = [...Object.keys(step.spec.set ?? {}), ...(step.spec.unset ?? [])].map(
        (path) => path.split('.')[0]!,
      );
      return [...new Set(fields)].map((field) => `lead-data:${step.spec.collection}:${field}`);
    }
    default:
      return [];
  }
}

/** Every lock of a change, sorted so that two changes always take them in the same order. */
export function changeLockKeys(steps: Step[]): string[] {
  return [...new Set(steps.flatMap(lockKeys))].sort();
}
