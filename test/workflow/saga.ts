import type { Worker } from '@temporalio/worker';
import { ChangeClient } from '../../src/client/change-client';
import type { ChangeRequestInput } from '../../src/domain/change-request';
import type { EscalationLevel } from '../../src/domain/policy';
import type { ChangeStatus, PendingQuestion } from '../../src/domain/status';
import { EVENT_BOUND_MS } from '../helpers/bounds';
import { sagaFakes, type SagaFakes, type SagaScript } from './fake-activities';
import type { TimeSkipping } from './time-skipping';

/**
 * One change on the time-skipping test server, steered the way people steer it: through the
 * client (status query, decision and rollback updates, result), never the workflow's insides.
 * Time stands still while the test looks and decides; it moves only in `skip` and while the
 * result is awaited, so a deadline of an hour passes when the test says so, and at once.
 */
export interface Saga {
  changes: ChangeClient;
  fakes: SagaFakes;
  changeId: string;
  /** Starts the change (as the API does) and runs `body` while a worker serves it; the worker stops after. */
  run<T>(request: ChangeRequestInput, body: () => Promise<T>): Promise<T>;
  /** The status once `check` holds (polled: queries do not move time). */
  until(check: (status: ChangeStatus) => boolean): Promise<ChangeStatus>;
  /** The open question once one of this kind (and level) is asked. */
  question(kind: PendingQuestion['kind'], level?: number): Promise<PendingQuestion>;
  /** Moves the server's clock on (deadlines, timers and windows due in between fire). */
  skip(duration: string): Promise<void>;
}

let changes = 0;

export async function saga(ts: TimeSkipping, name: string, script: SagaScript = {}): Promise<Saga> {
  const fakes = sagaFakes(script);
  const { worker, taskQueue }: { worker: Worker; taskQueue: string } = await ts.worker(fakes.activities, {
    sticky: false,
  });
  const client = new ChangeClient(ts.env.client, taskQueue, { admissionWaitMs: 0 });
  const changeId = `${name}-${++changes}`;
  const until = async (check: (status: ChangeStatus) => boolean) => {
    const bound = Date.now() + EVENT_BOUND_MS;
    for (;;) {
      const status = await client.status(changeId).catch(() => undefined);
      if (status && check(status)) return status;
      if (Date.now() > bound)
        throw new Error(`${changeId}: no such status within ${EVENT_BOUND_MS} ms; last phase ${status?.phase}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  return {
    changes: client,
    fakes,
    changeId,
    run: (request, body) =>
      worker.runUntil(async () => {
        await client.start(request, { changeId });
        return body();
      }),
    until,
    question: async (kind, level) => {
      const status = await until((s) =>
        s.pendingDecisions.some((q) => q.kind === kind && (level === undefined || q.level === level)),
      );
      return status.pendingDecisions.find((q) => q.kind === kind && (level === undefined || q.level === level))!;
    },
    skip: (duration) => ts.env.sleep(duration),
  };
}

export const REQUESTER = 'requester@example.com';
export const ONCALL = 'oncall@example.com';
export const MANAGER = 'manager@example.com';

type LevelInput = Omit<EscalationLevel, 'notify'> & { notify?: string[] };
type StepInput = ChangeRequestInput['steps'][number];

/** Escalation levels, each with its own decider and channel; deadlines are virtual time. */
export function levels(...specs: [name: string, actor: string, deadline: string][]): LevelInput[] {
  return specs.map(([name, actor, deadline]) => ({
    name,
    deciders: { actors: [actor], groups: [] },
    deadline,
    notify: [`webhook:${name}`],
  }));
}

/** On-call for an hour, then managers for an hour. */
export const twoLevels = () => levels(['on-call', ONCALL, '1h'], ['managers', MANAGER, '1h']);

/** A flow-config step (the fakes decide whether it applies). */
export function capStep(id: string, cap = 40): StepInput {
  return {
    id,
    target: 'flow-config',
    spec: { flowId: `flow-${id}`, patch: [{ op: 'replace', path: '/pricing/cap', value: cap }] },
  };
}

/** A webhook the partner cannot take back: it needs its own approval and is never compensated. */
export function irreversibleStep(id: string): StepInput {
  return {
    id,
    target: 'webhook',
    spec: {
      partner: 'partner-a',
      irreversible: true,
      forward: {
        method: 'POST',
        url: 'https://partner-a.example.com/hooks/announce',
        body: { change: '{{changeId}}' },
      },
    },
  };
}

export function change(
  steps: StepInput[],
  policy: ChangeRequestInput['policy'] = {},
  extra: Partial<ChangeRequestInput> = {},
): ChangeRequestInput {
  return { title: 'Raise the caps', requestedBy: REQUESTER, steps, policy, ...extra };
}

/** A trigger on the error rate, judged against a threshold (the fakes answer on either side of it). */
export const errorRate = (name = 'errors', consecutive = 1) => ({
  name,
  metric: { source: 'lead-events' as const, name: 'error-rate' as const },
  comparison: { kind: 'above' as const, threshold: 0.2 },
  consecutive,
  minSamples: 1,
});
