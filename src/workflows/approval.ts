import type { ChangeRun } from './change-run';
import { CauseType } from '../domain/causes';

/** Whether people may wait without deadline once every level's deadline has passed (else the policy's default applies). */
export const whenExhausted = (run: ChangeRun) =>
  run.request.policy.escalation?.whenExhausted === 'hold' ? 'hold' : 'return';

/**
 * The approval gate of a change, and of the rollback of a finished change later: approve goes on;
 * reject (or no decision in time) ends the run rejected with nothing applied or restored.
 */
export async function approved(run: ChangeRun, prompt: string): Promise<boolean> {
  const { request } = run;
  const answer = await run.desk.decide({
    kind: 'approval',
    approvalsNeeded: request.risk === 'high' ? 2 : 1,
    prompt,
    whenExhausted: whenExhausted(run),
    phases: { escalating: 'awaiting-approval', holding: 'awaiting-approval' },
  });
  if ('interrupted' in answer) {
    run.rolledBackBeforeApplying();
    return false;
  }
  if ('decision' in answer && answer.decision.decision === 'approve') {
    run.approve();
    return true;
  }
  if ('exhausted' in answer)
    run.reject({ type: CauseType.NotApproved, message: 'no approval before the last deadline' });
  else
    run.reject({
      type: CauseType.Rejected,
      message: `rejected by ${answer.decision.actor}${answer.decision.comment ? `: ${answer.decision.comment}` : ''}`,
    });
  return false;
}
