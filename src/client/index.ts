// The typed client as a library: what other services import.
export { ChangeClient, type ChangeClientOptions } from './change-client';
export { ADMISSION_WAIT_MS, type StartedChange } from './changes';
export type { ChangeAdmission } from '../domain/admission';
export type { StartedRollback } from './rollbacks';
export type { FlowVersions, FlowView } from './flows';
export type { FlowDiff } from './flow-diff';
export type { FlowDocument } from '../domain/flow-document';
export type { FlowVersionLine } from '../domain/flow-lineage';
export type { ChangePage } from './change-page';
export type { AnnotatedReport, RootCauseResult } from './reports';
export { restoreFlowRequest, type RestoreFlowOptions, type RestoreTargetInput } from './restore-flow';
export type { RehearsalSubject, StartedRehearsal } from './rehearsals';
export type { RehearsalReport, StepRehearsal } from '../domain/rehearsal';
export type { RootCauseInput, RootCauseNote } from '../domain/root-cause';
export type {
  ChangeFigures,
  DurationFigures,
  InsightFigures,
  Insights,
  PeriodInsights,
  RollbackFigures,
} from '../domain/insights';
export { insightsQuerySchema, type InsightsQuery } from '../domain/insights-query';
export type { PeriodKind } from '../domain/periods';
export { listFilterSchema, type ListFilter } from './change-query';
export type { ChangeSummary } from './change-summary';
export {
  ChangeClosedError,
  ChangeIdConflictError,
  ChangeNotFoundError,
  FlowExistsError,
  FlowNotFoundError,
  NotAllowedError,
  RehearsalNotAvailableError,
  RehearsalNotFoundError,
  ReportNotAvailableError,
  RequestRefusedError,
} from './errors';
export { ValidationError, type FieldIssue } from '../domain/validation';
export type { ChangeRequestInput } from '../domain/change-request';
export type { DecisionInput, DecisionOutcome, RollbackRequest, RollbackRequestOutcome } from '../domain/decisions';
export type { RollbackLaterRequest } from '../domain/decision-schemas';
export {
  changePhases,
  stepStates,
  type ChangeReport,
  type ChangeStatus,
  type PendingQuestion,
  type RollbackPreview,
} from '../domain/status';
