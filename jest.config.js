// Unit tests need no services; integration and scale tests share one Temporal dev server and one
// database started by the global setup for the whole run. `npm test` runs unit and integration;
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
    { displayName: 'integration', ...withServices, testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { displayName: 'scale', ...withServices, testMatch: ['<rootDir>/test/scale/**/*.test.ts'] },
  ],
};
