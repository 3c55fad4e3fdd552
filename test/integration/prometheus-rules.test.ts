import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensurePrometheus } from '../../tools/devenv/prometheus';

const deploy = path.resolve(__dirname, '..', '..', 'deploy', 'prometheus');

/** promtool's verdict: its output, and whether it exited 0. */
function promtool(...args: string[]): { ok: boolean; output: string } {
  const { promtool: binary } = ensurePrometheus();
  try {
    const output = execFileSync(binary, args, { cwd: deploy, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, output };
  } catch (err) {
    const failed = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/**
 * The alert rules and the Prometheus configuration shipped in deploy/prometheus/, checked by the
 * real promtool: the rules parse and their PromQL is valid, the alerts fire on the series their
 * unit tests feed them (and stay quiet on healthy ones), and the compose configuration loads.
 */
describe('the shipped Prometheus rules and configuration, checked by promtool', () => {
  test('given the alert rules, when promtool checks them, then every rule is valid', () => {
    const result = promtool('check', 'rules', 'alerts.yml');
    expect(result.output).toContain('SUCCESS');
    expect(result.ok).toBe(true);
  });

  test('given the alert rules and their unit tests, when promtool runs them, then each alert fires exactly where its test says', () => {
    const result = promtool('test', 'rules', 'alerts.test.yml');
    expect(result.output).toContain('SUCCESS');
    expect(result.ok).toBe(true);
  });

  test('given the configuration docker-compose mounts, when promtool checks it, then it loads with the rules file', () => {
    const result = promtool('check', 'config', '--syntax-only', 'prometheus.yml');
    expect(result.output).toContain('SUCCESS');
    expect(result.ok).toBe(true);
  });

  test('given a rules file with broken PromQL, when promtool checks it, then it fails naming the rule', () => {
    const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lead-rollback-rules-')), 'broken.yml');
    try {
      fs.writeFileSync(
        broken,
        'groups:\n  - name: broken\n    rules:\n      - alert: Broken\n        expr: sum(rate(lead_rollback_rollbacks_total[5m]) > \n',
      );
      const result = promtool('check', 'rules', broken);
      expect(result.ok).toBe(false);
      expect(result.output).toContain('Broken');
    } finally {
      fs.rmSync(path.dirname(broken), { recursive: true, force: true });
    }
  });
});
