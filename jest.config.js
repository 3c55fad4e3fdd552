// Unit tests need no services; integration and scale tests share one Temporal dev server and one
// database started by the global setup for the whole run; the workflow tier runs workflows on the
// time-skipping test server with fake activities. `npm test` runs unit, workflow and integration;
// the scale tier (100 000 leads and more) runs only through `npm run test:scale`.
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};

const withServices = {
  testEnvironment: 'node',
  transform,
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/setup/integration-env.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    // Workflows on the time-skipping test server with fake activities: no database, no dev server.
    { displayName: 'workflow', testEnvironment: 'node', transform, testMatch: ['<rootDir>/test/workflow/**/*.test.ts'], setupFilesAfterEnv: ['<rootDir>/test/setup/workflow-env.ts'] },
    { displayName: 'integration', ...withServices, testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { displayName: 'scale', ...withServices, testMatch: ['<rootDir>/test/scale/**/*.test.ts'] },
  ],
};
