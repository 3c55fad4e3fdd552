import type { Db } from 'mongodb';
import { FlowStore, type FlowConfig } from '../src/store/flows';
import type { ChangeRequestInput } from '../src/domain/change-request';
import type { PatchInput } from './saga/activities';

/** A lead flow of realistic size: filters, mappings, deliveries and pricing (~1 KB of JSON). */
export function benchFlowConfig(name: string): FlowConfig {
  return {
    name,
    enabled: true,
    steps: [
      {
        type: 'filter',
        rules: [
          { field: 'state', op: 'in', value: ['CA', 'TX', 'NY', 'FL'] },
          { field: 'age', op: 'gte', value: 18 },
        ],
      },
      {
        type: 'mapping',
        fields: { phone: 'phone_1', email: 'email', first: 'first_name', last: 'last_name', zip: 'postal_code' },
      },
      { type: 'delivery', recipient: 'crm-east', timeoutMs: 5000, retries: 2 },
      { type: 'delivery', recipient: 'partner-hub', timeoutMs: 3000, retries: 1 },
    ],
    pricing: {
      cap: 20,
      currency: 'USD',
      tiers: [
        { upTo: 100, price: 12.5 },
        { upTo: 1000, price: 10 },
      ],
    },
  };
}

/**
 * Creates flows at version 1 as FlowStore.create would (the flow and its first version), in two
 * bulk inserts: seeding is not what is measured.
 */
export async function seedFlows(db: Db, flowIds: string[]): Promise<void> {
  const store = new FlowStore(db);
  const updatedAt = new Date();
  const writtenBy = { action: 'create' as const, actor: 'bench-seed' };
  for (let i = 0; i < flowIds.length; i += 1000) {
    const ids = flowIds.slice(i, i + 1000);
    await store.flows.insertMany(
      ids.map((id) => ({ _id: id, version: 1, config: benchFlowConfig(id), writtenBy, updatedAt })),
    );
    await store.versions.insertMany(
      ids.map((id) => ({
        _id: `${id}@1`,
        flowId: id,
        version: 1,
        config: benchFlowConfig(id),
        writtenBy,
        writtenAt: updatedAt,
      })),
    );
  }
}

/**
 * The writes of one change: step i raises the flow's cap. With `failLast`, the last step's patch
 * carries a JSON-Patch `test` that does not hold, so it fails at once without retries (a
 * permanent InvalidStep failure) after every earlier step has applied.
 */
export function patchSteps(flowIds: string[], failLast: boolean): PatchInput[] {
  return flowIds.map((flowId, i) =>
    failLast && i === flowIds.length - 1
      ? {
          flowId,
          patch: [
            { op: 'test', path: '/pricing/currency', value: 'EUR' },
            { op: 'replace', path: '/enabled', value: false },
          ],
        }
      : { flowId, patch: [{ op: 'replace', path: '/pricing/cap', value: 30 + i }] },
  );
}

/** The same writes as a change request for the product (policy: roll back on failure). */
export function changeRequest(title: string, steps: PatchInput[]): ChangeRequestInput {
  return {
    title,
    requestedBy: 'bench@example.com',
    risk: 'low',
    steps: steps.map((s, i) => ({
      id: `step-${i + 1}`,
      target: 'flow-config' as const,
      spec: { flowId: s.flowId, patch: s.patch },
    })),
    policy: { onStepFailure: 'rollback' },
  };
}

export function flowIds(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-f${i + 1}`);
}
