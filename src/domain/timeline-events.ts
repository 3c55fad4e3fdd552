/**
 * Timeline events that are read back after the change settled (the insights derive waits on
 * people and escalations from them), named once so the workflow that records them and the code
 * that reads them cannot drift apart. Other events are free text for people.
 */
export const TimelineEventName = {
  /** A step's apply (or verify) failed for good: the failing step of a rollback that followed. */
  StepFailed: 'step failed',
  /** A question is put to an escalation level (again at each escalation). */
  DecisionAsked: 'decision asked',
  /** A question's deadline passed and the next level is asked. */
  Escalated: 'escalated',
  /** The last level's deadline passed without an answer. */
  EscalationExhausted: 'escalation exhausted',
  /** A manual rollback was accepted: open questions are no longer waited on. */
  RollbackRequested: 'rollback requested',
  /** The workflow was cancelled: open questions are no longer waited on. */
  ChangeCancelled: 'change cancelled',
} as const;
