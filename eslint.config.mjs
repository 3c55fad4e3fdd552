// Lint rules in the spirit of Temporal's TypeScript samples: no floating promises anywhere, and
// workflow code that stays deterministic (no Node built-ins, no activity implementations).
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import prettierOff from 'eslint-config-prettier';
import { layerRules } from './eslint.layers.mjs';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  {
    ignores: [
      'lib/**',
      'node_modules/**',
      '.tools/**',
      '.tmp/**',
      'coverage/**',
      'bench-results/**',
      '**/*.cjs',
      '*.config.js',
      '*.config.mjs',
      'eslint.layers.mjs',
    ],
  },
  ...tseslint.configs.recommended,
  ...layerRules,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      'object-shorthand': ['error', 'always'],
    },
  },
  {
    // The SDK's lib/ modules are internals that change without notice; only the Temporal plumbing
    // (src/temporal) may lean on them, and says why where it does.
    files: ['src/**/*.ts'],
    ignores: ['src/temporal/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@temporalio/*/lib', '@temporalio/*/lib/**'],
              message: "SDK internals: use the package's public exports.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'Workflow code runs in a deterministic sandbox: no Node built-ins.',
            })),
            { name: 'mongodb', message: 'Workflow code does no I/O: use an activity.' },
            { name: '@temporalio/activity', message: 'Workflows call activities through proxyActivities.' },
            { name: '@temporalio/client', message: 'Workflows do not use the client.' },
            { name: '@temporalio/worker', message: 'Workflows do not use the worker.' },
            { name: 'zod', message: 'Input is validated before the workflow starts; keep zod out of the bundle.' },
          ],
          patterns: [
            {
              group: ['**/activities', '**/activities/**'],
              allowTypeImports: true,
              message: 'Import activity types only (import type): implementations must not enter the workflow bundle.',
            },
            { group: ['**/devenv/**', '**/client/**', '**/worker'], message: 'Not workflow code.' },
          ],
        },
      ],
    },
  },
  // Layout belongs to Prettier (npm run format); lint keeps to what code means.
  prettierOff,
);
