import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { BSON, type Filter } from 'mongodb';
import { createLeadDataAdapter } from '../../src/activities/targets/lead-data/adapter';
import { LeadJournal, type LeadConflictDoc, type LeadJournalDoc } from '../../src/store/lead-journal';
import { encodeLeadId } from '../../src/store/leads';
import { leadDataSpecSchema, type LeadDataSpec } from '../../src/domain/targets/lead-data';
import type { ApplyOutcome, StepKey, TargetAdapter } from '../../src/domain/outcomes';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { seedLeads } from '../helpers/leads';
import { sameRestoreAs } from '../helpers/restores';

// Small batches in small chunks, so every path crosses chunk boundaries.
const LEADS = 40;
const CHUNK = 7;

const reassign: LeadDataSpec = leadDataSpecSchema.parse({
  filter: { status: 'new', score: { lt: 90 } },
  set: { owner: 'partner-east', status: 'assigned', 'routing.tier': 'gold' },
  unset: ['score'],
});

describe('lead-data target on a real database', () => {
  let env: TestEnv;
  let adapter: TargetAdapter<LeadDataSpec>;
  let key: StepKey;
  let original: Map<string, unknown>;
  const leads = () => env.db.collection<{ _id: string } & Record<string, unknown>>('leads');
  const all = async () => new Map((await leads().find().toArray()).map((lead) => [lead._id, lead as unknown]));
  const selected = () =>
    [...original.entries()].filter(([, lead]) => (lead as { status: string }).status === 'new').map(([id]) => id);

  beforeEach(async () => {
    env = await openTestEnv();
    adapter = createLeadDataAdapter(env.db, { chunkSize: CHUNK });
    key = { changeId: uniqueId('leads'), stepId: 'reassign' };
    await seedLeads(env.db, LEADS);
    original = await all();
  });

  afterEach(async () => {
    await env.close();
  });

  test('given a batch, when snapshot → apply → verify → restore → verify restore run, then every lead is exactly as before', async () => {
    const point = await adapter.snapshot(key, reassign);
    expect(point.summary).toMatch(/^20 lead\(s\) of leads selected/);

    const applied = await adapter.apply(key, reassign);
    await adapter.verify(key, reassign);

    expect(applied.status).toBe('applied');
    const changed = await all();
    for (const id of selected())
      expect(changed.get(id)).toMatchObject({ owner: 'partner-east', status: 'assigned', routing: { tier: 'gold' } });
    for (const id of selected()) expect(changed.get(id)).not.toHaveProperty('score');
    const entry = await env.db
      .collection<LeadJournalDoc>('lead_journal')
      .findOne({ _id: LeadJournal.entryId(key, 'before-apply', 'lead-0000000') });
    expect(entry).toMatchObject({
      paths: ['owner', 'status', 'routing.tier', 'score'],
      before: [
        { exists: true, value: 'pool' },
        { exists: true, value: 'new' },
        { exists: false },
        { exists: true, value: 0 },
      ],
    });

    const restored = await adapter.restore(key, reassign);
    await adapter.verifyRestore(key, reassign);

    expect(restored).toMatchObject({
      status: 'restored',
      restoredCount: 20,
      recoveryPointId: point.id,
      preRestorePointId: expect.any(String),
    });
    expect(await all()).toEqual(original);
    expect(
      await env.db
        .collection<LeadJournalDoc>('lead_journal')
        .countDocuments(LeadJournal.scope(key, 'before-restore') as Filter<LeadJournalDoc>),
    ).toBe(20);
  });

  test('given a restored batch, when restore runs again (a retry after the attempt that restored it died), then it writes nothing and reports the same leads restored', async () => {
    await adapter.snapshot(key, reassign);
    await adapter.apply(key, reassign);
    const first = await adapter.restore(key, reassign);

    const again = await adapter.restore(key, reassign);

    expect(first).toMatchObject({ status: 'restored', restoredCount: 20 });
    expect(again).toMatchObject({
      ...sameRestoreAs(first),
      restoredCount: 20,
    });
    await adapter.verifyRestore(key, reassign);
    expect(await all()).toEqual(original);
  });

  test('given no apply, when restore runs, then it is a no-op reported as not applied', async () => {
    expect((await adapter.restore(key, reassign)).status).toBe('not-applied');
    await adapter.snapshot(key, reassign);
    expect((await adapter.restore(key, reassign)).status).toBe('not-applied');
    await adapter.verifyRestore(key, reassign);
    expect(await all()).toEqual(original);
  });

  test('given an applied batch, when apply runs again, then nothing is re-journaled or rewritten', async () => {
    await adapter.snapshot(key, reassign);
    await adapter.apply(key, reassign);
    const journal = await env.db.collection('lead_journal').find().toArray();

    const again = await adapter.apply(key, reassign);

    expect(again.status).toBe('already-applied');
    expect(await env.db.collection('lead_journal').find().toArray()).toEqual(journal);
    await adapter.restore(key, reassign);
    expect(await all()).toEqual(original);
  });

  test('given edits by someone else after the apply, when restore runs, then those leads are kept and reported three-way, the rest restored', async () => {
    await adapter.snapshot(key, reassign);
    await adapter.apply(key, reassign);
    const [edited, deleted, ...untouched] = selected();
    await leads().updateOne({ _id: edited! }, { $set: { owner: 'manual-override' } });
    await leads().deleteOne({ _id: deleted! });

    const preview = await adapter.preview(key, reassign);
    const restored = await adapter.restore(key, reassign);

    expect(preview.counts).toEqual({ restore: 18, conflicts: 2, unchanged: 0 });
    expect(restored).toMatchObject({
      status: 'partial',
      restoredCount: 18,
      conflicts: { count: 2, ref: expect.stringContaining('lead_conflicts') },
    });
    if (restored.status !== 'partial') throw new Error('expected a partial restore');
    expect(restored.conflicts.sample).toEqual(
      expect.arrayContaining([
        {
          item: `leads/${edited}`,
          before: { owner: 'pool', status: 'new', score: 0 },
          written: { owner: 'partner-east', status: 'assigned', routing: { tier: 'gold' } },
          now: { owner: 'manual-override', status: 'assigned', routing: { tier: 'gold' } },
        },
        expect.objectContaining({ item: `leads/${deleted}`, now: null }),
      ]),
    );
    const now = await all();
    expect(now.get(edited!)).toMatchObject({ owner: 'manual-override', status: 'assigned' });
    expect(now.has(deleted!)).toBe(false);
    for (const id of untouched) expect(now.get(id)).toEqual(original.get(id));
    const conflicts = await env.db
      .collection<LeadConflictDoc>('lead_conflicts')
      .find({ changeId: key.changeId })
      .toArray();
    expect(conflicts.map((c) => c.leadKey).sort()).toEqual([edited, deleted].sort());
  });

  test('given some lead ids, when restore is narrowed to them, then only those leads are restored and a later full restore does the rest', async () => {
    await adapter.snapshot(key, reassign);
    await adapter.apply(key, reassign);
    const subset = selected().slice(3, 8);

    const partial = await adapter.restore(key, reassign, { itemIds: subset });

    expect(partial).toMatchObject({ status: 'restored', restoredCount: 5 });
    const now = await all();
    for (const id of selected()) {
      if (subset.includes(id)) expect(now.get(id)).toEqual(original.get(id));
      else expect(now.get(id)).toMatchObject({ owner: 'partner-east' });
    }
    await adapter.verifyRestore(key, reassign);

    // The step's restore as a whole: 15 written now, 5 by the narrowed restore, each counted once.
    expect(await adapter.restore(key, reassign)).toMatchObject({
      status: 'restored',
      restoredCount: 20,
      summary: expect.stringContaining('20 lead(s) of leads restored (5 by an earlier attempt of this restore)'),
    });
    expect(await all()).toEqual(original);
  });

  test('given heartbeat details from an attempt that died, when apply is retried, then it resumes after the last reported lead', async () => {
    await adapter.snapshot(key, reassign);
    const done = selected().slice(0, 10);
    const resumeFrom = { lastId: encodeLeadId(done[done.length - 1]), scanned: 10, written: 10 };
    const activityEnv = new MockActivityEnvironment(
      { heartbeatDetails: resumeFrom },
      { logger: new DefaultLogger('WARN') },
    );
    const beats: unknown[] = [];
    activityEnv.on('heartbeat', (details: unknown) => beats.push(details));

    const outcome = (await activityEnv.run(() => adapter.apply(key, reassign))) as ApplyOutcome;

    expect(outcome.summary).toMatch(/^20 of 20 selected/);
    expect(beats.length).toBe(Math.ceil(10 / CHUNK));
    const now = await all();
    for (const id of done) expect(now.get(id)).toEqual(original.get(id));
    for (const id of selected().slice(10)) expect(now.get(id)).toMatchObject({ owner: 'partner-east' });
  });

  test('given leads with ObjectId ids, when a subset is restored by hex id, then those leads get their values back', async () => {
    const ids = [new BSON.ObjectId(), new BSON.ObjectId(), new BSON.ObjectId()];
    const coll = env.db.collection('crm_leads');
    await coll.insertMany(ids.map((_id, i) => ({ _id, status: 'new', owner: `o${i}` })));
    const spec = leadDataSpecSchema.parse({ collection: 'crm_leads', filter: { status: 'new' }, set: { owner: 'x' } });
    await adapter.snapshot(key, spec);
    await adapter.apply(key, spec);

    const outcome = await adapter.restore(key, spec, { itemIds: [ids[1]!.toHexString()] });

    expect(outcome).toMatchObject({ status: 'restored', restoredCount: 1 });
    expect((await coll.find({}, { sort: { _id: 1 } }).toArray()).map((d) => d.owner)).toEqual(['x', 'o1', 'x']);
  });
});
