import { ApplicationFailure, CancellationScope, patched } from '@temporalio/workflow';
import { bookkeeping } from './activity-proxies';
import { approved } from './approval';
import { ChangeRun } from './change-run';
import { registerHandlers } from './handlers';
import { changeLockKeys } from '../domain/locks';
import { deliverMessagesAfterResolutions } from '../temporal/message-order';
import { terminalPhases, type ChangeReport, type RollbackLaterInput } from '../domain/status';

/**
 * Rolls back a finished change later, from the recovery points it kept: every step is restored in
 * reverse (independent groups in parallel), each restore verified, conflicts with later edits
 * reported and asked about instead of overwritten, then validated. It is a change of its own: its
 * requester is whoever asked for it (held to segregation of duties like any requester), it is
 * approved as the change's policy says (the operator's floor included) before anything is
 * restored, it holds the change's target locks while it restores (so it never interleaves with a
 * change on the same targets) and finishes as a change does. Its report is stored under the
 * rollback's own id and names the change it rolls back. Cancelling it does not stop the rollback;
 * rejecting its approval does.
 */
export async function rollbackLaterWorkflow(input: RollbackLaterInput): Promise<ChangeReport> {
  // Added after the first roll-back-later histories were recorded: they replay as they ran, without
  // message ordering, locks or the change's finish.
  const likeAChange = patched('rollback-later-like-a-change');
  if (likeAChange) deliverMessagesAfterResolutions();
  const phase = await bookkeeping.finishedPhase(input.changeId);
  if (phase === null || !(terminalPhases as readonly string[]).includes(phase)) {
    throw ApplicationFailure.nonRetryable(
      `change ${input.changeId} has not finished; request a rollback on the running change instead`,
      'ChangeNotFinished',
    );
  }
  const original = await bookkeeping.loadChangeRequest(input.changeId);
  // Added when a rollback later became a change of its own: runs from before restore at once, in
  // the name of the change's requester.
  const ownChange = likeAChange && patched('rollback-later-approval');
  const { policy } = original.request;
  // A rollback is never refused because a target is busy: it waits for the run that holds it, up
  // to the change's maxWait, whatever the change's onBusy said about changes.
  const locks = likeAChange ? { locks: { onBusy: 'wait' as const, maxWait: policy.locks?.maxWait ?? '1h' } } : {};
  const run = new ChangeRun(
    {
      changeId: input.changeId,
      request: {
        ...original.request,
        ...(ownChange ? { requestedBy: input.requestedBy } : {}),
        title: `Roll back ${input.changeId}: ${original.request.title}`,
        policy: { ...policy, observe: undefined, ...locks },
      },
    },
    input,
  );
  registerHandlers(run);
  // Added with the operator's policy floor: break-glass groups may answer this rollback's questions too.
  // A rollback is never refused for the floor, so the verdict's violations do not matter here.
  if (patched('policy-floor')) {
    run.useFloorRules();
    run.applyFloor((await bookkeeping.checkPolicyFloor({ changeId: input.changeId, request: original.request })).floor);
  }
  if (!ownChange) run.requestLaterRollback();
  if (!likeAChange) {
    await CancellationScope.nonCancellable(() => run.rollback());
    const report = run.report();
    await bookkeeping.saveReport(report);
    return report;
  }
  // The rollback itself is not cancellable, from taking the locks to the drained notifications.
  // Past maxWait the run ends rejected (LockTimeout) with nothing restored; it can be asked again.
  return CancellationScope.nonCancellable(async () => {
    if (ownChange) {
      const { request } = run;
      run.tracker.record('rollback of a finished change asked for', {
        actor: input.requestedBy,
        detail: `${input.category}: ${input.reason}`,
      });
      const prompt = `Approve rolling back change ${input.changeId} ("${original.request.title}", ${request.steps.length} step(s), risk ${request.risk}) requested by ${input.requestedBy} (${input.category}: ${input.reason})?`;
      if (policy.approval === 'required' && !(await approved(run, prompt))) return run.finish();
      run.requestLaterRollback(policy.approval === 'required' ? 'rollback of a finished change approved' : undefined);
    }
    const keys = changeLockKeys(original.request.steps);
    if (keys.length === 0 || (await run.lockTargets(keys))) {
      run.passGate();
      await run.rollback();
    }
    return run.finish();
  });
}
