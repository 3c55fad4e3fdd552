import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { notificationsCollection } from '../../src/store/notifications';
import { verifyPartnerRequest } from '../../src/http/signature';
import { peerPartner } from '../../tools/peers/partner';
import type { ChangeNotification } from '../../src/domain/notifications';
import type { Observation } from '../../src/domain/telemetry';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver';

const SECRET = 'webhook-secret-for-notify-tests';

function questionNotification(channels: string[]): ChangeNotification {
  const changeId = uniqueId('chg');
  return {
    id: `${changeId}/notification/2`,
    changeId,
    workflowId: `change-${changeId}`,
    event: 'decision-needed',
    title: 'Reroute <auto> & retarget',
    summary: 'Step retarget failed: test op failed',
    channels,
    level: { index: 0, name: 'on-call' },
    question: {
      id: uniqueId('q'),
      kind: 'compensation',
      stepId: 'retarget',
      prompt: 'Restore of retarget did not succeed',
      options: ['retry-compensation', 'resolved-manually'],
      level: 0,
      mode: 'escalate',
      approvalsNeeded: 1,
      askedAt: new Date().toISOString(),
      deadline: new Date(Date.now() + 600_000).toISOString(),
      mayDecide: [{ level: 'on-call', actors: ['oncall@example.com'], groups: ['sre'] }],
    },
    at: new Date().toISOString(),
  };
}

describe('notify activity: outbox, Slack Block Kit and signed webhooks to real local receivers', () => {
  let env: TestEnv;
  let receiver: HttpReceiver;
  let activities: ReturnType<typeof createActivities>;
  /** What the activities gave the product metrics. */
  const observed: Observation[] = [];
  const activityEnv = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

  beforeAll(async () => {
    env = await openTestEnv();
    receiver = await startReceiver();
    activities = createActivities({
      db: env.db,
      telemetry: { record: (observations) => observed.push(...observations) },
      notifications: {
        slackWebhooks: new Map([['#ops', `${receiver.url}/slack`]]),
        webhooks: new Map([
          ['audit', { url: `${receiver.url}/audit`, partner: peerPartner('audit', receiver.url, SECRET) }],
          // A partner known without its secret (as the API knows partners): never sent unsigned.
          [
            'unsigned',
            {
              url: `${receiver.url}/unsigned`,
              partner: { ...peerPartner('unsigned', receiver.url, SECRET), secret: undefined },
            },
          ],
        ]),
        workflowUrl: (id) => `http://ui.example/namespaces/default/workflows/${id}`,
        timeoutMs: 2000,
      },
    });
  });

  afterEach(() => {
    receiver.respond = () => ({ status: 200, body: 'ok' });
  });

  afterAll(async () => {
    await receiver?.close();
    await env?.close();
  });

  const sentTo = (notification: ChangeNotification, path: string) =>
    receiver.received.filter((r) => r.path === path && r.body.includes(notification.id));

  test('given a question for Slack and a signed webhook, when notify runs twice, then each receiver got it once, the outbox marks both sent', async () => {
    const notification = questionNotification(['slack:#ops', 'webhook:audit']);

    await activityEnv().run(activities.notify, notification);
    await activityEnv().run(activities.notify, notification);

    const [slack] = sentTo(notification, '/slack');
    expect(sentTo(notification, '/slack')).toHaveLength(1);
    expect(sentTo(notification, '/audit')).toHaveLength(1);
    const message = JSON.parse(slack!.body) as {
      text: string;
      blocks: { type: string; elements?: { action_id?: string; value?: string; text: unknown }[] }[];
    };
    const buttons = message.blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
    // resolved-manually needs a comment, so it is offered as a slash command, not a button.
    expect(buttons.map((b) => b.action_id)).toEqual(['decide:retry-compensation']);
    expect(JSON.parse(buttons[0]!.value!)).toEqual({
      changeId: notification.changeId,
      questionId: notification.question!.id,
      decision: 'retry-compensation',
    });
    expect(slack!.body).toContain('Reroute &lt;auto&gt; &amp; retarget');
    expect(slack!.body).toContain(`/rollback decide ${notification.changeId} resolved-manually`);
    expect(slack!.body).toContain(
      `http://ui.example/namespaces/default/workflows/change-${notification.changeId}|Open in the Temporal UI`,
    );
    const audit = sentTo(notification, '/audit')[0]!;
    const signed = {
      method: 'POST',
      url: `${receiver.url}${audit.path}`,
      idempotencyKey: notification.id,
      body: audit.body,
      signature: audit.headers['x-lead-rollback-signature'] as string,
    };
    expect(verifyPartnerRequest(SECRET, signed)).toBe('valid');
    expect(verifyPartnerRequest(SECRET, { ...signed, url: `http://another-host.example${audit.path}` })).toBe(
      'mismatch',
    );
    expect(audit.headers['idempotency-key']).toBe(notification.id);
    expect(JSON.parse(audit.body)).toMatchObject({
      id: notification.id,
      event: 'decision-needed',
      links: { temporalUi: expect.stringContaining(notification.workflowId) },
    });
    const stored = await notificationsCollection(env.db).findOne({ _id: notification.id });
    expect(stored?.sent?.sort()).toEqual(['slack:#ops', 'webhook:audit']);
  });

  test('given Slack answering 503 once, when the activity is retried, then the first attempt fails retryable and the retry sends only what is missing', async () => {
    const notification = questionNotification(['webhook:audit', 'slack:#ops']);
    let failures = 1;
    receiver.respond = (request) =>
      request.path === '/slack' && failures-- > 0 ? { status: 503, body: 'busy' } : { status: 200, body: 'ok' };

    const first = await activityEnv()
      .run(activities.notify, notification)
      .catch((err: unknown) => err);
    expect(first).toBeInstanceOf(ApplicationFailure);
    expect(first).toMatchObject({
      nonRetryable: false,
      type: 'NotificationUndeliveredError',
      message: expect.stringMatching(/503/),
    });
    expect((first as Error).message).not.toContain('/slack');
    await activityEnv().run(activities.notify, notification);

    expect(sentTo(notification, '/audit')).toHaveLength(1);
    expect(sentTo(notification, '/slack')).toHaveLength(2);
    const stored = await notificationsCollection(env.db).findOne({ _id: notification.id });
    expect(stored?.sent?.sort()).toEqual(['slack:#ops', 'webhook:audit']);
    expect(stored?.lastError).toMatchObject({ channel: 'slack:#ops' });
  });

  test('given Slack failing two attempts, when the third takes it, then the metrics count the notification once and the Slack failure once', async () => {
    const notification = questionNotification(['slack:#ops']);
    let failures = 2;
    receiver.respond = () => (failures-- > 0 ? { status: 503, body: 'busy' } : { status: 200, body: 'ok' });
    observed.length = 0;

    for (let attempt = 0; attempt < 2; attempt++)
      await expect(activityEnv().run(activities.notify, notification)).rejects.toThrow(/503/);
    await activityEnv().run(activities.notify, notification);

    expect(observed.map((o) => [o.metric, o.labels])).toEqual([
      ['lead_rollback_notifications_total', { event: 'decision-needed' }],
      ['lead_rollback_questions_asked_total', { question_kind: 'compensation' }],
      ['lead_rollback_notification_failures_total', { channel_kind: 'slack', reason: 'send-failed' }],
    ]);
    expect(sentTo(notification, '/slack')).toHaveLength(3);
  });

  test('given a receiver answering 404, when notify runs, then the failure is non-retryable', async () => {
    const notification = questionNotification(['slack:#ops']);
    receiver.respond = () => ({ status: 404, body: 'no_service' });

    const failure = await activityEnv()
      .run(activities.notify, notification)
      .catch((err: unknown) => err);

    expect(failure).toMatchObject({ nonRetryable: true, message: expect.stringMatching(/404: no_service/) });
  });

  test('given channels without configuration or secret, when notify runs, then it succeeds, records them undeliverable and sends nothing', async () => {
    const notification = questionNotification(['slack:#nowhere', 'webhook:unsigned', 'webhook:ghost']);

    await activityEnv().run(activities.notify, notification);
    await activityEnv().run(activities.notify, notification);

    expect(receiver.received.filter((r) => r.body.includes(notification.id))).toEqual([]);
    const stored = await notificationsCollection(env.db).findOne({ _id: notification.id });
    expect(stored?.undeliverable?.map((u) => u.channel)).toEqual([
      'slack:#nowhere',
      'webhook:unsigned',
      'webhook:ghost',
    ]);
    expect(stored?.undeliverable?.[1]?.reason).toMatch(/no signing secret/);
  });
});
