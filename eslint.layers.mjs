// The layers of src/ (shared/DESIGN.md, "Where things live"): each folder names the folders it may
// import from; everything else is refused, so imports only ever point down. import-x/no-cycle keeps
// modules free of import cycles. tools/ (dev services, peers, crash campaign, demo) may import src/,
// never the other way round.
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/** folder under src/ → the folders under src/ it may import (itself always). */
const layers = {
  domain: [],
  slack: ['domain'],
  report: ['domain'],
  auth: ['domain'],
  http: ['domain'],
  store: ['domain'],
  config: ['domain', 'auth'],
  temporal: ['domain', 'config'],
  telemetry: ['domain', 'temporal'],
  workflows: ['domain', 'temporal'],
  activities: ['domain', 'store', 'config', 'http', 'slack', 'temporal'],
  client: ['domain', 'store', 'config', 'temporal', 'workflows'],
  'codec-server': ['domain', 'config', 'temporal'],
  api: [
    'domain',
    'store',
    'config',
    'temporal',
    'auth',
    'report',
    'slack',
    'http',
    'client',
    'chatops',
    'workflows',
    'telemetry',
  ],
  chatops: ['domain', 'store', 'config', 'temporal', 'auth', 'report', 'slack', 'http', 'client', 'api', 'workflows'],
  cli: ['domain', 'store', 'config', 'temporal', 'auth', 'report', 'client', 'workflows', 'telemetry'],
};

const zones = [
  ...Object.entries(layers).map(([layer, allowed]) => ({
    target: `./src/${layer}`,
    from: './src',
    except: [`./${layer}`, ...allowed.map((dir) => `./${dir}`)],
    message: `src/${layer} may import only ${[layer, ...allowed].join(', ')} (layers: eslint.layers.mjs)`,
  })),
  { target: './src', from: './tools', message: 'production code never imports dev tooling (tools/)' },
];

export const layerRules = [
  {
    files: ['src/**/*.ts', 'tools/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // Workflows may see activities' types (proxyActivities<Activities>), never their code.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: zones.map((zone) =>
            zone.target === './src/workflows' ? { ...zone, except: [...zone.except, './activities/index.ts'] } : zone,
          ),
        },
      ],
    },
  },
];
