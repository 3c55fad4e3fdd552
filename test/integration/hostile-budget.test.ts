import type { Identity } from '../../src/auth/identity';
import { call, startApi as openApi, type RunningApi } from '../helpers/api-server';
import { flowStep, validRequest } from '../helpers/bad-input';
import { slackPost } from '../helpers/slack';
import { api, button, cli, client, describeDoorCases, FLOW, start, startFile, type DoorCase } from '../helpers/doors';
import { eventually, openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

/**
 * A requester (and nothing more) trying to make a change outgrow Temporal's history limits:
 * durations outside their ranges, windows of days sampled every second, chains of escalation
 * levels on every step, texts multiplied into every activity, oversized decision and rollback
 * texts. Each is refused naming the field that costs most, before anything starts (see
 * src/domain/history-budget.ts); the harness checks nothing started, was written or was sent.
 */

const REQUESTER: Identity = { actor: 'requester@example.com', roles: ['requester'], groups: [] };

const errorRate = (i = 0, metric: Record<string, unknown> = { source: 'lead-events', name: 'error-rate' }) => ({
  name: `errors-${i}`,
  metric,
  comparison: { kind: 'above', threshold: 0.2 },
});
const triggers = (n: number, metric?: (i: number) => Record<string, unknown>) =>
  Array.from({ length: n }, (_, i) => errorRate(i, metric?.(i)));
const longQuery = (i: number) => ({
  source: 'prometheus',
  query: `sum(rate(deliveries_failed_${i}[5m]))${' '.repeat(1950)}`,
  samplesQuery: `sum(rate(deliveries_${i}[5m]))${' '.repeat(1950)}`,
});

/** A one-step change on the suite's flow with this observation. */
const observing = (observe: Record<string, unknown>) => () =>
  validRequest(flowStep(FLOW), { policy: { observe: { triggers: [errorRate()], ...observe } } });
const level = (deadline: string, i = 0, actors = [`oncall-${i}@example.com`]) => ({
  name: `level-${i}`,
  deciders: { actors },
  deadline,
});
/** A one-step change that asks on failure, with these escalation levels. */
const escalating =
  (levels: unknown[], extra: Record<string, unknown> = {}) =>
  () =>
    validRequest(flowStep(FLOW), {
      policy: { onStepFailure: 'ask', escalation: { levels, whenExhausted: 'hold' }, ...extra },
    });
const steps = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    ...flowStep(FLOW, [{ op: 'replace', path: `/pricing/cap${i}`, value: i }]),
    id: `raise-cap-${i}`,
  }));
/** `n` steps asking on failure through ten one-second levels that then hold. */
const deepChain =
  (n: number, actorsPerLevel = 1, actorLength = 20) =>
  () =>
    validRequest(flowStep(FLOW), {
      steps: steps(n),
      policy: {
        onStepFailure: 'ask',
        escalation: {
          levels: Array.from({ length: 10 }, (_, i) =>
            level(
              '1s',
              i,
              Array.from({ length: actorsPerLevel }, (_, a) => `${'a'.repeat(actorLength)}-${a}-${i}@example.com`),
            ),
          ),
          whenExhausted: 'hold',
        },
      },
    });
const lockWait = (maxWait: string) => () =>
  validRequest(flowStep(FLOW), { policy: { locks: { onBusy: 'wait', maxWait } } });
const startApi = (request: () => unknown) => api('POST', '/v1/changes', request());

const cases: DoorCase[] = [
  // HTTP API: durations out of their ranges
  {
    surface: 'HTTP API',
    input: 'an observation interval of 0ms',
    field: 'policy.observe.interval',
    send: startApi(observing({ bakeTime: '1h', interval: '0ms' })),
  },
  {
    surface: 'HTTP API',
    input: 'an observation interval of 999ms',
    field: 'policy.observe.interval',
    send: startApi(observing({ bakeTime: '1h', interval: '999ms' })),
  },
  {
    surface: 'HTTP API',
    input: 'a bake time of 999999d',
    field: 'policy.observe.bakeTime',
    send: startApi(observing({ bakeTime: '999999d', interval: '1d' })),
  },
  {
    surface: 'HTTP API',
    input: 'a baseline window of 999999d',
    field: 'policy.observe.baselineWindow',
    send: startApi(observing({ bakeTime: '1h', interval: '1m', baselineWindow: '999999d' })),
  },
  {
    surface: 'HTTP API',
    input: 'a recovery window of 30d',
    field: 'policy.observe.recoveryWindow',
    send: startApi(observing({ bakeTime: '1h', interval: '1m', recoveryWindow: '30d' })),
  },
  {
    surface: 'HTTP API',
    input: 'an interval longer than the bake time',
    field: 'policy.observe.interval',
    send: startApi(observing({ bakeTime: '10s', interval: '1h' })),
  },
  {
    surface: 'HTTP API',
    input: 'an escalation deadline of 0ms',
    field: 'policy.escalation.levels.0.deadline',
    send: startApi(escalating([level('0ms')])),
  },
  {
    surface: 'HTTP API',
    input: 'an escalation deadline of 999999d',
    field: 'policy.escalation.levels.0.deadline',
    send: startApi(escalating([level('999999d')])),
  },
  { surface: 'HTTP API', input: 'a lock wait of 0ms', field: 'policy.locks.maxWait', send: startApi(lockWait('0ms')) },
  {
    surface: 'HTTP API',
    input: 'a lock wait of 999999d',
    field: 'policy.locks.maxWait',
    send: startApi(lockWait('999999d')),
  },
  // HTTP API: legal durations whose product outgrows the budget
  {
    surface: 'HTTP API',
    input: 'two days of observation sampled every second (172 800 samples)',
    field: 'policy.observe.interval',
    send: startApi(observing({ bakeTime: '2d', interval: '1s' })),
  },
  {
    surface: 'HTTP API',
    input: 'a week of observation of 20 triggers every minute',
    field: 'policy.observe.interval',
    send: startApi(observing({ bakeTime: '7d', interval: '1m', triggers: triggers(20) })),
  },
  {
    surface: 'HTTP API',
    input: '60 steps asking on failure through ten one-second levels',
    field: 'policy.escalation.levels',
    send: startApi(deepChain(60)),
  },
  {
    surface: 'HTTP API',
    input: 'ten minutes of 20 triggers with 4 000-character queries every second (48 MB of samples)',
    field: 'policy.observe.triggers',
    send: startApi(observing({ bakeTime: '10m', interval: '1s', triggers: triggers(20, longQuery) })),
  },
  {
    surface: 'HTTP API',
    input: 'a rollback reason of 2 500 characters',
    field: 'reason',
    send: api('POST', '/v1/changes/c-doors/rollback', { reason: 'r'.repeat(2500), category: 'errors' }),
  },

  // CLI (spawned, --json): the same policies from a change file
  {
    surface: 'CLI',
    input: 'a change file observing every 0ms',
    field: 'policy.observe.interval',
    send: startFile('zero.json', observing({ bakeTime: '1h', interval: '0ms' })),
  },
  {
    surface: 'CLI',
    input: 'a change file baking for 999999d',
    field: 'policy.observe.bakeTime',
    send: startFile('forever.json', observing({ bakeTime: '999999d', interval: '1h' })),
  },
  {
    surface: 'CLI',
    input: 'a change file sampling every second for two days',
    field: 'policy.observe.interval',
    send: startFile('samples.json', observing({ bakeTime: '2d', interval: '1s' })),
  },
  {
    surface: 'CLI',
    input: 'a YAML change with an escalation deadline of 0s',
    field: 'policy.escalation.levels.0.deadline',
    send: cli(() => ['start', '{dir}/deadline.yaml'], {
      name: 'deadline.yaml',
      content: () =>
        yamlChange(
          'policy:\n  onStepFailure: hold\n  escalation:\n    levels:\n      - name: on-call\n        deciders: { actors: [oncall@example.com] }\n        deadline: 0s\n',
        ),
    }),
  },
  {
    surface: 'CLI',
    input: 'a YAML change waiting 999999d for locks',
    field: 'policy.locks.maxWait',
    send: cli(() => ['start', '{dir}/locks.yaml'], {
      name: 'locks.yaml',
      content: () => yamlChange('policy:\n  locks: { onBusy: wait, maxWait: 999999d }\n'),
    }),
  },
  {
    surface: 'CLI',
    input: 'a change file of 60 steps through ten one-second levels',
    field: 'policy.escalation.levels',
    send: startFile('chain.json', deepChain(60)),
  },
  {
    surface: 'CLI',
    input: 'a decision comment of 3 000 characters',
    field: 'comment',
    send: cli(() => ['decide', 'c-doors', 'retry', '--actor', 'requester@example.com', '--comment', 'c'.repeat(3000)]),
  },
  {
    surface: 'CLI',
    input: 'a rollback reason of 2 500 characters',
    field: 'reason',
    send: cli(() => [
      'rollback',
      'c-doors',
      '--actor',
      'requester@example.com',
      '--reason',
      'r'.repeat(2500),
      '--category',
      'errors',
    ]),
  },

  // Chat ops: what a button carries goes into the history as the decision's input
  {
    surface: 'chat ops',
    input: 'a button whose question id is 5 000 characters',
    field: 'actions.0.value.questionId',
    send: button(JSON.stringify({ changeId: 'c-doors', questionId: 'q'.repeat(5000), decision: 'retry' })),
  },
  {
    surface: 'chat ops',
    input: 'a button smuggling a 50 KB comment',
    field: 'actions.0.value',
    send: button(
      JSON.stringify({ changeId: 'c-doors', questionId: 'q-1', decision: 'retry', comment: 'c'.repeat(50_000) }),
    ),
  },

  // The typed client
  {
    surface: 'client',
    input: 'an observation interval of 0ms',
    field: 'policy.observe.interval',
    send: start(observing({ bakeTime: '1h', interval: '0ms' })),
  },
  {
    surface: 'client',
    input: 'a recovery window of 999999d',
    field: 'policy.observe.recoveryWindow',
    send: start(observing({ bakeTime: '1h', interval: '1m', recoveryWindow: '999999d' })),
  },
  {
    surface: 'client',
    input: 'a day of observation every second with 20 triggers',
    field: 'policy.observe.interval',
    send: start(observing({ bakeTime: '1d', interval: '1s', triggers: triggers(20) })),
  },
  {
    surface: 'client',
    input: '100 steps asking on failure through ten one-second levels',
    field: 'policy.escalation.levels',
    send: start(deepChain(100)),
  },
  {
    surface: 'client',
    input: 'ten levels of 50 deciders with 120-character names (in every notification)',
    field: 'policy.escalation.levels',
    send: start(deepChain(8, 50, 100)),
  },
  { surface: 'client', input: 'a lock wait of 2d', field: 'policy.locks.maxWait', send: start(lockWait('2d')) },
  {
    surface: 'client',
    input: 'a decision comment of 3 000 characters',
    field: 'comment',
    send: client((d) =>
      d.env.changes.decide('c-doors', { decision: 'retry', actor: 'requester@example.com', comment: 'c'.repeat(3000) }),
    ),
  },
  {
    surface: 'client',
    input: 'a rollback reason of 2 500 characters',
    field: 'reason',
    send: client((d) =>
      d.env.changes.requestRollback('c-doors', {
        actor: 'requester@example.com',
        reason: 'r'.repeat(2500),
        category: 'errors',
      }),
    ),
  },
];

function yamlChange(policy: string): string {
  return `title: Raise the cap\nrequestedBy: requester@example.com\nsteps:\n  - id: raise-cap\n    target: flow-config\n    spec:\n      flowId: ${FLOW}\n      patch: [{ op: replace, path: /pricing/cap, value: 35 }]\n${policy}`;
}

describeDoorCases(
  'hostile requester against the history budget: refused naming the field; nothing started, written or sent',
  cases,
  { identity: REQUESTER, minCases: 25 },
);

describe('hostile requester against a running change: repeated requests never reach its history', () => {
  let env: TestEnv;
  let server: RunningApi;
  const token = 'requester-token-for-repeats-01';
  const signingSecret = 'slack-signing-secret-repeats';
  beforeAll(async () => {
    env = await openTestEnv();
    // Workflows only: the change's activities never run, so it stays where the rollback request leaves it.
    await env.startWorker(undefined, { role: 'workflows' });
    server = await openApi(env, {
      tokens: { [token]: REQUESTER },
      slack: { signingSecret, users: { U0REQUESTER: REQUESTER }, responseUrlOrigins: ['https://hooks.slack.com'] },
    });
  });
  afterAll(async () => {
    await server?.close();
    await env?.close();
  });

  test('given a change whose rollback was requested, when the requester asks again through the API, chat ops and the client, then each answer is "already requested" and its history has not grown by one event', async () => {
    const changeId = uniqueId('repeats');
    const started = await call(server, 'POST', '/v1/changes', {
      token,
      body: validRequest(flowStep(FLOW)),
      headers: { 'idempotency-key': changeId },
    });
    expect(started.status).toBeLessThan(300);
    const id = (started.body as { changeId: string }).changeId;
    const rollback = () =>
      call(server, 'POST', `/v1/changes/${id}/rollback`, {
        token,
        body: { reason: 'errors after the change', category: 'errors' },
      });
    expect((await rollback()).body).toMatchObject({ status: 'accepted' });
    const handle = env.client.workflow.getHandle(`change-${id}`);
    const length = async () => (await handle.describe()).historyLength;
    // The accepted request's workflow task has completed once the length stops moving.
    const before = await eventually(async () => {
      const first = await length();
      await new Promise((resolve) => setTimeout(resolve, 500));
      return (await length()) === first ? first : undefined;
    });

    const answers = [];
    for (let i = 0; i < 10; i++) answers.push((await rollback()).body);
    for (let i = 0; i < 5; i++)
      answers.push(
        (
          await slackPost(
            `${server.url}/slack/commands`,
            { user_id: 'U0REQUESTER', text: `rollback ${id} errors again (${i + 1})` },
            { secret: signingSecret },
          )
        ).body,
      );
    for (let i = 0; i < 5; i++)
      answers.push(
        await env.changes.requestRollback(id, { actor: REQUESTER.actor, reason: 'again', category: 'errors' }),
      );

    expect(answers.slice(0, 10)).toEqual(
      Array.from({ length: 10 }, () => expect.objectContaining({ status: 'already-requested' })),
    );
    expect(answers.slice(10, 15)).toEqual(
      Array.from({ length: 5 }, () => expect.objectContaining({ outcome: 'already-requested' })),
    );
    expect(answers.slice(15)).toEqual(Array.from({ length: 5 }, () => ({ status: 'already-requested' })));
    expect(await length()).toBe(before);
    console.log(
      `20 repeated rollback requests through the API, chat ops and the client: history stayed at ${before} events`,
    );
    await handle.terminate('test over: no activity worker');
  });
});
