import { CancellationScope, condition, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import type { coresdk } from '@temporalio/proto';

/**
 * Delivers signals and updates after the activity results that arrive in the same activation.
 *
 * Why: when a worker dies while a workflow task of a change sits on its sticky queue, and a
 * rollback request (signal or update) arrives before that task times out, the next worker sees
 * the activity result and the request in separate activations, handles the result first and then
 * the request. On replay, SDK core hands both to the workflow in one activation with messages
 * sorted first, so the workflow took the request before the result, emitted its commands in
 * another order and failed with a nondeterminism error (histories in test/histories-pending/).
 * Delivering messages only after the workflow has reacted to everything else in the activation
 * gives the same order in both cases, and in the ordinary case where both arrive together.
 *
 * How: the internals interceptor keeps message jobs back while the SDK applies the others and
 * runs the workflow's reactions; a condition that the SDK evaluates once those reactions have
 * settled hands the kept jobs to the SDK's own job dispatch, still within the same activation.
 * Enabled by every workflow built on a change run (the change, a restore, which runs as a change,
 * and the roll-back-later behind its patch); other workflow types keep the SDK's order.
 */

type Activation = coresdk.workflow_activation.IWorkflowActivation;
type Dispatch = (input: { activation: Activation; batchIndex: number }) => void;

interface MessageOrder {
  enabled: boolean;
  /** True while the SDK applies the current activation's jobs (its own condition checks included). */
  applying: boolean;
  draining: boolean;
  kept: { activation: Activation; batchIndex: number; dispatch: Dispatch }[];
}

const stateKey = '__leadRollbackMessageOrder';

/** Per workflow run: `globalThis` is isolated per run by the SDK, module scope is not. */
function state(): MessageOrder {
  const holder = globalThis as unknown as Record<string, MessageOrder | undefined>;
  return (holder[stateKey] ??= { enabled: false, applying: false, draining: false, kept: [] });
}

function isMessage(job: coresdk.workflow_activation.IWorkflowActivationJob): boolean {
  return job.signalWorkflow != null || job.doUpdate != null;
}

/**
 * Called first thing by the change workflow, not behind a patch: no release has run changes with
 * the old order, every stored history (test/histories/) replays with the new one, and so do the
 * histories of changes the old order had left stuck (test/histories/crash-campaign/). The
 * roll-back-later calls it behind its patch `rollback-later-like-a-change`: its earlier histories
 * ran without it.
 */
export function deliverMessagesAfterResolutions(): void {
  const order = state();
  if (order.enabled) return;
  order.enabled = true;
  // Not cancellable: cancelling the change must not stop delivery to its compensation phase.
  void CancellationScope.nonCancellable(() => pump(order));
}

async function pump(order: MessageOrder): Promise<void> {
  for (;;) await condition(() => drain(order));
}

/** Runs as a condition, i.e. after the activation's other jobs and their reactions have settled. */
function drain(order: MessageOrder): boolean {
  if (order.applying || order.draining || order.kept.length === 0) return false;
  order.draining = true;
  try {
    for (const kept of order.kept.splice(0))
      kept.dispatch({ activation: kept.activation, batchIndex: kept.batchIndex });
  } finally {
    order.draining = false;
  }
  return true;
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  internals: [
    {
      activate(input, next) {
        const order = state();
        const jobs = input.activation.jobs ?? [];
        // The first activation starts the workflow; its messages must reach handlers as the SDK intends.
        const keep = order.enabled && !jobs.some((job) => job.initializeWorkflow != null) && jobs.some(isMessage);
        order.applying = true;
        try {
          if (!keep) return next(input);
          input.activation.jobs = jobs.filter((job) => !isMessage(job));
          order.kept.push({
            activation: { jobs: jobs.filter(isMessage) },
            batchIndex: input.batchIndex,
            dispatch: next as Dispatch,
          });
          return next(input);
        } finally {
          order.applying = false;
        }
      },
    },
  ],
});
