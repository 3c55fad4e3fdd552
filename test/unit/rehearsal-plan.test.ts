import { MongoClient } from 'mongodb';
import { sandboxPlans, toSandboxOrigin, type RehearsalDeps } from '../../src/activities/rehearsal/sandboxes';
import { loadConfig, rehearsalDbName, rehearsalDeps } from '../../src/config';
import type { ChangeRequest } from '../../src/domain/change-request';
import { ValidationError } from '../../src/domain/validation';
import { rehearsalReport, type RehearsalObservations } from '../../src/rehearsal/outcome';
import type { WebhookSpec } from '../../src/activities/targets/webhook/spec';

// Plans are pure; a Db object is only passed through (never connected here).
const deps = (extra: Partial<RehearsalDeps> = {}): RehearsalDeps => ({ db: new MongoClient('mongodb://127.0.0.1:1').db('x_rehearsal'), ...extra });

const webhook: WebhookSpec = {
  secret: 'partner-a',
  forward: { method: 'POST', url: 'https://partner.example.com:8443/hooks/routes?flow={{changeId}}', body: { a: 1 } },
  compensate: { method: 'DELETE', url: 'https://partner.example.com:8443/hooks/routes/{{changeId}}' },
};

describe('sandbox plans: what can be rehearsed, and where it runs', () => {
  test('given a webhook and a sandbox base URL with a path, when moved to the sandbox, then only the origin changes (path, query and templates kept)', () => {
    const moved = toSandboxOrigin(webhook, 'http://127.0.0.1:9000/sandbox/');
    expect(moved.forward.url).toBe('http://127.0.0.1:9000/sandbox/hooks/routes?flow={{changeId}}');
    expect(moved.compensate!.url).toBe('http://127.0.0.1:9000/sandbox/hooks/routes/{{changeId}}');
    expect({ ...moved, forward: { ...moved.forward, url: '' }, compensate: { ...moved.compensate!, url: '' } }).toEqual({ ...webhook, forward: { ...webhook.forward, url: '' }, compensate: { ...webhook.compensate!, url: '' } });
  });

  test('given no sandbox CRM, no webhook origin or a missing sandbox secret, when asked, then each says what to configure; with them, nothing is missing', () => {
    const crmSpec = { action: 'delete-property', objectType: 'contacts', name: 'lead_tier' } as const;
    expect(sandboxPlans.crm!.unavailable(crmSpec, deps())).toContain('REHEARSAL_CRM_BASE_URL');
    expect(sandboxPlans.crm!.unavailable(crmSpec, deps({ crm: { baseUrl: 'http://crm', token: 't', timeoutMs: 1000 } }))).toBeUndefined();
    expect(sandboxPlans.webhook!.unavailable(webhook, deps())).toContain('REHEARSAL_WEBHOOK_BASE_URL');
    expect(sandboxPlans.webhook!.unavailable(webhook, deps({ webhookBaseUrl: 'http://sandbox' }))).toContain('"partner-a" is not in REHEARSAL_WEBHOOK_SECRETS');
    expect(sandboxPlans.webhook!.unavailable(webhook, deps({ webhookBaseUrl: 'http://sandbox', webhookSecrets: { 'partner-a': 'x'.repeat(16) } }))).toBeUndefined();
  });

  test('given lead-data and mongo-document steps, when their documents are listed, then the selected leads and the one document are copied and compared whole', () => {
    const [leads] = sandboxPlans['lead-data']!.documents!({ collection: 'leads', filter: { state: 'TX', status: { in: ['new', 'queued'] } }, set: { owner: 'acme' } } as never);
    expect(leads).toMatchObject({ collection: 'leads', filter: { $and: [{ state: { $eq: 'TX' } }, { status: { $in: ['new', 'queued'] } }] } });
    expect(leads!.exact!({ _id: 1, state: 'TX' })).toEqual({ _id: 1, state: 'TX' });
    const [doc] = sandboxPlans['mongo-document']!.documents!({ collection: 'partners', id: '65a1b2c3d4e5f60718293a4b', idType: 'objectId', op: 'unset', fields: ['limits'] } as never);
    expect(doc!.collection).toBe('partners');
    expect(String((doc!.filter as { _id: unknown })._id)).toBe('65a1b2c3d4e5f60718293a4b');
    expect(sandboxPlans['lead-data']!.unavailable({} as never, deps())).toBeUndefined();
  });

  test('given a flow-config step, when its documents are listed, then the flow is compared by its configuration and its history is copied but not compared', () => {
    const [flow, history] = sandboxPlans['flow-config']!.documents!({ flowId: 'solar', patch: [{ op: 'remove', path: '/a' }] });
    expect(flow).toMatchObject({ collection: 'flows', filter: { _id: 'solar' } });
    expect(flow!.exact!({ _id: 'solar', version: 7, config: { cap: 1 }, writtenBy: {} })).toEqual({ cap: 1 });
    expect(history).toEqual({ collection: 'flow_versions', filter: { flowId: 'solar' } });
  });
});

describe('rehearsal outcome per step', () => {
  const request = { title: 'T', requestedBy: 'ops@example.com', risk: 'low', steps: [], policy: { onStepFailure: 'rollback', approval: 'none', compensation: { independentGroups: [] } } } as unknown as ChangeRequest;
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
        prepared: [{ stepId: 'a', target: 'flow-config', sandbox: { documents: 2, exactChecksum: 'c1' }, productionChecksum: 'p1' }],
        runs: { a: { applied: { status: 'applied', summary: 'v1 → v2' }, restore: restored, remainingOperations: 0 } },
        comparisons: [{ stepId: 'a', sandboxExactChecksum: 'c1', productionChecksum: 'p1' }],
      }),
    );
    expect(report).toMatchObject({ exact: true, productionUntouched: true, steps: [{ outcome: 'exact', production: 'untouched', sandbox: { before: 'c1', after: 'c1' } }] });
  });

  test('given a sandbox copy that differs, a failed verification, leftover operations or a restore error, when judged, then the step differs and says why', () => {
    const prepared = [{ stepId: 'a', target: 'flow-config' as const, sandbox: { documents: 1, exactChecksum: 'c1' }, productionChecksum: 'p1' }];
    const cases: [RehearsalObservations['runs'][string], string, RegExp][] = [
      [{ restore: restored, remainingOperations: 0 }, 'c2', /differ from the copy taken before/],
      [{ restore: restored, verifyProblem: 'flow solar does not match', remainingOperations: 0 }, 'c1', /did not verify: flow solar does not match/],
      [{ restore: restored, remainingOperations: 3 }, 'c1', /3 operation\(s\) still lie between/],
      [{ restoreError: { type: 'IrreversibleStepError', message: 'cannot be undone' } }, 'c1', /the restore failed: IrreversibleStepError: cannot be undone/],
    ];
    for (const [run, after, why] of cases) {
      const report = rehearsalReport(base({ prepared, runs: { a: run }, comparisons: [{ stepId: 'a', sandboxExactChecksum: after, productionChecksum: 'p1' }] }));
      expect(report.exact).toBe(false);
      expect(report.steps[0]).toMatchObject({ outcome: 'differs', detail: expect.stringMatching(why) });
    }
  });

  test('given production read differently after the rehearsal, when judged, then production is reported changed', () => {
    const report = rehearsalReport(
      base({ prepared: [{ stepId: 'a', target: 'flow-config', sandbox: { documents: 1, exactChecksum: 'c1' }, productionChecksum: 'p1' }], runs: { a: { restore: restored } }, comparisons: [{ stepId: 'a', sandboxExactChecksum: 'c1', productionChecksum: 'p2' }] }),
    );
    expect(report).toMatchObject({ productionUntouched: false, steps: [{ production: 'changed' }] });
  });

  test('given no step could be rehearsed, when judged, then the rehearsal is not exact (nothing was shown)', () => {
    const report = rehearsalReport(base({ prepared: [{ stepId: 'a', target: 'crm', notRehearsed: 'no sandbox CRM' }] }));
    expect(report).toMatchObject({ exact: false, productionUntouched: true, steps: [{ outcome: 'not-rehearsed', detail: 'no sandbox CRM', production: 'not-read' }] });
  });
});

describe('rehearsal and retention configuration', () => {
  test('given nothing set, when loaded, then recovery points are kept 30 days and the sandbox database is <MONGODB_DB>_rehearsal', async () => {
    const config = loadConfig({ MONGODB_DB: 'leads' });
    expect(config.RECOVERY_POINT_RETENTION_DAYS).toBe(30);
    const client = new MongoClient('mongodb://127.0.0.1:1');
    expect(rehearsalDeps(config, client)).toMatchObject({ db: { databaseName: 'leads_rehearsal' }, crm: undefined, webhookBaseUrl: undefined });
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
  });
});
