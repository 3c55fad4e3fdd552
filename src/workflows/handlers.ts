import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { admissionOf } from '../domain/admission';
import { ErrorType } from '../domain/errors';
import type { ChangeRun } from './change-run';
import type { Refusal } from './decision-desk';
import {
  admissionUpdate,
  decisionSignal,
  decisionUpdate,
  rollbackSignal,
  rollbackUpdate,
  statusQuery,
} from './definitions';

/**
 * A refused update: typed (src/domain/errors.ts), so clients map it without reading the sentence.
 * Thrown by a validator, it writes nothing to the history.
 */
function refused({ type, reason }: Refusal): ApplicationFailure {
  return ApplicationFailure.nonRetryable(reason, type);
}

/** Status, decisions and rollback requests, the same for every workflow that runs a ChangeRun. */
export function registerHandlers(run: ChangeRun): void {
  setHandler(statusQuery, () => run.status());
  // Waits, without a timer or an activity, until the change has got past what it does first.
  setHandler(admissionUpdate, async () => {
    await condition(() => run.admitted);
    return admissionOf(run.status());
  });
  setHandler(decisionSignal, (decision) => void run.desk.receive(decision, 'signal'));
  setHandler(decisionUpdate, (decision) => run.desk.receive(decision, 'update'), {
    validator: (decision) => {
      if (run.closed)
        throw refused({
          type: ErrorType.ChangeClosed,
          reason: `change is ${run.tracker.phase}; it takes no more decisions`,
        });
      const checked = run.desk.check(decision, { segregation: true, phase: run.tracker.phase });
      if ('refusal' in checked) throw refused(checked.refusal);
    },
  });
  setHandler(rollbackSignal, (request) => void run.requestRollback(request));
  setHandler(rollbackUpdate, (request) => run.requestRollback(request), {
    validator: (request) => {
      // Refused repeats too: accepted, a repeat would write events to the history for nothing, as often as it is sent.
      const refusal = run.checkRollback(request);
      if (refusal) throw refused(refusal);
    },
  });
}
