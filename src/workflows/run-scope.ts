import type { NotificationEvent } from '../domain/notifications';
import type { ChangeRequest } from '../domain/status';
import type { ChangeTracker } from './change-tracker';
import type { DecisionDesk } from './decision-desk';

/**
 * What the parts of a saga (locks, observation, compensation, validation) see of the run they work
 * for. They read it, record through the tracker and ask through the desk — each a class that owns
 * its state — and hand their results back; only the run (src/workflows/change-run.ts) changes its
 * own state. Types only, so no part imports the run.
 */
export interface RunScope {
  /** The change whose steps run: activity inputs and recovery points are keyed by it. */
  readonly changeId: string;
  readonly request: ChangeRequest;
  readonly tracker: ChangeTracker;
  readonly desk: DecisionDesk;
  /** The run keeps to the history budget (patch `history-budget`, decided when it started). */
  readonly budgeted: boolean;
  /** Tells the first escalation level's channels. */
  notify(event: NotificationEvent, summary: string): void;
}
