import { randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import { SandboxLeases } from '../../src/store/rehearsal-leases';
import { FlowStore } from '../../src/store/flows';
import type { ChangeRequestInput } from '../../src/domain/change-request';
import { ErrorType } from '../../src/domain/errors';
import { startCrmPeer, type CrmPeer } from '../../tools/peers/crm-peer';
import { startWebhookPeer, type WebhookPeer } from '../../tools/peers/webhook-peer';
import type { RehearsalReport } from '../../src/domain/rehearsal';
import { capStep, failingStep, request } from '../helpers/changes';
import { sampleFlowConfig, seedFlows } from '../helpers/flows';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { partnerMap, peerPartner } from '../../tools/peers/partner';
import { REHEARSAL_WORKFLOW_TYPE, rehearsalWorkflowId } from '../../src/domain/rehearsal';
import { failureOf, PEER_PARTNER } from '../helpers/peers';

type StepInput = ChangeRequestInput['steps'][number];

/** Everything production holds for some flows: the live documents and their whole history. */
async function production(db: Db, flowIds: string[]) {
  return {
    flows: await db
      .collection('flows')
      .find({ _id: { $in: flowIds } } as never)
      .sort({ _id: 1 })
      .toArray(),
    versions: await db
      .collection('flow_versions')
      .find({ flowId: { $in: flowIds } })
      .sort({ _id: 1 })
      .toArray(),
  };
}

function webhookStep(id: string, partnerUrl: string, forwardUrl = `${partnerUrl}/hooks/routes?flow=solar`): StepInput {
  return {
    id,
    target: 'webhook',
    spec: {
      partner: PEER_PARTNER,
      forward: { method: 'POST', url: forwardUrl, body: { change: '{{changeId}}' } },
      compensate: { method: 'DELETE', url: `${partnerUrl}/hooks/routes/{{changeId}}` },
    },
  };
}

/** Most leads the first suite's worker copies for one selection. */
const MAX_LEADS = 30;

function crmStep(id: string): StepInput {
  return {
    id,
    target: 'crm',
    spec: {
      action: 'create-property',
      objectType: 'contacts',
      property: {
        name: 'lead_tier',
        label: 'Lead tier',
        type: 'string',
        fieldType: 'text',
        groupName: 'contactinformation',
      },
    },
  };
}

const outcomes = (report: RehearsalReport) => Object.fromEntries(report.steps.map((s) => [s.stepId, s.outcome]));

describe('rehearsal: apply, roll back and compare in the sandbox, production only read', () => {
  let env: TestEnv;
  let sandboxDb: Db;
  const secret = randomBytes(24).toString('hex');
  const peers: { prodCrm?: CrmPeer; sandboxCrm?: CrmPeer; prodHooks?: WebhookPeer; sandboxHooks?: WebhookPeer } = {};
  let flowIds: string[];
  let flows: FlowStore;

  beforeAll(async () => {
    env = await openTestEnv();
    sandboxDb = env.db.client.db(`${env.db.databaseName}_rehearsal`);
    [peers.prodCrm, peers.sandboxCrm, peers.prodHooks, peers.sandboxHooks] = await Promise.all([
      startCrmPeer(),
      startCrmPeer(),
      startWebhookPeer({ secret }),
      startWebhookPeer({ secret }),
    ]);
    await env.startWorker(undefined, {
      crm: { baseUrl: peers.prodCrm.url, token: peers.prodCrm.token, timeoutMs: 2_000 },
      partners: partnerMap(peerPartner(PEER_PARTNER, peers.prodHooks.url, secret)),
      rehearsal: {
        db: sandboxDb,
        crm: { baseUrl: peers.sandboxCrm.url, token: peers.sandboxCrm.token, timeoutMs: 2_000 },
        // The partner's sandbox: the only destination its rehearsed requests may have.
        webhookPartners: partnerMap(peerPartner(PEER_PARTNER, peers.sandboxHooks.url, secret)),
        maxLeads: MAX_LEADS,
      },
    });
  });

  beforeEach(async () => {
    flowIds = [uniqueId('solar'), uniqueId('auto')];
    flows = await seedFlows(env.db, flowIds);
    // Some history, so a restore-to step has something to restore.
    await flows.write(
      flowIds[1]!,
      1,
      { ...sampleFlowConfig(flowIds[1]!), enabled: false },
      { action: 'edit', actor: 'ops@example.com' },
    );
  });

  afterAll(async () => {
    try {
      await sandboxDb?.dropDatabase();
      await env?.close();
    } finally {
      await Promise.all(Object.values(peers).map((peer) => peer?.stop()));
    }
  });

  test('given a change over two flows, a CRM property and a webhook, when rehearsed, then every step restores exactly in the sandbox and production is untouched', async () => {
    const change = request({
      title: 'Raise solar, restore auto, add a CRM property, tell the partner',
      steps: [
        capStep('raise-cap', flowIds[0]!, 35),
        { id: 'restore-auto', target: 'flow-config', spec: { flowId: flowIds[1]!, restoreTo: { version: 1 } } },
        crmStep('add-tier'),
        webhookStep('notify', peers.prodHooks!.url),
      ],
    });
    const before = await production(env.db, flowIds);
    const started = performance.now();

    const report = await env.changes.rehearse(change, { rehearsalId: uniqueId('rehearsal') });
    const ms = performance.now() - started;

    expect(outcomes(report)).toEqual({
      'raise-cap': 'exact',
      'restore-auto': 'exact',
      'add-tier': 'exact',
      notify: 'exact',
    });
    expect(report).toMatchObject({ exact: true, productionUntouched: true });
    expect(report.steps[0]).toMatchObject({
      production: 'untouched',
      sandbox: { documents: 2 },
      applied: { summary: expect.stringContaining('version 1 → 2') },
      restore: { status: 'restored' },
    });
    expect(report.steps[1]!.applied!.summary).toContain('version 2 → 3 restores version 1');
    expect(report.steps[0]!.sandbox!.after).toBe(report.steps[0]!.sandbox!.before);
    expect(report.steps.slice(2).map((s) => s.production)).toEqual(['not-read', 'not-read']);
    // Production: documents and histories equal, no recovery point, no request to the real partners.
    expect(await production(env.db, flowIds)).toEqual(before);
    expect(await env.db.collection('recovery_points').countDocuments({ changeId: report.rehearsalId })).toBe(0);
    expect(await env.db.collection('http_sends').countDocuments({})).toBe(0);
    expect(peers.prodHooks!.requests()).toHaveLength(0);
    expect(peers.prodCrm!.requests()).toHaveLength(0);
    // The sandbox ran the change for real: versions moved on, content came back, the partner saw both calls.
    const sandboxFlow = await new FlowStore(sandboxDb).get(flowIds[0]!);
    expect(sandboxFlow).toMatchObject({
      version: 3,
      config: sampleFlowConfig(flowIds[0]!),
      writtenBy: { action: 'restore', changeId: report.rehearsalId },
    });
    expect(peers.sandboxHooks!.requests().map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /hooks/routes',
      `DELETE /hooks/routes/${report.rehearsalId}`,
    ]);
    expect(await sandboxDb.collection('rehearsal_reports').countDocuments({ _id: report.rehearsalId } as never)).toBe(
      1,
    );
    console.log(`rehearsal of 4 steps (2 flows copied, sandbox CRM and webhook) took ${ms.toFixed(0)} ms end to end`);
  });

  test('given lead-data and mongo-document steps, when rehearsed, then the selected leads and the document are copied, restored exactly in the sandbox, and production is untouched', async () => {
    const tag = uniqueId('batch');
    await env.db.collection('leads').insertMany(
      Array.from({ length: 40 }, (_, i) => ({
        _id: `${tag}-${i}`,
        batch: tag,
        status: i % 2 ? 'new' : 'sold',
        owner: 'pool',
      })) as never,
    );
    await env.db.collection('partners').insertOne({ _id: tag, name: 'Acme Solar', limits: { daily: 200 } } as never);
    const leadsBefore = await env.db.collection('leads').find({ batch: tag }).sort({ _id: 1 }).toArray();
    const partnerBefore = await env.db.collection('partners').findOne({ _id: tag } as never);

    const report = await env.changes.rehearse(
      request({
        steps: [
          {
            id: 'reassign',
            target: 'lead-data',
            spec: { filter: { batch: tag, status: 'new' }, set: { owner: 'acme' } },
          },
          {
            id: 'limit',
            target: 'mongo-document',
            spec: { collection: 'partners', id: tag, op: 'set', fields: { 'limits.daily': 500 } },
          },
        ],
      }),
      { rehearsalId: uniqueId('data') },
    );

    expect(outcomes(report)).toEqual({ reassign: 'exact', limit: 'exact' });
    expect(report).toMatchObject({ exact: true, productionUntouched: true });
    expect(report.steps[0]).toMatchObject({
      production: 'untouched',
      sandbox: { documents: 20 },
      restore: { status: 'restored', restoredCount: 20 },
    });
    expect(report.steps[1]).toMatchObject({
      production: 'untouched',
      sandbox: { documents: 1 },
      restore: { status: 'restored' },
    });
    expect(await env.db.collection('leads').find({ batch: tag }).sort({ _id: 1 }).toArray()).toEqual(leadsBefore);
    expect(await env.db.collection('partners').findOne({ _id: tag } as never)).toEqual(partnerBefore);
    expect(await env.db.collection('lead_journal').countDocuments({})).toBe(0);
    // The sandbox ran it: its copies carry the restored values, its journal the change's entries.
    expect(await sandboxDb.collection('leads').countDocuments({ batch: tag, owner: 'pool' })).toBe(20);
    expect(await sandboxDb.collection('lead_journal').countDocuments({})).toBeGreaterThanOrEqual(20);
  });

  test('given a stored change, when rehearsed by its id, then its request is loaded and rehearsed, and the real flow stays as the change left it', async () => {
    const changeId = uniqueId('stored');
    await env.changes.start(request({ steps: [capStep('raise-cap', flowIds[0]!, 40)] }), { changeId });
    await env.changes.result(changeId);
    const before = await production(env.db, flowIds);

    const report = await env.changes.rehearse(changeId, { rehearsalId: uniqueId('by-id') });

    expect(report).toMatchObject({
      changeId,
      exact: true,
      productionUntouched: true,
      steps: [{ stepId: 'raise-cap', outcome: 'exact' }],
    });
    expect(await production(env.db, flowIds)).toEqual(before);
    expect((await flows.get(flowIds[0]!))!.version).toBe(2);
  });

  test('given a change whose second step fails, when rehearsed, then the failure is named, the first step restores exactly and the third is not reached', async () => {
    const third = uniqueId('home');
    await seedFlows(env.db, [third]);
    const report = await env.changes.rehearse(
      request({
        steps: [
          capStep('raise-cap', flowIds[0]!, 35),
          failingStep('retarget', flowIds[1]!),
          capStep('later', third, 10),
        ],
      }),
      { rehearsalId: uniqueId('fails') },
    );

    expect(report.applyFailed).toMatchObject({ stepId: 'retarget', error: { type: ErrorType.InvalidStep } });
    expect(outcomes(report)).toEqual({ 'raise-cap': 'exact', retarget: 'exact', later: 'not-rehearsed' });
    expect(report.steps[1]!.detail).toMatch(
      /^apply failed in the sandbox \(InvalidStepError: .*\); the sandbox content equals the copy taken before the apply \(3 document\(s\) copied\)$/,
    );
    expect(report.steps[2]!.detail).toContain('step retarget failed in the sandbox first');
    expect(report.productionUntouched).toBe(true);
  });

  test('given a sandbox partner that refuses the compensating call, when rehearsed, then the webhook step differs and the rehearsal is not exact', async () => {
    peers.sandboxHooks!.faults.enqueue({ fault: 'status', status: 409, method: 'DELETE' });

    const report = await env.changes.rehearse(
      request({ steps: [capStep('raise-cap', flowIds[0]!, 35), webhookStep('notify', peers.prodHooks!.url)] }),
      { rehearsalId: uniqueId('differs') },
    );

    expect(outcomes(report)).toEqual({ 'raise-cap': 'exact', notify: 'differs' });
    expect(report.steps[1]!.detail).toMatch(
      /^the restore reported conflict: the partner refused the compensating DELETE .* with HTTP 409/,
    );
    expect(report).toMatchObject({ exact: false, productionUntouched: true });
    expect(peers.prodHooks!.requests()).toHaveLength(0);
  });

  test.each([
    ['the scheme without slashes', (prod: string) => `${prod.replace('http://', 'http:')}/hooks/routes`],
    ['one slash after the scheme', (prod: string) => `${prod.replace('http://', 'http:/')}/hooks/routes`],
    ['a leading space', (prod: string) => ` ${prod}/hooks/routes`],
    ['a backslash after the host', (prod: string) => `${prod}\\hooks\\routes`],
    ['a tab inside the scheme', (prod: string) => `ht\ttp://${prod.slice('http://'.length)}/hooks/routes`],
  ])(
    'given a webhook URL with %s, started past the client (straight on Temporal), when rehearsed, then the rehearsal is refused before anything is copied or sent, and neither partner sees a request',
    async (_, form) => {
      const rehearsalId = uniqueId('form');
      const step = webhookStep('notify', peers.prodHooks!.url, form(peers.prodHooks!.url));
      const before = { prod: peers.prodHooks!.requests().length, sandbox: peers.sandboxHooks!.requests().length };

      await env.client.workflow.start(REHEARSAL_WORKFLOW_TYPE, {
        workflowId: rehearsalWorkflowId(rehearsalId),
        taskQueue: env.taskQueue,
        args: [{ rehearsalId, request: request({ steps: [capStep('raise-cap', flowIds[0]!, 35), step] }) }],
      });

      await expect(env.changes.rehearsalResult(rehearsalId)).rejects.toThrow(
        /rehearsal refused: step notify its forward URL .* (must start with an origin|must not contain whitespace)/,
      );
      expect({ prod: peers.prodHooks!.requests().length, sandbox: peers.sandboxHooks!.requests().length }).toEqual(
        before,
      );
      expect(await sandboxDb.collection('recovery_points').countDocuments({ changeId: rehearsalId })).toBe(0);
      expect(await sandboxDb.collection('flows').countDocuments({ _id: flowIds[0] } as never)).toBe(0);
    },
  );

  test('given a lead selection larger than the cap, when rehearsed, then the rehearsal is refused naming the step and the count, before anything is copied', async () => {
    const tag = uniqueId('many');
    await env.db
      .collection('leads')
      .insertMany(
        Array.from({ length: MAX_LEADS + 5 }, (_, i) => ({ _id: `${tag}-${i}`, batch: tag, owner: 'pool' })) as never,
      );
    const rehearsalId = uniqueId('capped');

    const refused = env.changes.rehearse(
      request({
        steps: [
          capStep('raise-cap', flowIds[0]!, 35),
          { id: 'reassign', target: 'lead-data', spec: { filter: { batch: tag }, set: { owner: 'acme' } } },
        ],
      }),
      { rehearsalId },
    );

    await expect(refused).rejects.toThrow(
      `rehearsal refused: step reassign selects ${MAX_LEADS + 5} documents in leads, more than a rehearsal copies (${MAX_LEADS}, REHEARSAL_MAX_LEADS)`,
    );
    expect(await sandboxDb.collection('leads').countDocuments({ batch: tag })).toBe(0);
    expect(await sandboxDb.collection('flows').countDocuments({ _id: flowIds[0] } as never)).toBe(0);
  });

  test('given one rehearsal holding a flow, when another takes the same flow, then it is refused naming the holder until the lease is released or expired', async () => {
    const leases = new SandboxLeases(sandboxDb);
    const key = `flows {"_id":"${flowIds[0]}"}`;
    await leases.acquire(key, 'rehearsal-a', 60_000);
    await leases.acquire(key, 'rehearsal-a', 60_000);

    const refused = await failureOf(leases.acquire(key, 'rehearsal-b', 60_000));
    expect(refused).toMatchObject({
      type: ErrorType.Conflict,
      nonRetryable: true,
      message: expect.stringContaining('being rehearsed by rehearsal rehearsal-a'),
    });
    const viaWorkflow = await env.changes.startRehearsal(
      { request: request({ steps: [capStep('raise-cap', flowIds[0]!, 35)] }) },
      { rehearsalId: uniqueId('held') },
    );
    await expect(env.changes.rehearsalResult(viaWorkflow.rehearsalId)).rejects.toThrow(
      /being rehearsed by rehearsal rehearsal-a/,
    );
    expect(await leases.releaseAll('rehearsal-a')).toBe(1);
    await leases.acquire(key, 'rehearsal-c', -1);
    await leases.acquire(key, 'rehearsal-d', 60_000);
    await leases.releaseAll('rehearsal-d');
  });
});

describe('rehearsal without sandbox CRM or webhook origin', () => {
  let env: TestEnv;
  let sandboxDb: Db;
  let prodCrm: CrmPeer;
  let prodHooks: WebhookPeer;
  const secret = randomBytes(24).toString('hex');

  beforeAll(async () => {
    env = await openTestEnv();
    sandboxDb = env.db.client.db(`${env.db.databaseName}_rehearsal`);
    [prodCrm, prodHooks] = await Promise.all([startCrmPeer(), startWebhookPeer({ secret })]);
    await env.startWorker(undefined, {
      crm: { baseUrl: prodCrm.url, token: prodCrm.token, timeoutMs: 2_000 },
      partners: partnerMap(peerPartner(PEER_PARTNER, prodHooks.url, secret)),
      rehearsal: { db: sandboxDb },
    });
  });

  afterAll(async () => {
    try {
      await sandboxDb?.dropDatabase();
      await env?.close();
    } finally {
      await Promise.all([prodCrm?.stop(), prodHooks?.stop()]);
    }
  });

  test('given CRM and webhook steps, when rehearsed, then they are reported not rehearsed with what to configure, and nothing reaches the real partners', async () => {
    const flowId = uniqueId('solar');
    await seedFlows(env.db, [flowId]);

    const report = await env.changes.rehearse(
      request({ steps: [crmStep('add-tier'), capStep('raise-cap', flowId, 35), webhookStep('notify', prodHooks.url)] }),
      { rehearsalId: uniqueId('partial') },
    );

    expect(outcomes(report)).toEqual({ 'add-tier': 'not-rehearsed', 'raise-cap': 'exact', notify: 'not-rehearsed' });
    expect(report.steps[0]!.detail).toContain('REHEARSAL_CRM_BASE_URL');
    expect(report.steps[2]!.detail).toContain('REHEARSAL_WEBHOOK_PARTNERS');
    expect(report).toMatchObject({ exact: true, productionUntouched: true });
    expect(prodCrm.requests()).toHaveLength(0);
    expect(prodHooks.requests()).toHaveLength(0);
  });
});
