// The typed client as a library: what other services import.
export { ChangeClient, type ChangeClientOptions, type ChangePage, type StartedChange } from './change-client';
export { changePhases, listFilterSchema, type ListFilter } from './change-query';
export type { ChangeSummary } from './change-summary';
export { judgeDecision, type DecisionVerdict } from './decision-check';
export { ChangeClosedError, ChangeIdConflictError, ChangeNotFoundError, NotAllowedError, ReportNotAvailableError, RequestRefusedError } from './errors';
export { ValidationError, type FieldIssue } from '../domain/validation';
export type { ChangeRequestInput } from '../domain/change-request';
export type { DecisionInput, DecisionOutcome, RollbackRequest, RollbackRequestOutcome } from '../domain/decisions';
export type { ChangeReport, ChangeStatus, PendingQuestion } from '../workflows/types';
