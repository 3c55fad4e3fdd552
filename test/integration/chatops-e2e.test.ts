import { decodeDecisionAction } from '../../src/slack/action-value';
import type { Identity } from '../../src/auth/identity';
import { verifyPartnerRequest } from '../../src/http/signature';
import { peerPartner } from '../../tools/peers/partner';
import { notificationsCollection } from '../../src/store/notifications';
import { workflowUiUrl } from '../../src/config/index';
import type { ChangeStatus } from '../../src/domain/status';
import { call, startApi, UI, type RunningApi } from '../helpers/api-server';
import { approvalChange, failingAskChange } from '../helpers/change-requests';
import { cliEnv, runCli } from '../helpers/cli';
import { seedFlows } from '../helpers/flows';
import { eventually, openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { startReceiver, type HttpReceiver, type ReceivedRequest } from '../helpers/http-receiver';
import { blockActionsPayload, slackPost } from '../helpers/slack';

const SIGNING_SECRET = 'slack-signing-secret-for-tests';
const WEBHOOK_SECRET = 'audit-webhook-secret-0123456789';
const REQUESTER_TOKEN = 'requester-token-e2e-0001';

const people: Record<string, Identity> = {
  U0ONCALL: { actor: 'oncall@example.com', roles: ['approver'], groups: ['oncall'] },
  U0REQ: { actor: 'requester@example.com', roles: ['requester', 'approver'], groups: ['approvers'] },
  U0VIEW: { actor: 'viewer@example.com', roles: ['requester'], groups: [] },
  U0APP1: { actor: 'approver1@example.com', roles: ['approver'], groups: ['approvers'] },
  U0APP2: { actor: 'approver2@example.com', roles: ['approver'], groups: ['approvers'] },
};

interface SlackButton {
  action_id: string;
  value: string;
  text: { text: string };
}

function buttonsOf(message: ReceivedRequest): SlackButton[] {
  const body = JSON.parse(message.body) as { blocks: { type: string; elements?: SlackButton[] }[] };
  return body.blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
}

describe('end to end: HTTP API → failing step → Slack message with buttons → signed interaction → rollback → report (API and CLI)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let slack: HttpReceiver;

  beforeAll(async () => {
    env = await openTestEnv();
    slack = await startReceiver();
    await env.startWorker(undefined, {
      notifications: {
        slackWebhooks: new Map([['#ops', `${slack.url}/services/T000/B000/ops`]]),
        webhooks: new Map([
          ['audit', { url: `${slack.url}/audit`, partner: peerPartner('audit', slack.url, WEBHOOK_SECRET) }],
        ]),
        workflowUrl: (id) => workflowUiUrl(UI, id),
      },
    });
    api = await startApi(env, {
      tokens: { [REQUESTER_TOKEN]: people.U0REQ! },
      slack: { signingSecret: SIGNING_SECRET, users: people, responseUrlOrigins: [slack.url] },
    });
  });

  afterAll(async () => {
    await api?.close();
    await env?.close();
    await slack?.close();
  });

  const interactions = () => `${api.url}/slack/interactions`;
  const commands = () => `${api.url}/slack/commands`;
  const snapshot = async (changeId: string) => {
    const { phase, decisions, timeline, pendingDecisions }: ChangeStatus = await env.changes.status(changeId);
    return { phase, decisions, timeline: timeline.length, pending: pendingDecisions.map((q) => q.id) };
  };

  test('given a step failure asking on-call, when on-call clicks rollback in Slack, then forged, stale, replayed and unauthorized clicks change nothing and the change is rolled back and reported', async () => {
    const flows = [uniqueId('solar'), uniqueId('auto')] as [string, string];
    const store = await seedFlows(env.db, flows);
    const request = failingAskChange(flows, 'requester@example.com', { actors: ['oncall@example.com'] }, [
      'slack:#ops',
      'webhook:audit',
    ]);
    const started = await call(api, 'POST', '/v1/changes', {
      token: REQUESTER_TOKEN,
      body: request,
      headers: { 'idempotency-key': uniqueId('e2e') },
    });
    expect(started.status).toBe(201);
    const { changeId } = started.body as { changeId: string };

    // The decision message arrives at the Slack webhook, with one button per answer.
    const message = await slack.waitFor(
      (r) => r.path === '/services/T000/B000/ops' && r.body.includes(changeId) && r.body.includes('"actions"'),
    );
    const buttons = buttonsOf(message);
    expect(buttons.map((b) => b.text.text)).toEqual(['retry', 'skip', 'rollback', 'hold']);
    expect(message.body).toContain(workflowUiUrl(UI, `change-${changeId}`));
    expect(JSON.parse(message.body).text).toMatch(/Decision needed/);
    const rollbackButton = buttons.find((b) => b.text.text === 'rollback')!;
    const action = decodeDecisionAction(rollbackButton.value)!;
    expect(action).toMatchObject({ changeId, decision: 'rollback' });
    // The same notification also went to the signed generic webhook.
    const audit = await slack.waitFor(
      (r) => r.path === '/audit' && r.body.includes('"decision-needed"') && r.body.includes(changeId),
    );
    const signed = {
      method: 'POST',
      url: `${slack.url}${audit.path}`,
      idempotencyKey: audit.headers['idempotency-key'] as string,
      body: audit.body,
      signature: audit.headers['x-lead-rollback-signature'] as string,
    };
    expect(verifyPartnerRequest(WEBHOOK_SECRET, signed)).toBe('valid');
    expect(verifyPartnerRequest('some-other-secret-000000', signed)).toBe('mismatch');

    const before = await snapshot(changeId);
    expect(before).toMatchObject({ phase: 'awaiting-decision', decisions: [], pending: [action.questionId] });
    const click = (user: string) =>
      blockActionsPayload(
        user,
        { action_id: rollbackButton.action_id, value: rollbackButton.value },
        `${slack.url}/response/${user}`,
      );

    const forged = await slackPost(interactions(), click('U0ONCALL'), { secret: 'not-the-signing-secret' });
    const stale = await slackPost(interactions(), click('U0ONCALL'), {
      secret: SIGNING_SECRET,
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    const unsigned = await slackPost(interactions(), click('U0ONCALL'), { secret: SIGNING_SECRET, signature: '' });
    const unmapped = await slackPost(interactions(), click('U0NOBODY'), { secret: SIGNING_SECRET });
    const noRole = await slackPost(interactions(), click('U0VIEW'), { secret: SIGNING_SECRET });
    const notDecider = await slackPost(interactions(), click('U0REQ'), { secret: SIGNING_SECRET });

    expect([forged.status, stale.status, unsigned.status]).toEqual([401, 401, 401]);
    expect(JSON.stringify(stale.body)).toMatch(/5-minute window/);
    expect([unmapped.body?.outcome, noRole.body?.outcome, notDecider.body?.outcome]).toEqual([
      'not-allowed',
      'not-allowed',
      'not-allowed',
    ]);
    expect(notDecider.body?.text).toMatch(/may not decide/);
    expect(await snapshot(changeId)).toEqual(before);

    const clickedAt = performance.now();
    const accepted = await slackPost(interactions(), click('U0ONCALL'), { secret: SIGNING_SECRET });
    const answerMs = performance.now() - clickedAt;
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ outcome: 'accepted', replace_original: true });
    console.log(`signed button click → real decision outcome in ${answerMs.toFixed(0)} ms (Slack allows 3000 ms)`);
    const posted = await slack.waitFor((r) => r.path === '/response/U0ONCALL');
    expect(JSON.parse(posted.body)).toMatchObject({
      replace_original: true,
      text: expect.stringMatching(/oncall@example.com chose \*rollback\*/),
    });

    // The exact same signed request again is a replay: refused, and nothing more is decided.
    const replay = await slackPost(
      interactions(),
      {},
      {
        secret: SIGNING_SECRET,
        rawBody: accepted.rawBody,
        timestamp: accepted.timestamp,
        signature: accepted.signature,
      },
    );
    expect(replay.status).toBe(401);
    expect(JSON.stringify(replay.body)).toMatch(/replay/);

    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('rolled-back');
    expect(report.decisions).toEqual([expect.objectContaining({ actor: 'oncall@example.com', decision: 'rollback' })]);
    expect(report.steps.map((s) => [s.id, s.state])).toEqual([
      ['reroute', 'restored'],
      ['retarget', 'failed'],
    ]);
    expect((await store.get(flows[0]))!.config).toMatchObject({
      steps: expect.arrayContaining([expect.objectContaining({ recipient: 'crm-east' })]),
    });
    await slack.waitFor(
      (r) => r.path === '/services/T000/B000/ops' && r.body.includes(changeId) && r.body.includes('Rollback finished'),
    );
    const outbox = await notificationsCollection(env.db).find({ changeId }).toArray();
    expect(outbox.length).toBeGreaterThanOrEqual(4);
    expect(outbox.every((n) => (n.sent ?? []).length === 2)).toBe(true);

    const viaApi = await call(api, 'GET', `/v1/changes/${changeId}/report`, { token: REQUESTER_TOKEN });
    expect(viaApi.body).toMatchObject({ changeId, phase: 'rolled-back', cause: { stepId: 'retarget' } });
    const viaCli = await runCli(['report', changeId, '--json'], cliEnv(env));
    expect(viaCli.code).toBe(0);
    expect(JSON.parse(viaCli.stdout)).toMatchObject({
      changeId,
      phase: 'rolled-back',
      decisions: [expect.objectContaining({ actor: 'oncall@example.com' })],
    });
    const text = await runCli(['report', changeId], cliEnv(env));
    expect(text.stdout).toContain(`Change ${changeId}`);
    expect(text.stdout).toContain('rolled-back');
    console.log(
      `CLI report: ${viaCli.ms.toFixed(0)} ms (--json), ${text.ms.toFixed(0)} ms (text), process start-up included`,
    );
  });

  test('given a risk-high change, when approvals come by slash command, then the requester is refused, the first approver is partial, a repeat is refused and a second approver lets it run', async () => {
    const flow = uniqueId('home');
    await seedFlows(env.db, [flow]);
    const changeId = uniqueId('high');
    await env.changes.start(
      approvalChange(flow, 'requester@example.com', { risk: 'high', deciders: { groups: ['approvers'] } }),
      { changeId },
    );
    await eventually(async () => ((await env.changes.status(changeId)).pendingDecisions.length > 0 ? true : undefined));
    const slash = (user: string, text: string) =>
      slackPost(
        commands(),
        { command: '/rollback', user_id: user, text, response_url: `${slack.url}/cmd` },
        { secret: SIGNING_SECRET },
      );

    const status = await slash('U0VIEW', `status ${changeId}`);
    const own = await slash('U0REQ', `approve ${changeId}`);
    const first = await slash('U0APP1', `approve ${changeId} checked the caps`);
    const repeat = await slash('U0APP1', `approve ${changeId}`);
    const second = await slash('U0APP2', `approve ${changeId}`);

    expect(status.body).toMatchObject({ outcome: 'info', text: expect.stringContaining('awaiting-approval') });
    expect(own.body).toMatchObject({ outcome: 'not-allowed', text: expect.stringMatching(/cannot approve/) });
    expect(first.body).toMatchObject({ outcome: 'partial', response_type: 'in_channel' });
    expect(repeat.body).toMatchObject({ outcome: 'refused', text: expect.stringMatching(/already approved/) });
    expect(second.body).toMatchObject({ outcome: 'accepted' });
    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('completed');
    expect(report.decisions.map((d) => d.actor)).toEqual(['approver1@example.com', 'approver2@example.com']);
  });

  test('given a change awaiting approval, when a manual rollback comes by slash command, then an unmapped user is refused and the requester’s request rolls it back', async () => {
    const flow = uniqueId('auto');
    await seedFlows(env.db, [flow]);
    const changeId = uniqueId('manual');
    await env.changes.start(approvalChange(flow, 'requester@example.com'), { changeId });
    await eventually(async () => ((await env.changes.status(changeId)).pendingDecisions.length > 0 ? true : undefined));
    const slash = (user: string, text: string) =>
      slackPost(commands(), { command: '/rollback', user_id: user, text }, { secret: SIGNING_SECRET });

    const stranger = await slash('U0NOBODY', `rollback ${changeId} errors leads bouncing`);
    const unknown = await slash('U0REQ', `rollback ${uniqueId('missing')}`);
    const usage = await slash('U0REQ', 'explode now');
    expect(stranger.body).toMatchObject({ outcome: 'not-allowed' });
    expect(unknown.body).toMatchObject({ outcome: 'not-found' });
    expect(usage.body).toMatchObject({ outcome: 'invalid', text: expect.stringContaining('/rollback status') });
    expect((await env.changes.status(changeId)).rollbackRequest).toBeUndefined();

    const requested = await slash('U0REQ', `rollback ${changeId} business-impact wrong partner`);
    expect(requested.body).toMatchObject({ outcome: 'accepted', response_type: 'in_channel' });
    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('rolled-back');
    expect(report.rollbackRequest).toMatchObject({
      actor: 'requester@example.com',
      category: 'business-impact',
      reason: 'wrong partner',
    });
  });

  test('given no worker answers the change, when a decision arrives by Slack, then the answer still comes within the deadline and says it is not confirmed', async () => {
    const idle = await openTestEnv();
    const idleApi = await startApi(idle, {
      tokens: {},
      slack: { signingSecret: SIGNING_SECRET, users: people, responseUrlOrigins: [], responseTimeoutMs: 500 },
    });
    try {
      const changeId = uniqueId('idle');
      await idle.changes.start(approvalChange(uniqueId('flow'), 'requester@example.com'), { changeId });
      const sent = performance.now();
      const answer = await slackPost(
        `${idleApi.url}/slack/commands`,
        { user_id: 'U0APP1', text: `approve ${changeId}` },
        { secret: SIGNING_SECRET },
      );
      const ms = performance.now() - sent;
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        outcome: 'unconfirmed',
        text: expect.stringContaining(`/rollback status ${changeId}`),
      });
      console.log(`no worker: chat ops answered "not confirmed" after ${ms.toFixed(0)} ms (deadline 500 ms)`);
    } finally {
      await idleApi.close();
      await idle.close();
    }
  });
});
