import type { ChangeRequestInput } from '../../src/domain/change-request';
import type { Scenario } from './plan';

/**
 * What the campaign hands the checker: which changes exist, what each was asked to do, and what
 * every target looked like before (the seeds the campaign wrote). Nothing in it comes from the
 * workflows; the checker derives each target's applied state from the request itself.
 */
export interface Manifest {
  runId: string;
  taskQueue: string;
  namespace: string;
  mongoDb: string;
  crmUrl: string;
  webhookUrl: string;
  /** The Prometheus peer the observation window's triggers query. */
  prometheusUrl?: string;
  changes: ChangeManifest[];
}

export interface ChangeManifest {
  changeId: string;
  scenario: Scenario;
  /** The outcome the plan implies, refined by the campaign when it raced a rollback request against completion. */
  expected: 'completed' | 'rolled-back' | 'either';
  request: ChangeRequestInput;
  targets: StepTarget[];
  /** Set when the campaign rolled the finished change back later: the roll-back-later's id. */
  rolledBackLater?: { rollbackId: string };
}

/** The target one step touches and its state before the campaign ran (its seed). */
export type StepTarget =
  | { stepId: string; kind: 'flow'; flowId: string; seed: Record<string, unknown> }
  | { stepId: string; kind: 'crm-record'; objectType: string; recordId: string; seed: Record<string, string | null> }
  | { stepId: string; kind: 'crm-property'; objectType: string; name: string }
  | { stepId: string; kind: 'webhook' }
  /** The leads the step's filter selects (by `batch`), as seeded. */
  | { stepId: string; kind: 'lead-data'; collection: string; batch: string; seed: Record<string, unknown>[] }
  | { stepId: string; kind: 'mongo-document'; collection: string; id: string; seed: Record<string, unknown> };
