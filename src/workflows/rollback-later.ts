import { ApplicationFailure, CancellationScope, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { bookkeepingActivityOptions } from './activity-options';
import { ChangeRun } from './change-run';
import { registerHandlers } from './handlers';
import { terminalPhases, type ChangeReport, type RollbackLaterInput } from '../domain/status';

const bookkeeping = proxyActivities<Activities>(bookkeepingActivityOptions);

/**
 * Rolls back a finished change later, from the recovery points it kept: every step is restored in
 * reverse (independent groups in parallel), each restore verified, conflicts with later edits
 * reported and asked about instead of overwritten, then validated. Its report is stored under the
 * rollback's own id and names the change it rolls back.
 */
export async function rollbackLaterWorkflow(input: RollbackLaterInput): Promise<ChangeReport> {
  const phase = await bookkeeping.finishedPhase(input.changeId);
  if (phase === null || !(terminalPhases as readonly string[]).includes(phase)) {
    throw ApplicationFailure.nonRetryable(`change ${input.changeId} has not finished; request a rollback on the running change instead`, 'ChangeNotFinished');
  }
  const original = await bookkeeping.loadChangeRequest(input.changeId);
  const run = new ChangeRun({
    changeId: input.changeId,
    request: { ...original.request, title: `Roll back ${input.changeId}: ${original.request.title}`, policy: { ...original.request.policy, observe: undefined } },
  });
  registerHandlers(run);
  // Added with the operator's policy floor: break-glass groups may answer this rollback's questions too.
  // A rollback is never refused for the floor, so the verdict's violations do not matter here.
  if (patched('policy-floor')) {
    run.useFloorRules();
    run.applyFloor((await bookkeeping.checkPolicyFloor({ changeId: input.changeId, request: original.request })).floor);
  }
  run.tracker.record('rollback of a finished change requested', { actor: input.requestedBy, detail: `${input.category}: ${input.reason}` });
  run.rollbackRequest = { actor: input.requestedBy, reason: input.reason, category: input.category, at: new Date().toISOString() };
  run.causeFromRollbackRequest();
  // Every step may have applied; the restore of one that did not is a no-op and it stays pending.
  run.registered.push(...original.request.steps);
  await CancellationScope.nonCancellable(() => run.rollback());
  const report: ChangeReport = { ...run.report(), changeId: input.rollbackId, requestedBy: input.requestedBy, rollsBack: input.changeId };
  await bookkeeping.saveReport(report);
  return report;
}
