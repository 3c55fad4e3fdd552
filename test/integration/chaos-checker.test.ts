import { FlowStore } from '../../src/store/flows';
import { checkCampaign, targetLocksCollection, type CheckResult, type LockSource } from '../../tools/chaos/checker';
import { seedAndBuild, WEBHOOK_PARTNER } from '../../tools/chaos/fixtures';
import { partnerMap, peerPartner } from '../../tools/peers/partner';
import type { Manifest } from '../../tools/chaos/manifest';
import type { PlannedChange } from '../../tools/chaos/plan';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { startPeers, type Peers } from '../helpers/peers';

/**
 * The checker is what makes a campaign's "0 inconsistencies" mean something, so it is shown to
 * catch each kind of breakage: two real changes run clean, then one fault of each kind is planted
 * in the targets, the peers, the database and Temporal, and each is reported.
 */
describe('crash campaign checker: clean changes pass, each planted inconsistency is reported', () => {
  let env: TestEnv;
  let peers: Peers;
  let manifest: Manifest;
  const runId = uniqueId('chk').replace(/-/g, '');

  beforeAll(async () => {
    env = await openTestEnv();
    peers = await startPeers();
    await env.startWorker(undefined, {
      crm: peers.deps.crm,
      partners: partnerMap(peerPartner(WEBHOOK_PARTNER, peers.webhook.url, peers.secret)),
    });
    const plan: PlannedChange[] = [
      {
        index: 0,
        changeId: `${runId}-000`,
        scenario: 'complete',
        steps: [
          { id: 's1-flow', kind: 'flow' },
          { id: 's2-webhook', kind: 'webhook' },
          { id: 's3-crm-record', kind: 'crm-record' },
          { id: 's4-crm-property', kind: 'crm-property' },
          { id: 's5-lead-data', kind: 'lead-data' },
          { id: 's6-mongo-document', kind: 'mongo-document' },
        ],
      },
      {
        index: 1,
        changeId: `${runId}-001`,
        scenario: 'fail',
        steps: [
          { id: 's1-webhook', kind: 'webhook' },
          { id: 's2-crm-record', kind: 'crm-record' },
          { id: 's3-lead-data', kind: 'lead-data' },
          { id: 's4-mongo-document', kind: 'mongo-document' },
          { id: 's5-fails', kind: 'flow', fails: 'flow-test-op' },
        ],
      },
    ];
    const changes = await seedAndBuild(plan, { db: env.db, crm: peers.crm, webhookUrl: peers.webhook.url, runId });
    manifest = {
      runId,
      taskQueue: env.taskQueue,
      namespace: 'default',
      mongoDb: env.db.databaseName,
      crmUrl: peers.crm.url,
      webhookUrl: peers.webhook.url,
      changes,
    };
    for (const change of changes) await env.changes.start(change.request, { changeId: change.changeId });
    for (const change of changes) await env.changes.result(change.changeId);
  });

  afterAll(async () => {
    await env?.close();
    await peers?.stop();
  });

  const check = (
    overrides: Partial<Manifest> = {},
    lockSources: LockSource[] = [targetLocksCollection],
  ): Promise<CheckResult> =>
    checkCampaign({ manifest: { ...manifest, ...overrides }, client: env.client, db: env.db, lockSources });

  test('given one change completed and one rolled back, when checked, then there is no inconsistency and every target was judged', async () => {
    const result = await check();
    expect(result.inconsistencies).toEqual([]);
    expect(result.outcomes).toEqual({ [`${runId}-000`]: 'completed', [`${runId}-001`]: 'rolled-back' });
    expect(result.notes).toMatchObject({ targetsChecked: 11, maxEffectsPerKey: 1, locksHeld: 0 });
  });

  test('given a change the manifest says must roll back, when Temporal says it completed, then the outcome is reported', async () => {
    const changes = manifest.changes.map((c, i) => (i === 0 ? { ...c, expected: 'rolled-back' as const } : c));
    const result = await check({ changes });
    expect(result.inconsistencies).toContainEqual(
      expect.objectContaining({ check: 'outcome', changeId: `${runId}-000` }),
    );
  });

  test('given a change that was never started, when checked, then it is reported not terminal', async () => {
    const ghost = { ...manifest.changes[1]!, changeId: `${runId}-999` };
    const result = await check({ changes: [...manifest.changes, ghost] });
    expect(result.inconsistencies).toContainEqual(
      expect.objectContaining({
        check: 'terminal',
        changeId: ghost.changeId,
        detail: expect.stringMatching(/never started/),
      }),
    );
  });

  test('given the flow of a completed change written again by someone else, when checked, then the target is reported', async () => {
    const target = manifest.changes[0]!.targets.find((t) => t.kind === 'flow')!;
    const store = new FlowStore(env.db);
    const flow = (await store.get((target as { flowId: string }).flowId))!;
    await store.write(
      flow._id,
      flow.version,
      { ...flow.config, enabled: false },
      { action: 'edit', actor: 'someone-else' },
    );
    const result = await check();
    expect(result.inconsistencies).toContainEqual(
      expect.objectContaining({ check: 'target', changeId: `${runId}-000`, stepId: 's1-flow' }),
    );
  });

  test('given a CRM write that took effect twice under one idempotency key, when checked, then at-most-once is reported', async () => {
    const record = peers.crm.state.createRecord('contacts', { chaos_tier: 'bronze' });
    for (const tier of ['silver', 'gold']) {
      const response = await fetch(`${peers.crm.url}/crm/v3/objects/contacts/${record.id}`, {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${peers.crm.token}`,
          'content-type': 'application/json',
          'idempotency-key': `${runId}-000/s3-crm-record/forward-replayed`,
        },
        body: JSON.stringify({ properties: { chaos_tier: tier } }),
      });
      expect(response.status).toBe(200);
    }
    const result = await check();
    expect(result.inconsistencies).toContainEqual(
      expect.objectContaining({ check: 'at-most-once', detail: expect.stringMatching(/2 effects/) }),
    );
  });

  test('given a recovery point of no known change, when checked, then it is reported orphaned', async () => {
    await env.db.collection('recovery_points').insertOne({
      _id: `${runId}-777/s1/before-apply`,
      changeId: `${runId}-777`,
      stepId: 's1',
      purpose: 'before-apply',
    } as never);
    const result = await check();
    expect(result.inconsistencies).toContainEqual(
      expect.objectContaining({ check: 'recovery-point', changeId: `${runId}-777` }),
    );
  });

  test('given a workflow on the task queue that is not in the manifest, when checked, then it is reported as a stray', async () => {
    const stray = await env.changes.start(manifest.changes[1]!.request, { changeId: `${runId}-stray` });
    await env.changes.result(stray.changeId);
    const result = await check();
    expect(result.inconsistencies).toContainEqual(
      expect.objectContaining({ check: 'stray-workflow', detail: expect.stringContaining(stray.workflowId) }),
    );
  });

  test('given a target lock left in target_locks by a finished change, when checked, then the lock is reported orphaned', async () => {
    await env.db
      .collection<{ _id: string; holder: string; acquiredAt: Date }>('target_locks')
      .insertOne({ _id: 'flow-config:some-flow', holder: `${runId}-000`, acquiredAt: new Date() });
    const result = await check();
    expect(result.notes.locksHeld).toBe(1);
    expect(result.inconsistencies).toContainEqual(
      expect.objectContaining({
        check: 'lock',
        changeId: `${runId}-000`,
        detail: expect.stringMatching(/target_locks: flow-config:some-flow .* completed/),
      }),
    );
  });

  test('given a lead of a rolled-back batch and a document of a completed change edited behind their backs, when checked, then both targets are reported', async () => {
    const leads = manifest.changes[1]!.targets.find((t) => t.kind === 'lead-data') as {
      collection: string;
      batch: string;
    };
    await env.db
      .collection<{ _id: string }>(leads.collection)
      .updateOne({ _id: `${leads.batch}-2` }, { $set: { status: 'qualified' } });
    const doc = manifest.changes[0]!.targets.find((t) => t.kind === 'mongo-document') as {
      collection: string;
      id: string;
    };
    await env.db.collection<{ _id: string }>(doc.collection).updateOne({ _id: doc.id }, { $set: { retries: 3 } });
    const result = await check();
    expect(result.inconsistencies).toContainEqual(
      expect.objectContaining({ check: 'target', changeId: `${runId}-001`, stepId: 's3-lead-data' }),
    );
    expect(result.inconsistencies).toContainEqual(
      expect.objectContaining({ check: 'target', changeId: `${runId}-000`, stepId: 's6-mongo-document' }),
    );
  });
});
