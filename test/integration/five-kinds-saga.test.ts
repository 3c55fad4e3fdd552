import type { Document } from 'mongodb';
import { idempotencyKey } from '../../src/store/send-journal';
import { RecoveryPointStore } from '../../src/store/recovery-points';
import type { ChangeRequestInput } from '../../src/domain/change-request';
import { sampleFlowConfig, seedFlows } from '../helpers/flows';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { seedLeads } from '../helpers/leads';
import { partnerRouteSteps, startPeers, type Peers } from '../helpers/peers';

/** One change over every target kind, in the order a platform would roll out a new lead route. */
function change(peers: Peers, flowId: string, recordId: string): ChangeRequestInput {
  const hooks = peers.webhook.url;
  return {
    title: 'Open the Acme solar route: flow, partner limits, leads, CRM and partner',
    requestedBy: 'ops@example.com',
    steps: [
      {
        id: 'flow-cap',
        target: 'flow-config',
        spec: { flowId, patch: [{ op: 'replace', path: '/pricing/cap', value: 75 }] },
      },
      {
        id: 'partner-limit',
        target: 'mongo-document',
        spec: { collection: 'partners', id: 'acme', op: 'set', fields: { 'limits.daily': 500 } },
      },
      {
        id: 'reassign-leads',
        target: 'lead-data',
        spec: { filter: { status: 'new', state: 'TX' }, set: { owner: 'acme' } },
      },
      {
        id: 'tag-contact',
        target: 'crm',
        spec: { action: 'update-record', objectType: 'contacts', recordId, properties: { lifecyclestage: 'lead' } },
      },
      ...partnerRouteSteps(hooks, 'acme-solar'),
    ],
  };
}

describe('one change over all five target kinds, on real Temporal, a real database and real HTTP peers', () => {
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

  test('given flow config, a document, leads, a CRM record and a webhook applied, when the last step fails, then every target is back at its recovery point, verified, each restore once', async () => {
    const flowId = uniqueId('flow');
    const flows = await seedFlows(env.db, [flowId]);
    await seedLeads(env.db, 120);
    await env.db
      .collection<Document>('partners')
      .insertOne({ _id: 'acme', name: 'Acme Solar', limits: { daily: 200 } } as Document);
    const leadsBefore = await env.db.collection('leads').find().sort({ _id: 1 }).toArray();
    const partnerBefore = await env.db.collection<Document>('partners').findOne({ _id: 'acme' } as Document);
    const recordId = peers.crm.state.createRecord('contacts', { firstname: 'Ada', lifecyclestage: 'subscriber' }).id;
    peers.webhook.faults.enqueue({ fault: 'status', status: 400, path: '/hooks/activate' });
    await env.startWorker(undefined, peers.deps);
    const changeId = uniqueId('five-kinds');

    await env.changes.start(change(peers, flowId, recordId), { changeId });
    const report = await env.changes.result(changeId);

    expect(report.phase).toBe('rolled-back');
    expect(report.cause).toMatchObject({ stepId: 'activate', type: 'PartnerRejectedError' });
    expect(report.steps.map((s) => [s.id, s.state, s.restore?.status])).toEqual([
      ['flow-cap', 'restored', 'restored'],
      ['partner-limit', 'restored', 'restored'],
      ['reassign-leads', 'restored', 'restored'],
      ['tag-contact', 'restored', 'restored'],
      ['announce-route', 'restored', 'restored'],
      ['activate', 'failed', 'not-applied'],
    ]);
    // Reverse order of application, and the rollback validated every target afterwards.
    expect(report.timeline.filter((e) => e.event === 'step restored').map((e) => e.stepId)).toEqual([
      'announce-route',
      'tag-contact',
      'reassign-leads',
      'partner-limit',
      'flow-cap',
    ]);
    expect(report.validation).toMatchObject({ ok: true });

    // flow-config: the content is back, as a new version that records what it undid.
    const flow = (await flows.get(flowId))!;
    expect(flow.config).toEqual(sampleFlowConfig(flowId));
    expect(flow.version).toBe(3);
    // mongo-document and lead-data: byte for byte as before.
    expect(await env.db.collection<Document>('partners').findOne({ _id: 'acme' } as Document)).toEqual(partnerBefore);
    expect(await env.db.collection('leads').find().sort({ _id: 1 }).toArray()).toEqual(leadsBefore);
    // crm: the record's properties are the recovery point's values.
    const point = await new RecoveryPointStore(env.db).get({ changeId, stepId: 'tag-contact' }, 'before-apply');
    const now = peers.crm.state.record('contacts', recordId, ['lifecyclestage'])!.properties;
    expect({ lifecyclestage: now.lifecyclestage }).toEqual((point!.state as { values: unknown }).values);
    expect(now.lifecyclestage).toBe('subscriber');
    // webhook: one compensating request for the applied route, none for the refused activation.
    const key = (stepId: string, phase: 'forward' | 'compensate') => idempotencyKey({ changeId, stepId }, phase);
    expect(
      peers.webhook.requests({ key: key('announce-route', 'compensate') }).map((r) => [r.method, r.status]),
    ).toEqual([['DELETE', 200]]);
    expect(peers.webhook.requests({ key: key('activate', 'compensate') })).toHaveLength(0);
    const repeated = Object.entries({ ...peers.webhook.stats().keys, ...peers.crm.stats().keys }).filter(
      ([, stats]) => stats.effects > 1,
    );
    expect(repeated).toEqual([]);
  });
});
