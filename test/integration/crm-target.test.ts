import { idempotencyKey, SendJournal } from '../../src/store/send-journal';
import { RecoveryPointStore } from '../../src/store/recovery-points';
import type { CrmSpec } from '../../src/domain/targets/crm';
import { createAdapterRegistry } from '../../src/activities/targets/registry';
import type { StepKey, TargetAdapter } from '../../src/domain/outcomes';
import { ErrorType } from '../../src/domain/errors';
import type { PeerProperty } from '../../tools/peers/crm-peer';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { failureOf, startPeers, type Peers } from '../helpers/peers';
import { sameRestoreAs } from '../helpers/restores';

const tier = {
  name: 'lead_tier',
  label: 'Lead tier',
  type: 'enumeration' as const,
  fieldType: 'select' as const,
  groupName: 'contactinformation',
  options: [
    { label: 'Gold', value: 'gold' },
    { label: 'Silver', value: 'silver' },
  ],
};

/** A property definition without its timestamps: what "restored exactly" compares. */
function definition(property: PeerProperty | undefined): Omit<PeerProperty, 'updatedAt' | 'createdAt'> | undefined {
  if (!property) return undefined;
  const { updatedAt: _u, createdAt: _c, ...rest } = property;
  return rest;
}

describe('crm target against the HubSpot-compatible CRM peer', () => {
  let env: TestEnv;
  let peers: Peers;
  let crm: TargetAdapter<CrmSpec>;
  let points: RecoveryPointStore;
  let key: StepKey;

  beforeEach(async () => {
    env = await openTestEnv();
    peers = await startPeers();
    crm = createAdapterRegistry({ db: env.db, ...peers.deps }).crm;
    points = new RecoveryPointStore(env.db);
    key = { changeId: uniqueId('chg'), stepId: 'crm-step' };
  });

  afterEach(async () => {
    await peers.stop();
    await env.close();
  });

  const requestsFor = (phase: 'forward' | 'compensate') => peers.crm.requests({ key: idempotencyKey(key, phase) });

  describe('update-record', () => {
    let recordId: string;
    let spec: CrmSpec;

    beforeEach(() => {
      recordId = peers.crm.state.createRecord('contacts', { firstname: 'Ada', lifecyclestage: 'subscriber' }).id;
      spec = {
        action: 'update-record',
        objectType: 'contacts',
        recordId,
        properties: { lifecyclestage: 'lead', hs_lead_status: 'NEW' },
      };
    });

    const values = () =>
      peers.crm.state.record('contacts', recordId, ['firstname', 'lifecyclestage', 'hs_lead_status'])!.properties;

    test('given a record, when snapshot → apply → verify → restore run, then the record equals its recovery point exactly', async () => {
      const ref = await crm.snapshot(key, spec);
      expect(await crm.apply(key, spec)).toMatchObject({ status: 'applied' });
      await crm.verify(key, spec);
      expect(values()).toMatchObject({ lifecyclestage: 'lead', hs_lead_status: 'NEW' });

      const outcome = await crm.restore(key, spec);
      await crm.verifyRestore(key, spec);

      expect(outcome).toMatchObject({ status: 'restored', recoveryPointId: ref.id, restoredCount: 2 });
      const point = await points.get(key, 'before-apply');
      expect(point!.state).toEqual({ values: { lifecyclestage: 'subscriber', hs_lead_status: null } });
      expect(values()).toMatchObject({ firstname: 'Ada', lifecyclestage: 'subscriber', hs_lead_status: null });
      // The state it overwrote is itself a recovery point, so the rollback can be undone.
      expect((await points.get(key, 'before-restore'))!.state).toEqual({
        values: { lifecyclestage: 'lead', hs_lead_status: 'NEW' },
      });
    });

    test('given a write whose every attempt failed before anything left the worker (journaled not-sent), when restored, then it is not-applied and nothing is sent', async () => {
      await crm.snapshot(key, spec);
      const journal = new SendJournal(env.db);
      await journal.intent(key, 'forward', {
        target: 'crm',
        fingerprint: 'x',
        request: { method: 'PATCH', url: `${peers.crm.url}/crm/v3/objects/contacts/${recordId}` },
      });
      await journal.failed(key, 'forward', 'not-sent', { error: 'connection failed (ECONNREFUSED)' });

      expect(await crm.restore(key, spec)).toMatchObject({ status: 'not-applied' });
      expect(requestsFor('compensate')).toHaveLength(0);
      expect(await journal.get(key, 'compensate')).toBeNull();
    });

    test('given a restored record, when restore runs again, then it is a no-op and the CRM saw the compensating write once', async () => {
      await crm.snapshot(key, spec);
      await crm.apply(key, spec);
      const first = await crm.restore(key, spec);

      expect(await crm.restore(key, spec)).toMatchObject(sameRestoreAs(first));
      expect(requestsFor('compensate')).toHaveLength(1);
      expect(values()).toMatchObject({ lifecyclestage: 'subscriber', hs_lead_status: null });
    });

    test('given a step that was never applied, when restored, then it is a no-op and no write reaches the CRM', async () => {
      await crm.snapshot(key, spec);

      expect(await crm.restore(key, spec)).toMatchObject({ status: 'not-applied' });
      await crm.verifyRestore(key, spec);
      expect(peers.crm.requests().filter((r) => r.method !== 'GET')).toEqual([]);
    });

    test('given someone else edits one written property after apply, when restored, then that edit is kept and reported three-way, the other restored', async () => {
      await crm.snapshot(key, spec);
      await crm.apply(key, spec);
      // Someone else, through the CRM's API.
      const edit = await fetch(`${peers.crm.url}/crm/v3/objects/contacts/${recordId}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${peers.crm.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { hs_lead_status: 'OPEN' } }),
      });
      expect(edit.status).toBe(200);

      const outcome = await crm.restore(key, spec);

      expect(outcome).toMatchObject({
        status: 'partial',
        restoredCount: 1,
        conflicts: {
          count: 1,
          sample: [{ item: `contacts/${recordId}.hs_lead_status`, before: null, written: 'NEW', now: 'OPEN' }],
        },
      });
      expect(values()).toMatchObject({ lifecyclestage: 'subscriber', hs_lead_status: 'OPEN' });

      // Asked again (a person chose "retry"), it reports the same conflict and writes nothing more.
      expect(await crm.restore(key, spec)).toMatchObject({
        status: 'partial',
        restoredCount: 1,
        conflicts: { count: 1 },
      });
      expect(requestsFor('compensate')).toHaveLength(1);
    });

    test('given a conflict resolved by hand back to the written value, when restore is retried, then the rest is restored then', async () => {
      await crm.snapshot(key, spec);
      await crm.apply(key, spec);
      peers.crm.state.updateRecord('contacts', recordId, { lifecyclestage: 'customer', hs_lead_status: 'OPEN' });
      expect(await crm.restore(key, spec)).toMatchObject({ status: 'conflict' });

      peers.crm.state.updateRecord('contacts', recordId, { lifecyclestage: 'lead', hs_lead_status: 'NEW' });

      expect(await crm.restore(key, spec)).toMatchObject({ status: 'restored', restoredCount: 2 });
      await crm.verifyRestore(key, spec);
      expect(values()).toMatchObject({ lifecyclestage: 'subscriber', hs_lead_status: null });
    });

    test('given every written property edited by someone else, when restored, then it is a conflict and nothing is written', async () => {
      await crm.snapshot(key, spec);
      await crm.apply(key, spec);
      peers.crm.state.updateRecord('contacts', recordId, { lifecyclestage: 'customer', hs_lead_status: 'OPEN' });

      expect(await crm.restore(key, spec)).toMatchObject({ status: 'conflict', conflicts: { count: 2 } });
      expect(requestsFor('compensate')).toHaveLength(0);
      expect(values()).toMatchObject({ lifecyclestage: 'customer', hs_lead_status: 'OPEN' });
    });

    test('given an applied step, when apply runs again, then it is already applied and written once', async () => {
      await crm.snapshot(key, spec);
      await crm.apply(key, spec);

      expect(await crm.apply(key, spec)).toMatchObject({ status: 'already-applied' });
      expect(requestsFor('forward')).toHaveLength(1);
    });

    test('given the record changed between recovery point and apply, when applied, then it is a permanent conflict and restore is a no-op', async () => {
      await crm.snapshot(key, spec);
      peers.crm.state.updateRecord('contacts', recordId, { lifecyclestage: 'customer' });

      const failure = await failureOf(crm.apply(key, spec));

      expect(failure).toMatchObject({ type: ErrorType.Conflict, nonRetryable: true });
      expect(await crm.restore(key, spec)).toMatchObject({ status: 'not-applied' });
      expect(values().lifecyclestage).toBe('customer');
    });

    test('given the CRM drops the connection after writing, when apply is retried, then the write is found in place and took effect once', async () => {
      await crm.snapshot(key, spec);
      peers.crm.faults.enqueue({ fault: 'drop', method: 'PATCH' });

      const failure = await failureOf(crm.apply(key, spec));
      expect(failure).toMatchObject({ type: ErrorType.PartnerUnavailable, nonRetryable: false });

      expect(await crm.apply(key, spec)).toMatchObject({ status: 'already-applied' });
      expect(peers.crm.stats().keys[idempotencyKey(key, 'forward')]).toEqual({ received: 1, processed: 1, effects: 1 });
      expect(await crm.restore(key, spec)).toMatchObject({ status: 'restored' });
    });

    test('given a 500 and then a 429 with Retry-After, when applied, then both are retryable (the 429 with its delay) and the next attempt succeeds', async () => {
      await crm.snapshot(key, spec);
      peers.crm.faults.enqueue(
        { fault: 'error', status: 500, method: 'PATCH' },
        { fault: 'rate-limit', retryAfter: '3', method: 'PATCH' },
      );

      expect(await failureOf(crm.apply(key, spec))).toMatchObject({
        type: ErrorType.PartnerUnavailable,
        nonRetryable: false,
      });
      expect(await failureOf(crm.apply(key, spec))).toMatchObject({
        type: ErrorType.PartnerRateLimited,
        nonRetryable: false,
        nextRetryDelay: 3000,
      });
      expect(await crm.apply(key, spec)).toMatchObject({ status: 'applied' });
      expect(requestsFor('forward').map((r) => r.status)).toEqual([500, 429, 200]);
      expect((await new SendJournal(env.db).get(key, 'forward'))!).toMatchObject({ state: 'delivered', attempts: 3 });
    });

    test('given a property the CRM does not have, when applied, then the 400 fails fast as a permanent PartnerRejectedError', async () => {
      const bad: CrmSpec = { ...spec, properties: { no_such_property: 'x' } } as CrmSpec;
      await crm.snapshot(key, bad);

      const failure = await failureOf(crm.apply(key, bad));

      expect(failure).toMatchObject({ type: ErrorType.PartnerRejected, nonRetryable: true });
      expect(failure.message).toMatch(/HTTP 400.*no_such_property/);
      expect(requestsFor('forward')).toHaveLength(1);
      expect(await crm.restore(key, bad)).toMatchObject({ status: 'not-applied' });
    });

    test('given a record that does not exist, when its recovery point is taken, then the 404 fails fast as a permanent TargetNotFoundError', async () => {
      const failure = await failureOf(crm.snapshot(key, { ...spec, recordId: '999999' } as CrmSpec));
      expect(failure).toMatchObject({ type: ErrorType.TargetNotFound, nonRetryable: true });
    });

    test('given a wrong token, when the CRM is read, then it fails as a permanent PartnerUnauthorizedError', async () => {
      const wrong = createAdapterRegistry({ db: env.db, crm: { baseUrl: peers.crm.url, token: 'wrong' } }).crm;
      expect(await failureOf(wrong.snapshot(key, spec))).toMatchObject({
        type: ErrorType.PartnerUnauthorized,
        nonRetryable: true,
      });
    });

    test('given a worker without CRM configuration, when a crm step runs, then it fails as WorkerMisconfiguredError', async () => {
      const unconfigured = createAdapterRegistry({ db: env.db }).crm;
      const failure = await failureOf(unconfigured.snapshot(key, spec));
      expect(failure).toMatchObject({ type: ErrorType.WorkerMisconfigured, nonRetryable: true });
      expect(failure.message).toMatch(/CRM_BASE_URL and CRM_TOKEN/);
    });

    test('given an applied step, when previewed, then the operations put the recovery point values back', async () => {
      await crm.snapshot(key, spec);
      await crm.apply(key, spec);

      const preview = await crm.preview(key, spec);

      expect(preview.operations).toEqual([
        { op: 'replace', path: `/contacts/${recordId}/properties/lifecyclestage`, value: 'subscriber' },
        { op: 'replace', path: `/contacts/${recordId}/properties/hs_lead_status`, value: null },
      ]);
      expect(values().lifecyclestage).toBe('lead');
    });

    test('given a written property edited by someone else, when previewed, then it shows that conflict with its three values and writes nothing', async () => {
      await crm.snapshot(key, spec);
      await crm.apply(key, spec);
      peers.crm.state.updateRecord('contacts', recordId, { hs_lead_status: 'OPEN' });

      const preview = await crm.preview(key, spec);

      expect(preview.counts).toEqual({ restore: 1, conflicts: 1, unchanged: 0 });
      expect(preview.conflicts).toEqual([
        { item: `contacts/${recordId}.hs_lead_status`, before: null, written: 'NEW', now: 'OPEN' },
      ]);
      expect(preview.summary).toMatch(/1 conflicting item\(s\) would be left as is/);
      expect(values()).toMatchObject({ lifecyclestage: 'lead', hs_lead_status: 'OPEN' });
      expect(requestsFor('compensate')).toHaveLength(0);
    });
  });

  describe('create-property', () => {
    const spec: CrmSpec = { action: 'create-property', objectType: 'contacts', property: tier };

    test('given an absent property, when created and restored, then it is absent again and both verifications pass', async () => {
      const ref = await crm.snapshot(key, spec);
      expect(ref.summary).toMatch(/absent/);
      await crm.apply(key, spec);
      await crm.verify(key, spec);
      expect(peers.crm.state.property('contacts', 'lead_tier')).toMatchObject({
        label: 'Lead tier',
        options: [{ value: 'gold' }, { value: 'silver' }],
      });

      const first = await crm.restore(key, spec);
      expect(first).toMatchObject({ status: 'restored' });
      await crm.verifyRestore(key, spec);
      expect(peers.crm.state.property('contacts', 'lead_tier')).toBeUndefined();

      expect(await crm.restore(key, spec)).toMatchObject(sameRestoreAs(first));
      expect(requestsFor('compensate').map((r) => r.method)).toEqual(['DELETE']);
    });

    test('given the create got through but its answer was lost, when applied again, then 409 with our definition counts as already applied', async () => {
      await crm.snapshot(key, spec);
      await crm.apply(key, spec);
      // As if the worker died after sending and before journaling the answer.
      await new SendJournal(env.db).collection.updateOne(
        { _id: idempotencyKey(key, 'forward') },
        { $set: { state: 'intent' } },
      );

      expect(await crm.apply(key, spec)).toMatchObject({ status: 'already-applied' });
      expect(peers.crm.stats().keys[idempotencyKey(key, 'forward')]!.effects).toBe(1);
    });

    test('given a read that misses the property our lost create made, when applied again, then the 409 with our definition counts as already applied', async () => {
      await crm.snapshot(key, spec);
      await crm.apply(key, spec);
      await new SendJournal(env.db).collection.updateOne(
        { _id: idempotencyKey(key, 'forward') },
        { $set: { state: 'intent' } },
      );
      // A stale read (e.g. a replica behind) says the property is not there yet.
      peers.crm.faults.enqueue({
        fault: 'status',
        status: 404,
        method: 'GET',
        path: '/crm/v3/properties/contacts/lead_tier',
      });

      expect(await crm.apply(key, spec)).toMatchObject({ status: 'already-applied' });
      expect(requestsFor('forward').map((r) => [r.method, r.status])).toEqual([
        ['POST', 201],
        ['POST', 409],
      ]);
      expect(peers.crm.stats().keys[idempotencyKey(key, 'forward')]!.effects).toBe(1);
      expect((await new SendJournal(env.db).get(key, 'forward'))!.state).toBe('delivered');
    });

    test('given someone edits the new property after apply, when restored, then it is a conflict and their property is kept', async () => {
      await crm.snapshot(key, spec);
      await crm.apply(key, spec);
      peers.crm.state.updateProperty('contacts', 'lead_tier', { label: 'Tier (sales)' });

      const outcome = await crm.restore(key, spec);

      expect(outcome).toMatchObject({
        status: 'conflict',
        conflicts: { count: 1, sample: [{ item: 'contacts.lead_tier', before: null }] },
      });
      expect(peers.crm.state.property('contacts', 'lead_tier')?.label).toBe('Tier (sales)');
      expect(requestsFor('compensate')).toHaveLength(0);
    });

    test('given the property already exists, when the recovery point is taken, then the step is refused before anything is written', async () => {
      peers.crm.state.createProperty('contacts', tier);
      expect(await failureOf(crm.snapshot(key, spec))).toMatchObject({ type: ErrorType.Conflict, nonRetryable: true });
    });
  });

  describe('update-property', () => {
    const spec: CrmSpec = {
      action: 'update-property',
      objectType: 'contacts',
      name: 'lead_tier',
      property: { label: 'Lead tier (2025)', options: [...tier.options, { label: 'Bronze', value: 'bronze' }] },
    };

    beforeEach(() => {
      peers.crm.state.createProperty('contacts', { ...tier, description: 'How valuable the lead is' });
    });

    test('given a property, when changed and restored, then its definition equals the recovery point exactly', async () => {
      const before = definition(peers.crm.state.property('contacts', 'lead_tier'));
      await crm.snapshot(key, spec);
      await crm.apply(key, spec);
      await crm.verify(key, spec);
      expect(peers.crm.state.property('contacts', 'lead_tier')?.options.map((o) => o.value)).toEqual([
        'gold',
        'silver',
        'bronze',
      ]);

      expect(await crm.restore(key, spec)).toMatchObject({ status: 'restored' });
      await crm.verifyRestore(key, spec);

      expect(definition(peers.crm.state.property('contacts', 'lead_tier'))).toEqual(before);
      expect((await points.get(key, 'before-apply'))!.state).toMatchObject({
        exists: true,
        property: { label: 'Lead tier', description: 'How valuable the lead is' },
      });
    });

    test('given someone edits a field this step did not write, when restored, then our fields go back and their edit stays', async () => {
      await crm.snapshot(key, spec);
      await crm.apply(key, spec);
      peers.crm.state.updateProperty('contacts', 'lead_tier', { description: 'Edited by sales' });

      expect(await crm.restore(key, spec)).toMatchObject({ status: 'restored' });
      expect(peers.crm.state.property('contacts', 'lead_tier')).toMatchObject({
        label: 'Lead tier',
        description: 'Edited by sales',
      });
    });

    test('given someone edits a field this step wrote, when restored, then it is a conflict and the property is left as they made it', async () => {
      await crm.snapshot(key, spec);
      await crm.apply(key, spec);
      peers.crm.state.updateProperty('contacts', 'lead_tier', { label: 'Tier (sales)' });

      const outcome = await crm.restore(key, spec);

      expect(outcome).toMatchObject({
        status: 'conflict',
        conflicts: { count: 1, sample: [{ item: 'contacts.lead_tier', now: { label: 'Tier (sales)' } }] },
      });
      expect(peers.crm.state.property('contacts', 'lead_tier')?.label).toBe('Tier (sales)');
    });
  });

  describe('delete-property', () => {
    const spec: CrmSpec = { action: 'delete-property', objectType: 'contacts', name: 'lead_tier' };

    test('given a property with record values, when deleted and restored, then it is re-created from its recovery point and the values show again', async () => {
      peers.crm.state.createProperty('contacts', { ...tier, description: 'How valuable the lead is', displayOrder: 3 });
      const record = peers.crm.state.createRecord('contacts', { lead_tier: 'gold' });
      const before = definition(peers.crm.state.property('contacts', 'lead_tier'));

      await crm.snapshot(key, spec);
      await crm.apply(key, spec);
      await crm.verify(key, spec);
      expect(peers.crm.state.property('contacts', 'lead_tier')).toBeUndefined();

      const first = await crm.restore(key, spec);
      expect(first).toMatchObject({ status: 'restored' });
      await crm.verifyRestore(key, spec);

      expect(definition(peers.crm.state.property('contacts', 'lead_tier'))).toEqual(before);
      expect(peers.crm.state.record('contacts', record.id, ['lead_tier'])!.properties.lead_tier).toBe('gold');
      expect(await crm.restore(key, spec)).toMatchObject(sameRestoreAs(first));
      expect(requestsFor('compensate')).toHaveLength(1);
    });

    test('given someone re-creates the property differently after our delete, when restored, then it is a conflict and theirs is kept', async () => {
      peers.crm.state.createProperty('contacts', tier);
      await crm.snapshot(key, spec);
      await crm.apply(key, spec);
      peers.crm.state.createProperty('contacts', {
        ...tier,
        label: 'Their tier',
        options: [{ label: 'A', value: 'a' }],
      });

      expect(await crm.restore(key, spec)).toMatchObject({ status: 'conflict' });
      expect(peers.crm.state.property('contacts', 'lead_tier')?.label).toBe('Their tier');
    });

    test('given a HubSpot-defined property, when deleted, then the CRM refuses and the step fails fast as PartnerRejectedError', async () => {
      const builtIn: CrmSpec = { action: 'delete-property', objectType: 'contacts', name: 'email' };
      await crm.snapshot(key, builtIn);
      expect(await failureOf(crm.apply(key, builtIn))).toMatchObject({
        type: ErrorType.PartnerRejected,
        nonRetryable: true,
      });
      expect(await crm.restore(key, builtIn)).toMatchObject({ status: 'not-applied' });
    });
  });
});
