import { z } from 'zod';
import { actorSchema } from './actor';
import { DURATION_PATTERN, durationMs } from './durations';
import { historyBudgetIssues } from './history-budget';
import { policySchema } from './policy';
import { refusePrototypeKey } from './safe-keys';
import { isIrreversible } from './step-policy';
import { targetSpecSchemas, type TargetKind } from './targets/index';

export { actorSchema };

/**
 * A change request travels whole into workflow history (and parts of it into every step's
 * activity inputs), so it stays small: large data belongs in MongoDB, referenced by id.
 */
export const MAX_REQUEST_BYTES = 256 * 1024;

/** Change and step ids; step ids also key per-step records (a rehearsal's runs), so prototype keys are refused. */
const idSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and "-"')
  .superRefine(refusePrototypeKey);

function stepVariant<K extends TargetKind>(kind: K) {
  return z.strictObject({
    id: idSchema,
    target: z.literal(kind),
    description: z.string().max(500).optional(),
    spec: targetSpecSchemas[kind],
  });
}

/** One step of a change: which target kind, and what to do to it. */
export const stepSchema = z.discriminatedUnion('target', [
  stepVariant('flow-config'),
  stepVariant('crm'),
  stepVariant('webhook'),
  stepVariant('lead-data'),
  stepVariant('mongo-document'),
]);

/** A change request, validated before any workflow starts; the workflow trusts it. */
export const changeRequestSchema = z
  .strictObject({
    title: z.string().min(1).max(200),
    requestedBy: actorSchema,
    risk: z.enum(['low', 'medium', 'high']).default('low'),
    steps: z.array(stepSchema).min(1).max(100),
    policy: policySchema.default({
      onStepFailure: 'rollback',
      locks: { onBusy: 'wait', maxWait: '1h' },
      compensation: { independentGroups: [] },
    }),
  })
  .superRefine((request, ctx) => {
    const bytes = utf8Bytes(request);
    if (bytes > MAX_REQUEST_BYTES) {
      const sizes = request.steps.map((step) => utf8Bytes(step));
      const largest = sizes.indexOf(Math.max(...sizes));
      ctx.addIssue({
        code: 'custom',
        path: ['steps', largest],
        message: `the request is ${Math.ceil(bytes / 1024)} KiB as JSON, at most ${MAX_REQUEST_BYTES / 1024} KiB; this step alone is ${Math.ceil(sizes[largest]! / 1024)} KiB (keep large data in MongoDB and reference it)`,
      });
    }
    const ids = new Set<string>();
    request.steps.forEach((step, index) => {
      if (ids.has(step.id))
        ctx.addIssue({ code: 'custom', path: ['steps', index, 'id'], message: `duplicate step id "${step.id}"` });
      ids.add(step.id);
    });
    const { policy } = request;
    if (request.risk === 'high' && policy.approval === 'none') {
      ctx.addIssue({ code: 'custom', path: ['policy', 'approval'], message: 'risk "high" requires approval' });
    }
    const approval = policy.approval ?? (request.risk === 'high' ? 'required' : 'none');
    if (
      !policy.escalation &&
      (approval === 'required' || policy.onStepFailure !== 'rollback' || request.steps.some(isIrreversible))
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['policy', 'escalation'],
        message:
          'required when approval is required, onStepFailure is "ask" or "hold", or a step is irreversible: name who decides',
      });
    }
    // zod runs this refinement even when a field inside failed: malformed durations are reported already.
    const wellFormed = policyDurations(policy).every((d) => DURATION_PATTERN.test(d));
    const observe = policy.observe;
    if (observe) {
      const needsBaseline = observe.triggers.some(
        (t) => t.comparison.kind === 'increase' || t.comparison.kind === 'decrease',
      );
      if (needsBaseline && !observe.baselineWindow) {
        ctx.addIssue({
          code: 'custom',
          path: ['policy', 'observe', 'baselineWindow'],
          message: 'required when a trigger compares with the baseline (increase/decrease)',
        });
      }
      if ((observe.onTrigger === 'ask' || observe.onInconclusive === 'ask') && !policy.escalation) {
        ctx.addIssue({
          code: 'custom',
          path: ['policy', 'escalation'],
          message: 'required when observe.onTrigger or observe.onInconclusive is "ask"',
        });
      }
      if (wellFormed && durationMs(observe.interval) > durationMs(observe.bakeTime)) {
        ctx.addIssue({
          code: 'custom',
          path: ['policy', 'observe', 'interval'],
          message: `must not be longer than bakeTime (${observe.bakeTime})`,
        });
      }
      const names = new Set<string>();
      observe.triggers.forEach((t, i) => {
        if (names.has(t.name))
          ctx.addIssue({
            code: 'custom',
            path: ['policy', 'observe', 'triggers', i, 'name'],
            message: `duplicate trigger name "${t.name}"`,
          });
        names.add(t.name);
      });
    }
    const grouped = new Set<string>();
    policy.compensation.independentGroups.forEach((group, g) =>
      group.forEach((stepId, s) => {
        const path = ['policy', 'compensation', 'independentGroups', g, s];
        if (!ids.has(stepId)) ctx.addIssue({ code: 'custom', path, message: `no step "${stepId}"` });
        else if (grouped.has(stepId))
          ctx.addIssue({ code: 'custom', path, message: `step "${stepId}" is in two groups` });
        grouped.add(stepId);
      }),
    );
    // Last: the worst case of the request as it stands, the field that costs most named.
    if (wellFormed)
      for (const issue of historyBudgetIssues(request))
        ctx.addIssue({ code: 'custom', path: issue.path ? issue.path.split('.') : [], message: issue.message });
  })
  .transform((request) => ({
    ...request,
    policy: {
      ...request.policy,
      approval: request.policy.approval ?? (request.risk === 'high' ? ('required' as const) : ('none' as const)),
    },
  }));

export const changeIdSchema = idSchema;

export type Step = z.infer<typeof stepSchema>;
export type ChangeRequest = z.infer<typeof changeRequestSchema>;
export type ChangeRequestInput = z.input<typeof changeRequestSchema>;

function policyDurations(policy: z.infer<typeof policySchema>): string[] {
  const { observe } = policy;
  const optional = [observe?.baselineWindow, observe?.recoveryWindow].filter((d): d is string => d !== undefined);
  return [
    ...(policy.escalation?.levels.map((l) => l.deadline) ?? []),
    policy.locks.maxWait,
    ...(observe ? [observe.bakeTime, observe.interval] : []),
    ...optional,
  ];
}

function utf8Bytes(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value)).length;
}
