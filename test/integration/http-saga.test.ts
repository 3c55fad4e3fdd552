import { idempotencyKey } from '../../src/store/send-journal';
import { RecoveryPointStore } from '../../src/store/recovery-points';
import type { ChangeRequestInput } from '../../src/domain/change-request';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { partnerRouteSteps, startPeers, type Peers } from '../helpers/peers';

function change(peers: Peers, recordId: string): ChangeRequestInput {
  const hooks = peers.webhook.url;
  return {
    title: 'Introduce lead tiers and tell the partner',
    requestedBy: 'ops@example.com',
    steps: [
      {
        id: 'tag-contact',
        target: 'crm',
        spec: {
          action: 'update-record',
          objectType: 'contacts',
          recordId,
          properties: { lifecyclestage: 'lead', hs_lead_status: 'NEW' },
        },
      },
      {
        id: 'add-tier',
        target: 'crm',
        spec: {
          action: 'create-property',
          objectType: 'contacts',
          property: {
            name: 'lead_tier',
            label: 'Lead tier',
            type: 'enumeration',
            fieldType: 'select',
            groupName: 'contactinformation',
            options: [{ label: 'Gold', value: 'gold' }],
          },
        },
      },
      ...partnerRouteSteps(hooks, 'solar-gold'),
    ],
  };
}

describe('a change saga over the CRM and a partner webhook, on real Temporal, a real database and real HTTP peers', () => {
  let env: TestEnv;
  let peers: Peers;

  beforeEach(async () => {
    peers = await startPeers();
    env = await openTestEnv({ guard: peers.guard });
  });

  afterEach(async () => {
    await peers.stop();
    await env.close();
  });

  test('given flaky partners and a last step the partner refuses, when the change runs, then faults are retried, the refusal fails fast, and CRM and webhook are restored exactly once', async () => {
    const recordId = peers.crm.state.createRecord('contacts', { firstname: 'Ada', lifecyclestage: 'subscriber' }).id;
    peers.crm.faults.enqueue(
      { fault: 'error', status: 500, count: 2, method: 'PATCH', path: '/crm/v3/objects/' },
      { fault: 'rate-limit', retryAfter: '2', method: 'POST', path: '/crm/v3/properties/' },
    );
    peers.webhook.faults.enqueue(
      { fault: 'error', status: 503, method: 'POST', path: '/hooks/routes' },
      { fault: 'status', status: 400, path: '/hooks/activate' },
    );
    await env.startWorker(undefined, peers.deps);
    const changeId = uniqueId('tiers');
    const stepKey = (stepId: string) => ({ changeId, stepId });

    await env.changes.start(change(peers, recordId), { changeId });
    const report = await env.changes.result(changeId);

    // The refusal failed fast: one request, no retries, and nothing to undo for it.
    expect(report.phase).toBe('rolled-back');
    expect(report.cause).toMatchObject({ stepId: 'activate', type: 'PartnerRejectedError' });
    expect(peers.webhook.requests({ key: idempotencyKey(stepKey('activate'), 'forward') })).toHaveLength(1);
    expect(peers.webhook.requests({ key: idempotencyKey(stepKey('activate'), 'compensate') })).toHaveLength(0);
    expect(report.steps.map((s) => [s.id, s.state, s.restore?.status])).toEqual([
      ['tag-contact', 'restored', 'restored'],
      ['add-tier', 'restored', 'restored'],
      ['announce-route', 'restored', 'restored'],
      ['activate', 'failed', 'not-applied'],
    ]);
    expect(report.timeline.filter((e) => e.event === 'step restored').map((e) => e.stepId)).toEqual([
      'announce-route',
      'add-tier',
      'tag-contact',
    ]);

    // Transient faults were retried by Temporal until the writes got through; the 429 waited its Retry-After.
    expect(peers.crm.requests({ key: idempotencyKey(stepKey('tag-contact'), 'forward') }).map((r) => r.status)).toEqual(
      [500, 500, 200],
    );
    const creates = peers.crm.requests({ key: idempotencyKey(stepKey('add-tier'), 'forward') });
    expect(creates.map((r) => r.status)).toEqual([429, 201]);
    expect(Date.parse(creates[1]!.at) - Date.parse(creates[0]!.at)).toBeGreaterThanOrEqual(1900);
    expect(
      peers.webhook.requests({ key: idempotencyKey(stepKey('announce-route'), 'forward') }).map((r) => r.status),
    ).toEqual([503, 200]);

    // Every target is back at its recovery point.
    const points = new RecoveryPointStore(env.db);
    const recordPoint = await points.get(stepKey('tag-contact'), 'before-apply');
    const now = peers.crm.state.record('contacts', recordId, [
      'lifecyclestage',
      'hs_lead_status',
      'firstname',
    ])!.properties;
    expect({ lifecyclestage: now.lifecyclestage, hs_lead_status: now.hs_lead_status }).toEqual(
      (recordPoint!.state as { values: unknown }).values,
    );
    expect(now.firstname).toBe('Ada');
    expect((await points.get(stepKey('add-tier'), 'before-apply'))!.state).toEqual({ exists: false });
    expect(peers.crm.state.property('contacts', 'lead_tier')).toBeUndefined();

    // The partner got exactly one compensating request per key, signed, and each side effect happened once.
    const undo = peers.webhook.requests({ key: idempotencyKey(stepKey('announce-route'), 'compensate') });
    expect(undo.map((r) => [r.method, r.path, r.signature, r.status])).toEqual([
      ['DELETE', `/hooks/routes/${changeId}`, 'valid', 200],
    ]);
    const repeated = Object.entries({ ...peers.webhook.stats().keys, ...peers.crm.stats().keys }).filter(
      ([, stats]) => stats.effects > 1,
    );
    expect(repeated).toEqual([]);
  });
});
