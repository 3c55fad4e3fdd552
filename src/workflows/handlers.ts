import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { ErrorType } from '../domain/errors';
import type { ChangeRun } from './change-run';
import { decisionSignal, decisionUpdate, rollbackSignal, rollbackUpdate, statusQuery } from './definitions';

/** Status, decisions and rollback requests, the same for every workflow that runs a ChangeRun. */
export function registerHandlers(run: ChangeRun): void {
  setHandler(statusQuery, () => run.status());
  setHandler(decisionSignal, (decision) => void run.desk.receive(decision, 'signal'));
  setHandler(decisionUpdate, (decision) => run.desk.receive(decision, 'update'), {
    validator: (decision) => {
      const checked = run.desk.check(decision);
      if (!checked.ok) throw new Error(checked.reason);
    },
  });
  setHandler(rollbackSignal, (request) => void run.requestRollback(request));
  setHandler(rollbackUpdate, (request) => run.requestRollback(request), {
    validator: (request) => {
      const checked = run.checkRollback(request);
      if (checked.status === 'refused') throw new Error(checked.reason);
      // Accepted, a repeat would write events to the history for nothing, as often as it is sent.
      if (checked.status === 'already-requested') throw ApplicationFailure.nonRetryable('a rollback was already requested', ErrorType.RollbackAlreadyRequested);
    },
  });
}
