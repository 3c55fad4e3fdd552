import type { ChangeClient } from '../../src/client/change-client';
import type { ChangeRequestInput } from '../../src/domain/change-request';
import type { EscalationLevel } from '../../src/domain/policy';
import type { ChangePhase, ChangeStatus, PendingQuestion } from '../../src/domain/status';
import { eventually } from './harness';

type LevelInput = Omit<EscalationLevel, 'notify'> & { notify?: string[] };
type StepInput = ChangeRequestInput['steps'][number];

/** Escalation levels for tests: short deadlines, distinct deciders per level. */
export function levels(...specs: [name: string, actors: string[], deadline: string][]): LevelInput[] {
  return specs.map(([name, actors, deadline]) => ({
    name,
    deciders: { actors, groups: [] },
    deadline,
    notify: [`webhook:${name}`],
  }));
}

/** A flow-config step that replaces the cap of a flow. */
export function capStep(id: string, flowId: string, cap: number): StepInput {
  return { id, target: 'flow-config', spec: { flowId, patch: [{ op: 'replace', path: '/pricing/cap', value: cap }] } };
}

/** A flow-config step that fails permanently: its JSON-Patch test operation does not hold. */
export function failingStep(id: string, flowId: string): StepInput {
  return {
    id,
    target: 'flow-config',
    spec: { flowId, patch: [{ op: 'test', path: '/pricing/currency', value: 'EUR' }] },
  };
}

export function request(
  overrides: Partial<ChangeRequestInput> & Pick<ChangeRequestInput, 'steps'>,
): ChangeRequestInput {
  return { title: 'Test change', requestedBy: 'requester@example.com', ...overrides };
}

/** Waits until the change asks a question (optionally of a kind and at a level). */
export async function waitForQuestion(
  changes: ChangeClient,
  changeId: string,
  match: Partial<Pick<PendingQuestion, 'kind' | 'level'>> = {},
): Promise<PendingQuestion> {
  return eventually(async () => {
    const status = await changes.status(changeId).catch(() => undefined);
    return status?.pendingDecisions.find(
      (q) =>
        (match.kind === undefined || q.kind === match.kind) && (match.level === undefined || q.level === match.level),
    );
  });
}

export async function waitForPhase(changes: ChangeClient, changeId: string, phase: ChangePhase): Promise<ChangeStatus> {
  return eventually(async () => {
    const status = await changes.status(changeId).catch(() => undefined);
    return status?.phase === phase ? status : undefined;
  });
}
