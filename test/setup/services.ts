import path from 'node:path';

/** Env vars through which the global setup hands the shared services to test files. */
export const ENV = {
  temporalAddress: 'LEAD_ROLLBACK_TEST_TEMPORAL_ADDRESS',
  mongoUri: 'LEAD_ROLLBACK_TEST_MONGODB_URI',
  databaseKind: 'LEAD_ROLLBACK_TEST_DATABASE_KIND',
  workflowBundle: 'LEAD_ROLLBACK_TEST_WORKFLOW_BUNDLE',
} as const;

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: integration tests must run through jest's global setup (npm test)`);
  return value;
}

export const bundlePath = (scratch: string) => path.join(scratch, `workflow-bundle-${process.pid}.js`);
