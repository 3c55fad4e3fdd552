import { BSON, type Document } from 'mongodb';
import { createMongoDocumentAdapter } from '../../src/activities/targets/mongo-document/adapter';
import { mongoDocumentSpecSchema, type MongoDocumentSpec } from '../../src/domain/targets/mongo-document';
import { RecoveryPointStore } from '../../src/store/recovery-points';
import type { StepKey, TargetAdapter } from '../../src/domain/outcomes';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { sameRestoreAs } from '../helpers/restores';

const partner = {
  name: 'Acme Solar',
  limits: { daily: 200, hourly: 20 },
  states: ['CA', 'TX'],
  active: true,
  since: new Date('2024-01-02T03:04:05Z'),
};

describe('mongo-document target on a real database', () => {
  let env: TestEnv;
  let adapter: TargetAdapter<MongoDocumentSpec>;
  let key: StepKey;
  const partners = () => env.db.collection<Document>('partners');
  const spec = (input: unknown) => mongoDocumentSpecSchema.parse(input);
  const raiseLimit = () =>
    spec({
      collection: 'partners',
      id: 'acme',
      op: 'set',
      fields: { 'limits.daily': 500, 'limits.weekly': 2500, note: 'raised' },
    });

  beforeEach(async () => {
    env = await openTestEnv();
    adapter = createMongoDocumentAdapter(env.db);
    key = { changeId: uniqueId('doc'), stepId: 'raise-limit' };
    await partners().insertOne({ _id: 'acme', ...partner } as Document);
  });

  afterEach(async () => {
    await env.close();
  });

  test('given a set step, when snapshot → apply → verify → restore → verify restore run, then the document is exactly as before', async () => {
    const before = await partners().findOne({ _id: 'acme' } as Document);
    const point = await adapter.snapshot(key, raiseLimit());

    expect(await adapter.apply(key, raiseLimit())).toMatchObject({ status: 'applied' });
    await adapter.verify(key, raiseLimit());
    expect(await partners().findOne({ _id: 'acme' } as Document)).toMatchObject({
      limits: { daily: 500, hourly: 20, weekly: 2500 },
      note: 'raised',
    });

    const preview = await adapter.preview(key, raiseLimit());
    const restored = await adapter.restore(key, raiseLimit());
    await adapter.verifyRestore(key, raiseLimit());

    expect(preview.operations).toEqual(
      expect.arrayContaining([
        { op: 'replace', path: '/limits/daily', value: 200 },
        { op: 'remove', path: '/limits/weekly' },
        { op: 'remove', path: '/note' },
      ]),
    );
    expect(restored).toMatchObject({
      status: 'restored',
      recoveryPointId: point.id,
      preRestorePointId: expect.any(String),
    });
    expect(await partners().findOne({ _id: 'acme' } as Document)).toEqual(before);
    const preRestore = await new RecoveryPointStore(env.db).get(key, 'before-restore');
    expect(preRestore!.state).toMatchObject({ exists: true, document: { note: 'raised' } });
  });

  test('given a restored step, when restore and apply run again, then nothing changes', async () => {
    await adapter.snapshot(key, raiseLimit());
    await adapter.apply(key, raiseLimit());
    expect((await adapter.apply(key, raiseLimit())).status).toBe('already-applied');
    const first = await adapter.restore(key, raiseLimit());
    const restored = await partners().findOne({ _id: 'acme' } as Document);

    expect(await adapter.restore(key, raiseLimit())).toMatchObject(sameRestoreAs(first));
    await adapter.verifyRestore(key, raiseLimit());
    expect(await partners().findOne({ _id: 'acme' } as Document)).toEqual(restored);
  });

  test('given no apply, when restore runs, then it is a no-op reported as not applied', async () => {
    expect((await adapter.restore(key, raiseLimit())).status).toBe('not-applied');
    await adapter.snapshot(key, raiseLimit());
    expect((await adapter.restore(key, raiseLimit())).status).toBe('not-applied');
    expect(await partners().findOne({ _id: 'acme' } as Document)).toMatchObject(partner);
  });

  test('given someone else edits the document after the apply, when restore runs, then the edit is kept and reported field by field', async () => {
    await adapter.snapshot(key, raiseLimit());
    await adapter.apply(key, raiseLimit());
    await partners().updateOne({ _id: 'acme' } as Document, { $set: { 'limits.daily': 900, active: false } });

    const preview = await adapter.preview(key, raiseLimit());
    const outcome = await adapter.restore(key, raiseLimit());

    expect(preview.counts).toEqual({ restore: 0, conflicts: 1 });
    expect(outcome).toMatchObject({
      status: 'conflict',
      conflicts: {
        count: 2,
        sample: [
          { item: 'partners/acme.active', before: true, written: true, now: false },
          {
            item: 'partners/acme.limits',
            before: { daily: 200, hourly: 20 },
            written: { daily: 500, hourly: 20, weekly: 2500 },
            now: { daily: 900, hourly: 20, weekly: 2500 },
          },
        ],
      },
    });
    expect(await partners().findOne({ _id: 'acme' } as Document)).toMatchObject({
      limits: { daily: 900 },
      active: false,
      note: 'raised',
    });
  });

  test('given the document changed between recovery point and apply, when apply runs, then it refuses to overwrite', async () => {
    await adapter.snapshot(key, raiseLimit());
    await partners().updateOne({ _id: 'acme' } as Document, { $set: { name: 'Acme Renamed' } });

    await expect(adapter.apply(key, raiseLimit())).rejects.toMatchObject({ type: 'ConflictError', nonRetryable: true });
    expect(await partners().findOne({ _id: 'acme' } as Document)).toMatchObject({
      name: 'Acme Renamed',
      limits: { daily: 200 },
    });
  });

  test('given a replace of a document that did not exist, when restored, then the created document is deleted', async () => {
    const create = spec({
      collection: 'partners',
      id: 'newco',
      op: 'replace',
      document: { name: 'NewCo', limits: { daily: 10 } },
    });
    const point = await adapter.snapshot(key, create);
    expect(point.summary).toContain('absent');

    await adapter.apply(key, create);
    await adapter.verify(key, create);
    expect(await partners().findOne({ _id: 'newco' } as Document)).toEqual({
      _id: 'newco',
      name: 'NewCo',
      limits: { daily: 10 },
    });

    expect((await adapter.restore(key, create)).summary).toContain('deleted');
    await adapter.verifyRestore(key, create);
    expect(await partners().findOne({ _id: 'newco' } as Document)).toBeNull();
    expect(await partners().countDocuments()).toBe(1);
  });

  test('given an ObjectId document and an unset step, when applied and restored, then the fields come back with their types', async () => {
    const _id = new BSON.ObjectId();
    await partners().insertOne({ _id, ...partner, contact: { email: 'ops@acme.test', phone: '555-0100' } });
    const unset = spec({
      collection: 'partners',
      id: _id.toHexString(),
      idType: 'objectId',
      op: 'unset',
      fields: ['contact.phone', 'since'],
    });
    const before = await partners().findOne({ _id });

    await adapter.snapshot(key, unset);
    await adapter.apply(key, unset);
    await adapter.verify(key, unset);
    expect(await partners().findOne({ _id })).toMatchObject({ contact: { email: 'ops@acme.test' } });
    expect(await partners().findOne({ _id })).not.toHaveProperty('since');

    await adapter.restore(key, unset);
    await adapter.verifyRestore(key, unset);
    const after = await partners().findOne({ _id });
    expect(after).toEqual(before);
    expect(after!.since).toBeInstanceOf(Date);
  });

  test('given a set step on a document that does not exist, when the recovery point is taken, then it fails as target not found', async () => {
    const missing = spec({ collection: 'partners', id: 'ghost', op: 'set', fields: { a: 1 } });
    await expect(adapter.snapshot(key, missing)).rejects.toMatchObject({
      type: 'TargetNotFoundError',
      nonRetryable: true,
    });
  });
});
