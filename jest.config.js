// Unit tests need no services; integration and scale tests share one Temporal dev server and one
// database started by the global setup for the whole run; the workflow tier runs workflows on the
// time-skipping test server with fake activities. `npm test` runs unit, workflow and integration;
// the scale tier (100 000 leads and more) runs only through `npm run test:scale`.
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};

// Tests live under test/; everything else (sources resolve by path) stays out of jest's file map, above
// all .tools/, whose Go module cache holds thousands of files and snapshot files jest would report.
const roots = ['<rootDir>/test'];

const withServices = {
  roots,
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
      roots,
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    // Workflows on the time-skipping test server with fake activities: no database, no dev server.
    {
      displayName: 'workflow',
      roots,
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/workflow/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/setup/workflow-env.ts'],
    },
    { displayName: 'integration', ...withServices, testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { displayName: 'scale', ...withServices, testMatch: ['<rootDir>/test/scale/**/*.test.ts'] },
  ],
};
