import type { Document } from 'mongodb';
import { RecoveryPointStore } from '../../src/store/recovery-points';
import type { ChangeRequestInput } from '../../src/domain/change-request';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { seedLeads } from '../helpers/leads';

function change(): ChangeRequestInput {
  return {
    title: 'Send new Texas leads to Acme and raise its cap',
    requestedBy: 'ops@example.com',
    steps: [
      {
        id: 'reassign-leads',
        target: 'lead-data',
        spec: { filter: { status: 'new', state: 'TX' }, set: { owner: 'acme', 'routing.partner': 'acme' } },
      },
      {
        id: 'raise-cap',
        target: 'mongo-document',
        spec: { collection: 'partners', id: 'acme', op: 'set', fields: { 'limits.daily': 500 } },
      },
      {
        id: 'rename-contact',
        target: 'mongo-document',
        description: 'fails: "name" is a string, not an embedded document',
        spec: { collection: 'partners', id: 'acme', op: 'set', fields: { 'name.first': 'Ada' } },
      },
    ],
  };
}

describe('a change saga over lead records and a MongoDB document, on real Temporal and a real database', () => {
  let env: TestEnv;

  beforeEach(async () => {
    env = await openTestEnv();
  });

  afterEach(async () => {
    await env.close();
  });

  test('given a last step that cannot apply, when the change runs, then the partner document and every lead are back at their recovery points, verified', async () => {
    await seedLeads(env.db, 300);
    await env.db
      .collection<Document>('partners')
      .insertOne({ _id: 'acme', name: 'Acme Solar', limits: { daily: 200 } } as Document);
    const leadsBefore = await env.db.collection('leads').find().sort({ _id: 1 }).toArray();
    await env.startWorker();
    const changeId = uniqueId('db-saga');

    await env.changes.start(change(), { changeId });
    const report = await env.changes.result(changeId);

    expect(report.phase).toBe('rolled-back');
    expect(report.cause).toMatchObject({ stepId: 'rename-contact', type: 'InvalidStepError' });
    expect(report.steps.map((s) => [s.id, s.state, s.restore?.status])).toEqual([
      ['reassign-leads', 'restored', 'restored'],
      ['raise-cap', 'restored', 'restored'],
      ['rename-contact', 'failed', 'not-applied'],
    ]);
    expect(report.timeline.filter((e) => e.event === 'step restored').map((e) => e.stepId)).toEqual([
      'raise-cap',
      'reassign-leads',
    ]);
    // 300 leads, every other one "new", every third one in Texas: 50 selected.
    expect(report.steps[0]!.applied?.summary).toMatch(/^50 of 50 selected/);
    expect(report.steps[0]!.restore).toMatchObject({ restoredCount: 50 });

    expect(await env.db.collection('leads').find().sort({ _id: 1 }).toArray()).toEqual(leadsBefore);
    const point = await new RecoveryPointStore(env.db).get({ changeId, stepId: 'raise-cap' }, 'before-apply');
    expect(await env.db.collection<Document>('partners').findOne({ _id: 'acme' } as Document)).toEqual(
      (point!.state as { document: unknown }).document,
    );
    // The lead batch's recovery point is a summary naming its journal, not the leads themselves.
    const leadPoint = await new RecoveryPointStore(env.db).get({ changeId, stepId: 'reassign-leads' }, 'before-apply');
    expect(leadPoint!.state).toEqual({
      collection: 'leads',
      filter: '{"state":"TX","status":"new"}',
      paths: ['owner', 'routing.partner'],
      selected: 50,
      journal: { collection: 'lead_journal', idPrefix: `${changeId}/reassign-leads/before-apply/` },
    });
  });
});
