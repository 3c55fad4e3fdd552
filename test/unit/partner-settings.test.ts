import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configuredPartners, sandboxPartners } from '../../src/config/partners';
import { notificationDepsFromConfig } from '../../src/activities/notify/channels';
import { operatorGuards } from '../../src/client/operator-guards';
import { loadConfig } from '../../src/config/index';
import { ValidationError } from '../../src/domain/validation';

const SECRET = 'partner-a-secret-0123456789';

function issues(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ValidationError) return err.issues;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('partner configuration (WEBHOOK_PARTNERS, WEBHOOK_PARTNERS_FILE, REHEARSAL_WEBHOOK_PARTNERS)', () => {
  test('given partners as JSON with an inline secret and one from the environment, when loaded, then each has its origins, secret and network policy', () => {
    const env = {
      WEBHOOK_PARTNERS: JSON.stringify({
        'partner-a': { origins: ['https://hooks.partner-a.example'], secret: SECRET },
        'partner-b': {
          origins: ['https://hooks.partner-b.example', 'http://10.0.0.5:8080'],
          secretEnv: 'PARTNER_B_SECRET',
          allowPrivateNetwork: true,
        },
      }),
      PARTNER_B_SECRET: 'partner-b-secret-0123456789',
    };
    const partners = configuredPartners(loadConfig(env), env, { requireSecrets: true });
    expect([...partners.values()]).toEqual([
      { name: 'partner-a', origins: ['https://hooks.partner-a.example'], secret: SECRET, allowPrivateNetwork: false },
      {
        name: 'partner-b',
        origins: ['https://hooks.partner-b.example', 'http://10.0.0.5:8080'],
        secret: 'partner-b-secret-0123456789',
        allowPrivateNetwork: true,
      },
    ]);
  });

  test('given a secretEnv that is not set, when the API or CLI loads partners, then they load without the secret; the worker refuses to start, naming the entry', () => {
    const env = {
      WEBHOOK_PARTNERS: JSON.stringify({
        'partner-b': { origins: ['https://hooks.partner-b.example'], secretEnv: 'PARTNER_B_SECRET' },
      }),
    };
    const config = loadConfig(env);
    expect(configuredPartners(config, env).get('partner-b')).toEqual({
      name: 'partner-b',
      origins: ['https://hooks.partner-b.example'],
      allowPrivateNetwork: false,
    });
    expect(issues(() => configuredPartners(config, env, { requireSecrets: true }))).toEqual([
      {
        path: 'WEBHOOK_PARTNERS.partner-b.secretEnv',
        message: 'names PARTNER_B_SECRET, which is not set or shorter than 16 characters',
      },
    ]);
  });

  test('given a YAML file and JSON together, when loaded, then both are read; a name in both is refused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'partners-'));
    try {
      const file = path.join(dir, 'partners.yaml');
      fs.writeFileSync(file, `partner-c:\n  origins: [https://hooks.partner-c.example]\n  secret: ${SECRET}\n`);
      const env = {
        WEBHOOK_PARTNERS_FILE: file,
        WEBHOOK_PARTNERS: JSON.stringify({
          'partner-a': { origins: ['https://hooks.partner-a.example'], secret: SECRET },
        }),
      };
      expect([...configuredPartners(loadConfig(env), env).keys()]).toEqual(['partner-a', 'partner-c']);
      const twice = {
        ...env,
        WEBHOOK_PARTNERS: JSON.stringify({ 'partner-c': { origins: ['https://other.example'], secret: SECRET } }),
      };
      expect(issues(() => configuredPartners(loadConfig(twice), twice))).toEqual([
        { path: 'WEBHOOK_PARTNERS_FILE.partner-c', message: 'partner "partner-c" is configured twice' },
      ]);
      fs.writeFileSync(file, `partner-c:\n  origins: [https://x.example\n  secret: ${SECRET}\n`);
      const broken = issues(() => loadConfig({ WEBHOOK_PARTNERS_FILE: file }));
      expect(broken).toEqual([
        { path: 'WEBHOOK_PARTNERS_FILE', message: expect.stringMatching(/^is not valid YAML or JSON/) },
      ]);
      expect(JSON.stringify(broken)).not.toContain(SECRET);
      expect(issues(() => loadConfig({ WEBHOOK_PARTNERS_FILE: path.join(dir, 'missing.yaml') }))).toEqual([
        { path: 'WEBHOOK_PARTNERS_FILE', message: 'cannot be read (ENOENT)' },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([
    [
      'an origin with a path',
      { origins: ['https://hooks.example/hooks'], secret: SECRET },
      'WEBHOOK_PARTNERS.p.origins.0',
      /must be an http or https origin/,
    ],
    [
      'an origin not written canonically',
      { origins: ['https://Hooks.Example:443'], secret: SECRET },
      'WEBHOOK_PARTNERS.p.origins.0',
      /must be written as the origin https:\/\/hooks\.example/,
    ],
    [
      'an origin with userinfo',
      { origins: ['https://user:pw@hooks.example'], secret: SECRET },
      'WEBHOOK_PARTNERS.p.origins.0',
      /must be an http or https origin/,
    ],
    [
      'a loopback origin without allowPrivateNetwork',
      { origins: ['http://127.0.0.1:8080'], secret: SECRET },
      'WEBHOOK_PARTNERS.p.origins.0',
      /allowPrivateNetwork: true/,
    ],
    [
      'localhost without allowPrivateNetwork',
      { origins: ['http://localhost:8080'], secret: SECRET },
      'WEBHOOK_PARTNERS.p.origins.0',
      /allowPrivateNetwork: true/,
    ],
    [
      'cloud metadata, even with allowPrivateNetwork',
      { origins: ['http://169.254.169.254'], secret: SECRET, allowPrivateNetwork: true },
      'WEBHOOK_PARTNERS.p.origins.0',
      /never called/,
    ],
    ['a short secret', { origins: ['https://hooks.example'], secret: 'short' }, 'WEBHOOK_PARTNERS.p.secret', /16/],
    [
      'both secret and secretEnv',
      { origins: ['https://hooks.example'], secret: SECRET, secretEnv: 'X' },
      'WEBHOOK_PARTNERS.p.secret',
      /exactly one of secret/,
    ],
    [
      'neither secret nor secretEnv',
      { origins: ['https://hooks.example'] },
      'WEBHOOK_PARTNERS.p.secret',
      /exactly one of secret/,
    ],
    [
      'an unknown field',
      { origins: ['https://hooks.example'], secret: SECRET, url: 'https://x' },
      'WEBHOOK_PARTNERS.p',
      /url/,
    ],
    ['no origins', { origins: [], secret: SECRET }, 'WEBHOOK_PARTNERS.p.origins', /1/],
  ])('given a partner with %s, when loaded, then the field is named and no secret printed', (_, entry, at, message) => {
    const found = issues(() => loadConfig({ WEBHOOK_PARTNERS: JSON.stringify({ p: entry }) }));
    expect(found.map((i) => i.path)).toContain(at);
    expect(found.find((i) => i.path === at)!.message).toMatch(message);
    expect(JSON.stringify(found)).not.toContain(SECRET);
  });

  test('given WEBHOOK_PARTNERS that is not JSON, when loaded, then it says so without quoting it', () => {
    const found = issues(() => loadConfig({ WEBHOOK_PARTNERS: `{"p": {"secret": "${SECRET}",` }));
    expect(found).toEqual([{ path: 'WEBHOOK_PARTNERS', message: expect.stringMatching(/^is not valid JSON/) }]);
    expect(JSON.stringify(found)).not.toContain(SECRET);
  });

  test('given a partner name that is not a name, when loaded, then it is refused', () => {
    expect(
      issues(() =>
        loadConfig({
          WEBHOOK_PARTNERS: JSON.stringify({ 'Partner A': { origins: ['https://x.example'], secret: SECRET } }),
        }),
      ).map((i) => i.path),
    ).toEqual(['WEBHOOK_PARTNERS.Partner A']);
  });

  test('given empty values (as compose passes unset variables), when loaded, then there are no partners', () => {
    const env = { WEBHOOK_PARTNERS: '', WEBHOOK_PARTNERS_FILE: '', REHEARSAL_WEBHOOK_PARTNERS: '' };
    expect(configuredPartners(loadConfig(env), env).size).toBe(0);
    expect(sandboxPartners(loadConfig(env), env).size).toBe(0);
  });

  test('given notification webhooks, when the worker builds its channels, then each must name a partner and sit on its origins', () => {
    const env = {
      WEBHOOK_PARTNERS: JSON.stringify({ audit: { origins: ['https://audit.example'], secret: SECRET } }),
      NOTIFY_WEBHOOK_URLS: 'audit=https://audit.example/hooks/lead-rollback',
    };
    const config = loadConfig(env);
    const deps = notificationDepsFromConfig(config, configuredPartners(config, env));
    expect(deps.webhooks.get('audit')).toMatchObject({
      url: 'https://audit.example/hooks/lead-rollback',
      partner: { name: 'audit', secret: SECRET },
    });

    const elsewhere = loadConfig({
      ...env,
      NOTIFY_WEBHOOK_URLS: 'audit=https://collector.example/x,ghost=https://ghost.example/x',
    });
    expect(
      issues(() => notificationDepsFromConfig(elsewhere, configuredPartners(elsewhere, env))).map((i) => [
        i.path,
        i.message.slice(0, 40),
      ]),
    ).toEqual([
      ['NOTIFY_WEBHOOK_URLS.audit', 'must start with an origin of partner "au'],
      ['NOTIFY_WEBHOOK_URLS.ghost', 'names no partner: add "ghost" to WEBHOOK'],
    ]);
  });

  test('given the operator guards of a configuration, when a request names an unknown partner, then the partner guard refuses it', async () => {
    const env = {
      WEBHOOK_PARTNERS: JSON.stringify({
        'partner-a': { origins: ['https://hooks.partner-a.example'], secretEnv: 'NOT_NEEDED_BY_THE_API' },
      }),
    };
    const guard = operatorGuards(loadConfig(env), {}, env);
    const step = (partner: string) => ({
      id: 'notify',
      target: 'webhook' as const,
      spec: {
        partner,
        forward: { method: 'POST' as const, url: 'https://hooks.partner-a.example/x' },
        irreversible: true,
      },
    });
    const request = (partner: string) => ({
      title: 't',
      requestedBy: 'ops',
      risk: 'low' as const,
      steps: [step(partner)],
      policy: {
        onStepFailure: 'rollback' as const,
        locks: { onBusy: 'wait' as const, maxWait: '1h' },
        compensation: { independentGroups: [] },
      },
    });
    expect(await guard.check(request('partner-a') as never)).toEqual([]);
    expect((await guard.check(request('partner-z') as never)).map((i) => i.path)).toEqual(['steps.0.spec.partner']);
  });
});
