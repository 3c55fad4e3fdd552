import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { notificationEvents } from '../../src/domain/notifications';
import { verifyPartnerRequest } from '../../src/http/signature';
import { peerPartner } from '../../tools/peers/partner';
import { capStep, failingStep, levels, request, waitForQuestion } from '../helpers/changes';
import { seedFlows } from '../helpers/flows';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver';
import { repoRoot } from '../helpers/markdown';

const SECRET = 'notification-payload-secret-01';

/**
 * What partners integrate against is the published schema, not what the worker happens to send:
 * a real change escalates, is approved, fails a step and rolls back on a real worker, and every
 * webhook body its notifications deliver must validate against schema/notification.schema.json
 * (an exact schema: a field the worker sends and the schema does not name fails here).
 */
describe('notification payloads: what the worker sends validates against the published schema', () => {
  let env: TestEnv;
  let receiver: HttpReceiver;

  beforeEach(async () => {
    env = await openTestEnv();
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await receiver.close();
    await env.close();
  });

  test('given a change that escalates its approval and its step failure and rolls back, then every webhook it sends is signed and fits the schema', async () => {
    const hook = (name: string) => ({
      url: `${receiver.url}/${name}`,
      partner: peerPartner(name, receiver.url, SECRET),
    });
    await env.startWorker(
      {},
      {
        notifications: {
          slackWebhooks: new Map(),
          webhooks: new Map([
            ['on-call', hook('on-call')],
            ['managers', hook('managers')],
          ]),
          workflowUrl: (id) => `http://ui.example/namespaces/default/workflows/${id}`,
          timeoutMs: 5000,
        },
      },
    );
    const [a, b] = [uniqueId('a'), uniqueId('b')];
    await seedFlows(env.db, [a, b]);
    const changeId = uniqueId('payloads');
    // The on-call's deadline lapses on every question; the managers decide without hurry.
    const escalation = {
      levels: levels(['on-call', ['oncall@example.com'], '2s'], ['managers', ['manager@example.com'], '1h']),
    };
    await env.changes.start(
      request({
        steps: [capStep('first', a, 30), failingStep('second', b)],
        policy: { approval: 'required', onStepFailure: 'ask', escalation },
      }),
      { changeId },
    );
    await waitForQuestion(env.changes, changeId, { kind: 'approval', level: 1 });
    await env.changes.decide(changeId, { decision: 'approve', actor: 'manager@example.com' });
    await waitForQuestion(env.changes, changeId, { kind: 'step-failure', level: 1 });
    await env.changes.decide(changeId, { decision: 'rollback', actor: 'manager@example.com' });
    expect((await env.changes.result(changeId)).phase).toBe('rolled-back');
    await receiver.waitFor((r) => r.headers['x-lead-rollback-event'] === 'rollback-finished');

    const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schema/notification.schema.json'), 'utf8'));
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    const sent = receiver.received.filter((r) => r.method === 'POST');
    const invalid = sent
      .map((r) => ({
        event: r.headers['x-lead-rollback-event'],
        ok: validate(JSON.parse(r.body)),
        errors: validate.errors,
      }))
      .filter((r) => !r.ok);
    expect(invalid).toEqual([]);

    const bodies = sent.map((r) => ({
      request: r,
      body: JSON.parse(r.body) as { id: string; event: string; version: number },
    }));
    for (const { request: r, body } of bodies) {
      expect(r.headers['x-lead-rollback-event']).toBe(body.event);
      expect(r.headers['idempotency-key']).toBe(body.id);
      expect(body.version).toBe(1);
      const signed = {
        method: 'POST',
        url: `${receiver.url}${r.path}`,
        idempotencyKey: body.id,
        body: r.body,
        signature: r.headers['x-lead-rollback-signature'] as string,
      };
      expect(verifyPartnerRequest(SECRET, signed)).toBe('valid');
    }
    const events = new Set(bodies.map(({ body }) => body.event));
    expect([...events].sort()).toEqual(
      expect.arrayContaining([
        'approval-needed',
        'decision-needed',
        'escalated',
        'rollback-finished',
        'rollback-started',
        'step-failed',
      ]),
    );
    expect([...events].every((e) => (notificationEvents as readonly string[]).includes(e))).toBe(true);
    // The schema itself refuses what it does not name.
    expect(validate({ ...bodies[0]!.body, surprise: true })).toBe(false);
  });
});
