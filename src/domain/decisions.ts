/**
 * What the change workflow can ask people, and the answers each question accepts. Pure data:
 * imported by the workflow, the client and every interface that sends decisions.
 */
export const questionOptions = {
  /** Before anything is applied (policy approval, or an irreversible step). */
  approval: ['approve', 'reject'],
  /** A step failed and policy says a human decides. */
  'step-failure': ['retry', 'skip', 'rollback', 'hold'],
  /** A restore failed after its retries, or found a conflict. */
  compensation: ['retry-compensation', 'resolved-manually'],
  /** A metric trigger fired during observation and policy says a human decides. */
  trigger: ['rollback', 'accept'],
  /** The observation window ended without enough traffic to judge. */
  inconclusive: ['complete', 'rollback'],
  /** After a rollback, a target or a metric did not validate: someone must look. */
  validation: ['acknowledge'],
} as const;

export type QuestionKind = keyof typeof questionOptions;
export type DecisionName = (typeof questionOptions)[QuestionKind][number];
export const decisionNames = [...new Set(Object.values(questionOptions).flat())] as DecisionName[];

/** A decision as it arrives by signal or update. `groups` are asserted by the authenticated interface. */
export interface DecisionInput {
  decision: DecisionName;
  actor: string;
  groups?: string[];
  comment?: string;
  /** The question answered; omitted, the oldest open question is meant. */
  questionId?: string;
}

export type DecisionOutcome =
  | { status: 'accepted'; questionId: string }
  /** One of several required approvals (risk: high needs two distinct approvers). */
  | { status: 'partial'; questionId: string; reason: string }
  /** Kept until the workflow asks (an early signal). */
  | { status: 'queued' }
  | { status: 'refused'; reason: string };

export const rollbackCategories = ['performance', 'errors', 'business-impact', 'compliance', 'user-feedback'] as const;
export type RollbackCategory = (typeof rollbackCategories)[number];

/** A manual rollback request. */
export interface RollbackRequest {
  actor: string;
  groups?: string[];
  reason: string;
  category: RollbackCategory;
}

export type RollbackRequestOutcome =
  { status: 'accepted' | 'already-requested' } | { status: 'refused'; reason: string };
