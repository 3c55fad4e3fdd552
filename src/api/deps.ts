import type { ChangeClient } from '../client/change-client';

/** One dependency the readiness probe checks (Temporal, MongoDB). */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** What the routes use; src/api/main.ts builds the real ones, tests build them over the test servers. */
export interface ApiDeps {
  changes: ChangeClient;
  readiness: ReadinessCheck[];
  /** Link to a workflow in the Temporal UI. */
  workflowUrl(workflowId: string): string;
}
