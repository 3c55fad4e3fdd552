import { MongoClient } from 'mongodb';
import { sandboxPlans, webhookRehearsalProblem, type RehearsalDeps } from '../../src/activities/rehearsal/sandboxes';
import { sandboxUrl } from '../../src/activities/targets/webhook/sandbox-url';
import { loadConfig, rehearsalDbName } from '../../src/config/index';
import { rehearsalDeps } from '../../src/worker';
import type { ChangeRequest } from '../../src/domain/change-request';
import { ValidationError } from '../../src/domain/validation';
import { rehearsalReport, type RehearsalObservations } from '../../src/domain/rehearsal-verdict';
import type { WebhookSpec } from '../../src/domain/targets/webhook';
import type { Partner } from '../../src/domain/partners';

// Plans are pure; a Db object is only passed through (never connected here).
const deps = (extra: Partial<RehearsalDeps> = {}): RehearsalDeps => ({
  db: new MongoClient('mongodb://127.0.0.1:1').db('x_rehearsal'),
  ...extra,
});

const webhook: WebhookSpec = {
  partner: 'partner-a',
  forward: { method: 'POST', url: 'https://partner.example.com:8443/hooks/routes?flow={{changeId}}', body: { a: 1 } },
  compensate: { method: 'DELETE', url: 'https://partner.example.com:8443/hooks/routes/{{changeId}}' },
};

describe('sandbox plans: what can be rehearsed, and where it runs', () => {
  test.each([
    [
      'an ordinary URL (port, query, fragment)',
      'https://partner.example.com:8443/hooks/routes?flow=c-1#frag',
      'http://127.0.0.1:9000/hooks/routes?flow=c-1',
    ],
    ['the scheme without slashes', 'https:partner.example.com/hooks', 'http://127.0.0.1:9000/hooks'],
    ['one slash after the scheme', 'https:/partner.example.com/hooks', 'http://127.0.0.1:9000/hooks'],
    ['a leading space', ' https://partner.example.com/hooks', 'http://127.0.0.1:9000/hooks'],
    ['a backslash after the host', 'https://partner.example.com\\hooks', 'http://127.0.0.1:9000/hooks'],
    ['a tab in the scheme', 'ht\ttps://partner.example.com/hooks', 'http://127.0.0.1:9000/hooks'],
    ['userinfo', 'https://user:pw@partner.example.com/hooks', 'http://127.0.0.1:9000/hooks'],
    [
      'a path that looks like a host',
      'https://partner.example.com//evil.example/hooks',
      'http://127.0.0.1:9000//evil.example/hooks',
    ],
    ['an IPv6 host', 'http://[::1]:8080/hooks?a=b', 'http://127.0.0.1:9000/hooks?a=b'],
  ])(
    'given a rendered webhook URL with %s, when moved to the sandbox, then it is built from the parsed URL on the sandbox origin',
    (_, url, expected) => {
      const moved = sandboxUrl(url, 'http://127.0.0.1:9000');
      expect(moved).toBe(expected);
      expect(new URL(moved).origin).toBe('http://127.0.0.1:9000');
    },
  );

  const production: Partner = {
    name: 'partner-a',
    origins: ['https://partner.example.com:8443'],
    secret: 'p'.repeat(16),
    allowPrivateNetwork: false,
  };
  const sandbox: Partner = {
    name: 'partner-a',
    origins: ['http://127.0.0.1:9000'],
    secret: 's'.repeat(16),
    allowPrivateNetwork: true,
  };
  const key = { changeId: 'r-1', stepId: 'notify' };
  const partners = (...list: Partner[]) => new Map(list.map((p) => [p.name, p]));

  test('given a webhook step on its partner and a sandbox for it, when checked before the rehearsal, then its built requests all go to the sandbox', () => {
    expect(webhookRehearsalProblem(webhook, key, partners(production), partners(sandbox))).toBeUndefined();
  });

  test.each([
    ['the scheme without slashes', 'https:partner.example.com:8443/hooks'],
    ['a leading space', ' https://partner.example.com:8443/hooks'],
    ['a backslash', 'https://partner.example.com:8443\\hooks'],
    ['another port', 'https://partner.example.com/hooks'],
    ['another host', 'https://partner.example.com.evil.example:8443/hooks'],
    ['userinfo', 'https://partner.example.com:8443@evil.example/hooks'],
  ])('given a forward URL with %s, when checked before the rehearsal, then it is refused naming the URL', (_, url) => {
    const problem = webhookRehearsalProblem(
      { ...webhook, forward: { ...webhook.forward, url } },
      key,
      partners(production),
      partners(sandbox),
    );
    expect(problem).toContain('its forward URL');
  });

  test('given a step whose partner this worker does not know, when checked before the rehearsal, then it is refused', () => {
    expect(
      webhookRehearsalProblem({ ...webhook, partner: 'partner-z' }, key, partners(production), partners(sandbox)),
    ).toContain('"partner-z"');
  });

  test('given no sandbox CRM or no sandbox for the partner, when asked, then each says what to configure; with them, nothing is missing', () => {
    const crmSpec = { action: 'delete-property', objectType: 'contacts', name: 'lead_tier' } as const;
    expect(sandboxPlans.crm!.unavailable(crmSpec, deps())).toContain('REHEARSAL_CRM_BASE_URL');
    expect(
      sandboxPlans.crm!.unavailable(crmSpec, deps({ crm: { baseUrl: 'http://crm', token: 't', timeoutMs: 1000 } })),
    ).toBeUndefined();
    expect(sandboxPlans.webhook!.unavailable(webhook, deps())).toContain(
      'no sandbox for partner "partner-a": add its sandbox to REHEARSAL_WEBHOOK_PARTNERS',
    );
    expect(
      sandboxPlans.webhook!.unavailable(
        webhook,
        deps({ webhookPartners: partners({ ...sandbox, name: 'partner-b' }) }),
      ),
    ).toContain('REHEARSAL_WEBHOOK_PARTNERS');
    expect(sandboxPlans.webhook!.unavailable(webhook, deps({ webhookPartners: partners(sandbox) }))).toBeUndefined();
  });

  test('given lead-data and mongo-document steps, when their documents are listed, then the selected leads and the one document are copied and compared whole', () => {
    const [leads] = sandboxPlans['lead-data']!.documents!({
      collection: 'leads',
      filter: { state: 'TX', status: { in: ['new', 'queued'] } },
      set: { owner: 'acme' },
    } as never);
    expect(leads).toMatchObject({
      collection: 'leads',
      filter: { $and: [{ state: { $eq: 'TX' } }, { status: { $in: ['new', 'queued'] } }] },
    });
    expect(leads!.exact!({ _id: 1, state: 'TX' })).toEqual({ _id: 1, state: 'TX' });
    expect(leads!.leads).toBe(true);
    const [doc] = sandboxPlans['mongo-document']!.documents!({
      collection: 'partners',
      id: '65a1b2c3d4e5f60718293a4b',
      idType: 'objectId',
      op: 'unset',
      fields: ['limits'],
    } as never);
    expect(doc!.collection).toBe('partners');
    expect(String((doc!.filter as { _id: unknown })._id)).toBe('65a1b2c3d4e5f60718293a4b');
    expect(sandboxPlans['lead-data']!.unavailable({} as never, deps())).toBeUndefined();
  });

  test('given a flow-config step, when its documents are listed, then the flow is compared by its configuration and its history is copied but not compared', () => {
    const [flow, history] = sandboxPlans['flow-config']!.documents!({
      flowId: 'solar',
      patch: [{ op: 'remove', path: '/a' }],
    });
    expect(flow).toMatchObject({ collection: 'flows', filter: { _id: 'solar' } });
    expect(flow!.exact!({ _id: 'solar', version: 7, config: { cap: 1 }, writtenBy: {} })).toEqual({ cap: 1 });
    expect(history).toEqual({ collection: 'flow_versions', filter: { flowId: 'solar' } });
  });
});

describe('rehearsal outcome per step', () => {
  const request = {
    title: 'T',
    requestedBy: 'ops@example.com',
    risk: 'low',
    steps: [],
    policy: { onStepFailure: 'rollback', approval: 'none', compensation: { independentGroups: [] } },
  } as unknown as ChangeRequest;
  const base = (overrides: Partial<RehearsalObservations>): RehearsalObservations => ({
    rehearsalId: 'r-1',
    request,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    prepared: [],
    runs: {},
    comparisons: [],
    ...overrides,
  });
  const restored = { status: 'restored', summary: 'ok', recoveryPointId: 'p' } as const;

  test('given copies equal before and after, and production read equal, when judged, then the step is exact and production untouched', () => {
    const report = rehearsalReport(
      base({
        prepared: [
          {
            stepId: 'a',
            target: 'flow-config',
            sandbox: { documents: 2, exactChecksum: 'c1' },
            productionChecksum: 'p1',
          },
        ],
        runs: { a: { applied: { status: 'applied', summary: 'v1 → v2' }, restore: restored, remainingOperations: 0 } },
        comparisons: [{ stepId: 'a', sandboxExactChecksum: 'c1', productionChecksum: 'p1' }],
      }),
    );
    expect(report).toMatchObject({
      exact: true,
      productionUntouched: true,
      steps: [{ outcome: 'exact', production: 'untouched', sandbox: { before: 'c1', after: 'c1' } }],
    });
  });

  test('given a sandbox copy that differs, a failed verification, leftover operations or a restore error, when judged, then the step differs and says why', () => {
    const prepared = [
      {
        stepId: 'a',
        target: 'flow-config' as const,
        sandbox: { documents: 1, exactChecksum: 'c1' },
        productionChecksum: 'p1',
      },
    ];
    const cases: [RehearsalObservations['runs'][string], string, RegExp][] = [
      [{ restore: restored, remainingOperations: 0 }, 'c2', /differ from the copy taken before/],
      [
        { restore: restored, verifyProblem: 'flow solar does not match', remainingOperations: 0 },
        'c1',
        /did not verify: flow solar does not match/,
      ],
      [{ restore: restored, remainingOperations: 3 }, 'c1', /3 operation\(s\) still lie between/],
      [
        { restoreError: { type: 'IrreversibleStepError', message: 'cannot be undone' } },
        'c1',
        /the restore failed: IrreversibleStepError: cannot be undone/,
      ],
    ];
    for (const [run, after, why] of cases) {
      const report = rehearsalReport(
        base({
          prepared,
          runs: { a: run },
          comparisons: [{ stepId: 'a', sandboxExactChecksum: after, productionChecksum: 'p1' }],
        }),
      );
      expect(report.exact).toBe(false);
      expect(report.steps[0]).toMatchObject({ outcome: 'differs', detail: expect.stringMatching(why) });
    }
  });

  test('given production read differently after the rehearsal, when judged, then production is reported changed', () => {
    const report = rehearsalReport(
      base({
        prepared: [
          {
            stepId: 'a',
            target: 'flow-config',
            sandbox: { documents: 1, exactChecksum: 'c1' },
            productionChecksum: 'p1',
          },
        ],
        runs: { a: { restore: restored } },
        comparisons: [{ stepId: 'a', sandboxExactChecksum: 'c1', productionChecksum: 'p2' }],
      }),
    );
    expect(report).toMatchObject({ productionUntouched: false, steps: [{ production: 'changed' }] });
  });

  test('given no step could be rehearsed, when judged, then the rehearsal is not exact (nothing was shown)', () => {
    const report = rehearsalReport(
      base({ prepared: [{ stepId: 'a', target: 'crm', notRehearsed: 'no sandbox CRM' }] }),
    );
    expect(report).toMatchObject({
      exact: false,
      productionUntouched: true,
      steps: [{ outcome: 'not-rehearsed', detail: 'no sandbox CRM', production: 'not-read' }],
    });
  });
});

describe('rehearsal and retention configuration', () => {
  test('given nothing set, when loaded, then recovery points are kept 30 days and the sandbox database is <MONGODB_DB>_rehearsal', async () => {
    const config = loadConfig({ MONGODB_DB: 'leads' });
    expect(config.RECOVERY_POINT_RETENTION_DAYS).toBe(30);
    const client = new MongoClient('mongodb://127.0.0.1:1');
    expect(rehearsalDeps(config, client)).toMatchObject({
      db: { databaseName: 'leads_rehearsal' },
      crm: undefined,
      webhookPartners: new Map(),
      maxLeads: 10_000,
    });
    expect(rehearsalDbName('x'.repeat(63))).toHaveLength(63);
  });

  test('given a rehearsal database equal to MONGODB_DB, half a sandbox CRM or a bad retention, when loaded, then each variable is named', () => {
    const issues = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig(env);
      } catch (err) {
        if (err instanceof ValidationError) return err.issues.map((i) => i.path);
      }
      return [];
    };
    expect(issues({ MONGODB_DB: 'leads', REHEARSAL_MONGODB_DB: 'leads' })).toEqual(['REHEARSAL_MONGODB_DB']);
    expect(issues({ REHEARSAL_CRM_BASE_URL: 'http://sandbox-crm' })).toEqual(['REHEARSAL_CRM_TOKEN']);
    expect(issues({ RECOVERY_POINT_RETENTION_DAYS: 'forever' })).toEqual(['RECOVERY_POINT_RETENTION_DAYS']);
    expect(issues({ REHEARSAL_MAX_LEADS: '0' })).toEqual(['REHEARSAL_MAX_LEADS']);
    expect(issues({ REHEARSAL_WEBHOOK_BASE_URL: 'http://sandbox.example' })).toEqual(['REHEARSAL_WEBHOOK_BASE_URL']);
  });
});
