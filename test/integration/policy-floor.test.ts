import { leadEventsCollection, type LeadEvent } from '../../src/store/lead-events';
import { changeRequestsCollection } from '../../src/store/change-requests';
import type { FlowStore } from '../../src/store/flows';
import type { Identity } from '../../src/auth/identity';
import { NotAllowedError } from '../../src/client/errors';
import { policyFloorGuard } from '../../src/client/floor-guard';
import { changeRequestSchema, type ChangeRequestInput } from '../../src/domain/change-request';
import { ErrorType } from '../../src/domain/errors';
import { policyFloorSchema, type LoadedFloor } from '../../src/domain/policy-floor';
import { changeWorkflowId } from '../../src/workflows/definitions';
import type { ChangeReport } from '../../src/domain/status';
import { call, startApi, type RunningApi } from '../helpers/api-server';
import { capStep, failingStep, request, waitForPhase, waitForQuestion } from '../helpers/changes';
import { cliEnv, runCli } from '../helpers/cli';
import { seedFlows } from '../helpers/flows';
import { eventually, openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

/**
 * The operator's policy floor end to end: requests tightened at the API, the floor's group and
 * break-glass admins deciding, the requester never accepting their own change's risk (in any
 * spelling), and the worker refusing what reaches it weaker than its floor — nothing applied.
 */

const FLOOR_JSON = {
  name: 'floor-test',
  approval: { risks: ['medium', 'high'], targets: ['webhook'], leadData: { maxLeads: 5 } },
  deciders: { groups: ['change-board'], deadline: '1h' },
  breakGlass: { groups: ['admin'] },
};
const FLOOR: LoadedFloor = { floor: policyFloorSchema.parse(FLOOR_JSON), source: 'POLICY_FLOOR' };

const identities: Record<string, Identity> = {
  /** The requester, also an approver in the floor's group: the worst case for segregation of duties. */
  'ana-token-000000001': { actor: 'ana@example.com', roles: ['requester', 'approver'], groups: ['change-board'] },
  /** The same person under another spelling. */
  'ana-caps-token-0002': { actor: 'Ana@Example.com', roles: ['approver'], groups: ['change-board'] },
  'bob-token-000000003': { actor: 'bob@example.com', roles: ['approver'], groups: ['change-board'] },
  /** An admin token whose entry lists no group: the admin role still breaks glass. */
  'root-token-00000004': { actor: 'root@example.com', roles: ['admin'], groups: [] },
  'eve-token-000000005': { actor: 'eve@example.com', roles: ['approver'], groups: ['marketing'] },
};
const [ANA, ANA_CAPS, BOB, ROOT, EVE] = Object.keys(identities) as [string, string, string, string, string];

describe('policy floor: requests only tighten it, the requester never accepts their own risk, the worker checks it again', () => {
  let env: TestEnv;
  let api: RunningApi;
  let flows: FlowStore;
  let ids: string[];

  // One env per test, so `npm run histories:record` names each stored history after its test.
  beforeEach(async () => {
    env = await openTestEnv({ guard: (db) => policyFloorGuard(FLOOR, { db }) });
    await env.startWorker(undefined, { policyFloor: FLOOR });
    api = await startApi(env, { tokens: identities, guard: policyFloorGuard(FLOOR, { db: env.db }) });
    ids = [uniqueId('floor-a'), uniqueId('floor-b')];
    flows = await seedFlows(env.db, ids);
  });
  afterEach(async () => {
    await api?.close();
    await env?.close();
  });

  const startViaApi = async (token: string, body: ChangeRequestInput) => {
    const answer = await call(api, 'POST', '/v1/changes', { token, body });
    expect(answer.status).toBe(201);
    return answer.body.changeId as string;
  };
  const decideViaApi = (token: string, changeId: string, decision: string, comment?: string) =>
    call(api, 'POST', `/v1/changes/${changeId}/decisions`, {
      token,
      body: { decision, ...(comment ? { comment } : {}) },
    });
  const asAna = (overrides: Partial<ChangeRequestInput> & Pick<ChangeRequestInput, 'steps'>) =>
    request({ requestedBy: 'ana@example.com', ...overrides });

  test('given a risk-medium change that says "approval: none" and names no deciders, when started through the API, then approval is asked of the floor\'s group, the requester in any spelling is refused, a board member approves, and status, report and CLI name the floor', async () => {
    const changeId = await startViaApi(
      ANA,
      asAna({ risk: 'medium', steps: [capStep('raise', ids[0]!, 40)], policy: { approval: 'none' } }),
    );

    const question = await waitForQuestion(env.changes, changeId, { kind: 'approval' });
    expect(question.mayDecide).toEqual([
      { level: 'operator-floor', actors: ['ana@example.com'], groups: ['change-board'] },
      { level: 'break-glass', actors: [], groups: ['admin'] },
    ]);
    const status = await env.changes.status(changeId);
    expect(status.floor).toEqual({
      name: 'floor-test',
      source: 'POLICY_FLOOR',
      rules: [
        'approval required: risk medium (approval.risks)',
        expect.stringContaining('change-board'),
        expect.stringContaining('break-glass: group admin'),
      ],
      breakGlassGroups: ['admin'],
    });
    expect((await flows.get(ids[0]!))!.version).toBe(1);

    const own = await decideViaApi(ANA, changeId, 'approve');
    const otherSpelling = await decideViaApi(ANA_CAPS, changeId, 'approve');
    expect([own.status, otherSpelling.status]).toEqual([403, 403]);
    expect(own.body.detail).toContain('ana@example.com requested this change and cannot approve it');
    expect(otherSpelling.body.detail).toContain('Ana@Example.com requested this change and cannot approve it');
    // Past the client's own check, straight to the workflow's update validator.
    await expect(
      env.changes.decide(changeId, { decision: 'approve', actor: 'ANA@example.COM', groups: ['change-board'] }),
    ).rejects.toThrow(NotAllowedError);
    const outsider = await decideViaApi(EVE, changeId, 'approve');
    expect(outsider.status).toBe(403);
    expect((await env.changes.status(changeId)).decisions).toEqual([]);

    const approved = await decideViaApi(BOB, changeId, 'approve');
    expect(approved.body).toMatchObject({ status: 'accepted' });
    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('completed');
    expect((await flows.get(ids[0]!))!.version).toBe(2);

    const text = await call(api, 'GET', `/v1/changes/${changeId}/report?format=text`, { token: BOB });
    expect(text.body).toContain('floor: floor-test (POLICY_FLOOR)');
    expect(text.body).toContain('- approval required: risk medium (approval.risks)');
    const markdown = await call(api, 'GET', `/v1/changes/${changeId}/report?format=markdown`, { token: BOB });
    expect(markdown.body).toContain('## Policy floor');
    const cli = await runCli(['status', changeId], { ...cliEnv(env), POLICY_FLOOR: JSON.stringify(FLOOR_JSON) });
    expect(cli.stdout).toContain('floor: floor-test (POLICY_FLOOR)');
  });

  test('given the requester decides at the failure of their own change, when they skip, then it is refused; when they roll back and a restore meets a conflict, marking it resolved by hand is refused too, and a board member does it', async () => {
    const changeId = await startViaApi(
      ANA,
      asAna({
        steps: [capStep('one', ids[0]!, 30), failingStep('two', ids[1]!)],
        policy: {
          onStepFailure: 'ask',
          escalation: { levels: [{ name: 'team', deciders: { actors: ['ana@example.com'] }, deadline: '1h' }] },
        },
      }),
    );
    await waitForQuestion(env.changes, changeId, { kind: 'step-failure' });

    const skip = await decideViaApi(ANA, changeId, 'skip');
    expect(skip.status).toBe(403);
    expect(skip.body.detail).toContain('ana@example.com requested this change and cannot skip its failed step');
    const refused = env.changes.decide(changeId, { decision: 'skip', actor: 'Ana@Example.com' });
    await expect(refused).rejects.toThrow(NotAllowedError);
    await expect(refused).rejects.toThrow(/cannot skip its failed step/);

    const current = (await flows.get(ids[0]!))!;
    await flows.write(
      ids[0]!,
      current.version,
      { ...current.config, enabled: false },
      { action: 'edit', actor: 'teammate@example.com' },
    );
    const rollback = await decideViaApi(ANA, changeId, 'rollback');
    expect(rollback.body).toMatchObject({ status: 'accepted' });
    await waitForQuestion(env.changes, changeId, { kind: 'compensation' });

    const resolved = await decideViaApi(ANA, changeId, 'resolved-manually', 'kept the edit');
    expect(resolved.status).toBe(403);
    expect(resolved.body.detail).toContain('cannot mark its compensation resolved by hand');
    await expect(
      env.changes.decide(changeId, {
        decision: 'resolved-manually',
        actor: 'ana@example.com',
        comment: 'kept the edit',
      }),
    ).rejects.toThrow(/cannot mark its compensation resolved by hand/);
    expect((await decideViaApi(BOB, changeId, 'resolved-manually', 'kept the teammate edit')).body).toMatchObject({
      status: 'accepted',
    });

    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('rolled-back');
    expect(report.steps[0]).toMatchObject({ state: 'conflict', resolvedManually: { actor: 'bob@example.com' } });
    expect(report.decisions.map((d) => [d.decision, d.actor])).toEqual([
      ['rollback', 'ana@example.com'],
      ['resolved-manually', 'bob@example.com'],
    ]);
  });

  test("given a trigger fires on the requester's change and the policy asks, when the requester accepts, then it is refused; a board member accepts and the change completes", async () => {
    const changeId = await startViaApi(
      ANA,
      asAna({
        steps: [capStep('raise', ids[0]!, 45)],
        policy: {
          observe: {
            bakeTime: '2m',
            interval: '2s',
            onTrigger: 'ask',
            triggers: [
              {
                name: 'acceptance-floor',
                metric: { source: 'lead-events', name: 'acceptance-rate' },
                comparison: { kind: 'below', threshold: 0.5 },
                minSamples: 5,
              },
            ],
          },
          escalation: { levels: [{ name: 'team', deciders: { actors: ['ana@example.com'] }, deadline: '1h' }] },
        },
      }),
    );
    await waitForPhase(env.changes, changeId, 'observing');
    const traffic = setInterval(() => void rejectedLeads(ids[0]!, 10).catch(() => undefined), 300);
    try {
      await waitForQuestion(env.changes, changeId, { kind: 'trigger' });
    } finally {
      clearInterval(traffic);
    }

    const accept = await decideViaApi(ANA, changeId, 'accept');
    expect(accept.status).toBe(403);
    expect(accept.body.detail).toContain('cannot accept its fired trigger');
    await expect(env.changes.decide(changeId, { decision: 'accept', actor: 'ANA@example.com' })).rejects.toThrow(
      /cannot accept its fired trigger/,
    );
    expect((await decideViaApi(BOB, changeId, 'accept')).body).toMatchObject({ status: 'accepted' });
    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('completed');
    expect(report.decisions).toEqual([
      expect.objectContaining({ kind: 'trigger', decision: 'accept', actor: 'bob@example.com' }),
    ]);
  });

  test('given a change whose policy names nobody of theirs, when a break-glass admin approves and later rolls it back, then both are accepted and the flow is restored', async () => {
    const changeId = await startViaApi(
      ANA,
      asAna({
        risk: 'medium',
        steps: [capStep('one', ids[0]!, 31), failingStep('two', ids[1]!)],
        policy: {
          onStepFailure: 'hold',
          escalation: { levels: [{ name: 'leads', deciders: { actors: ['lead@example.com'] }, deadline: '1h' }] },
        },
      }),
    );
    await waitForQuestion(env.changes, changeId, { kind: 'approval' });
    await expect(
      env.changes.decide(changeId, { decision: 'approve', actor: 'root@example.com', groups: ['sre'] }),
    ).rejects.toThrow(/may not decide/);
    expect((await decideViaApi(ROOT, changeId, 'approve')).body).toMatchObject({ status: 'accepted' });
    await waitForPhase(env.changes, changeId, 'held');
    expect(
      (
        await call(api, 'POST', `/v1/changes/${changeId}/rollback`, {
          token: EVE,
          body: { reason: 'not mine', category: 'errors' },
        })
      ).status,
    ).toBe(403);

    const rollback = await call(api, 'POST', `/v1/changes/${changeId}/rollback`, {
      token: ROOT,
      body: { reason: 'stuck on hold overnight', category: 'errors' },
    });

    expect(rollback.body).toMatchObject({ status: 'accepted' });
    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('rolled-back');
    expect(report.decisions).toEqual([expect.objectContaining({ decision: 'approve', actor: 'root@example.com' })]);
    expect(report.rollbackRequest).toMatchObject({ actor: 'root@example.com' });
    expect((await flows.get(ids[0]!))!.config.pricing).toEqual({ cap: 20, currency: 'USD' });
  });

  test('given a weakened request started on Temporal directly (bypassing API and client), when the worker checks its floor, then the change ends rejected with the cause named and nothing applied or stored', async () => {
    const changeId = uniqueId('direct');
    const weakened = changeRequestSchema.parse(
      asAna({ risk: 'medium', steps: [capStep('raise', ids[0]!, 50)], policy: { approval: 'none' } }),
    );

    const report = await startDirectly(changeId, weakened);

    expect(report.phase).toBe('rejected');
    expect(report.cause).toMatchObject({ type: 'PolicyFloorViolated' });
    expect(report.cause!.message).toContain('policy.approval: must be "required"');
    expect(report.cause!.message).toContain(
      "policy.escalation: must include the operator's decider group change-board",
    );
    expect(report.floor).toMatchObject({ name: 'floor-test', source: 'POLICY_FLOOR' });
    expect(report.steps).toEqual([expect.objectContaining({ id: 'raise', state: 'pending' })]);
    expect((await flows.get(ids[0]!))!.version).toBe(1);
    expect(await env.db.collection('recovery_points').countDocuments({ changeId })).toBe(0);
    expect(await changeRequestsCollection(env.db).countDocuments({ _id: changeId })).toBe(0);
  });

  test("given a lead batch over the floor's size without approval, when started directly, then the worker rejects it; through the API it is made to await approval; and leads that arrive after the check are refused when applied: no lead is ever written", async () => {
    const batch = uniqueId('batch');
    await insertLeads(batch, 8);
    const leadStep = {
      id: 'requalify',
      target: 'lead-data',
      spec: { filter: { batch }, set: { status: 'qualified' } },
    } as const;
    const board = { levels: [{ name: 'board', deciders: { groups: ['change-board'] }, deadline: '1h' }] };

    const direct = await startDirectly(
      uniqueId('direct-leads'),
      changeRequestSchema.parse(asAna({ steps: [leadStep], policy: { escalation: board } })),
    );
    expect(direct.phase).toBe('rejected');
    expect(direct.cause!.message).toContain('step requalify selects more than 5 lead(s)');

    const viaApi = await startViaApi(ANA, asAna({ steps: [leadStep], policy: { approval: 'none' } }));
    await waitForQuestion(env.changes, viaApi, { kind: 'approval' });
    expect((await env.changes.status(viaApi)).floor!.rules).toContain(
      'approval required: step requalify selects more than 5 lead(s) (approval.leadData.maxLeads)',
    );
    await env.changes.requestRollback(viaApi, { actor: 'ana@example.com', reason: 'test done', category: 'errors' });
    expect((await env.changes.result(viaApi)).phase).toBe('rolled-back');

    // Three leads at the check, thirteen by the time the step applies.
    const growing = uniqueId('growing');
    await insertLeads(growing, 3);
    const changeId = await startViaApi(
      ANA,
      asAna({
        steps: [failingStep('first', ids[0]!), { ...leadStep, spec: { ...leadStep.spec, filter: { batch: growing } } }],
        policy: { onStepFailure: 'ask', escalation: board },
      }),
    );
    await waitForQuestion(env.changes, changeId, { kind: 'step-failure' });
    expect((await env.changes.status(changeId)).phase).toBe('awaiting-decision');
    await insertLeads(growing, 10, 3);
    await env.changes.decide(changeId, { decision: 'skip', actor: 'bob@example.com', groups: ['change-board'] });
    const refused = await eventually(async () => {
      const status = await env.changes.status(changeId);
      return status.steps[1]!.error && status.pendingDecisions.length > 0 ? status.steps[1]! : undefined;
    });
    expect(refused.error).toMatchObject({
      type: ErrorType.PolicyFloor,
      message: expect.stringContaining('selects 13 lead(s), more than the 5'),
    });
    await env.changes.decide(changeId, { decision: 'rollback', actor: 'bob@example.com', groups: ['change-board'] });
    expect((await env.changes.result(changeId)).phase).toBe('rolled-back');

    expect(await env.db.collection('leads').countDocuments({ status: 'qualified' })).toBe(0);
    expect(await env.db.collection('lead_journal').countDocuments({})).toBe(0);
  });

  async function startDirectly(
    changeId: string,
    weakened: ReturnType<typeof changeRequestSchema.parse>,
  ): Promise<ChangeReport> {
    const handle = await env.client.workflow.start('changeWorkflow', {
      workflowId: changeWorkflowId(changeId),
      taskQueue: env.taskQueue,
      args: [{ changeId, request: weakened }],
    });
    return (await handle.result()) as ChangeReport;
  }

  async function insertLeads(batch: string, count: number, from = 0): Promise<void> {
    await env.db
      .collection('leads')
      .insertMany(
        Array.from({ length: count }, (_, i) => ({ _id: `${batch}-${from + i}`, batch, status: 'new' })) as never[],
      );
  }

  async function rejectedLeads(flowId: string, n: number): Promise<void> {
    const events: LeadEvent[] = Array.from({ length: n }, () => ({
      flowId,
      at: new Date(),
      outcome: 'rejected',
      price: 0,
    }));
    await leadEventsCollection(env.db).insertMany(events);
  }
});
