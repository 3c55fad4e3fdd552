import { NativeConnection, type Worker } from '@temporalio/worker';
import { notificationsCollection } from '../../src/store/notifications';
import type { Identity } from '../../src/auth/identity';
import { ChangeClient } from '../../src/client/change-client';
import { NotAllowedError } from '../../src/client/errors';
import { policyFloorGuard } from '../../src/client/floor-guard';
import { policyFloorSchema, type LoadedFloor } from '../../src/domain/policy-floor';
import { createWorker } from '../../src/worker';
import { changeWorkflowId } from '../../src/workflows/definitions';
import type { ChangeStatus } from '../../src/domain/status';
import { call } from '../helpers/api-server';
import { databaseFingerprint, flowStep, validRequest, webhookStep, type Refusal } from '../helpers/bad-input';
import { failingStep, waitForPhase, waitForQuestion } from '../helpers/changes';
import { runCli } from '../helpers/cli';
import {
  api,
  describeDoorCases,
  FLOW,
  SIGNING_SECRET,
  SLACK_USER,
  start,
  startFile,
  TOKEN,
  type DoorCase,
  type Doors,
} from '../helpers/doors';
import { eventually } from '../helpers/harness';
import { blockActionsPayload, slackPost } from '../helpers/slack';
import { ENV, requiredEnv } from '../setup/services';

/**
 * A requester-only token against the operator's policy floor, at every door: start requests the
 * floor cannot tighten into something someone other than the requester may approve, and decisions
 * and rollbacks a requester may not make on running changes. Each is refused naming the field or
 * the reason, and nothing is started, written, sent or decided (test/helpers/doors.ts).
 *
 * The running changes the decision cases aim at are seeded on a task queue of their own, with a
 * worker of their own, before the database fingerprint is taken: the harness's "no workflow on
 * the queue" check keeps meaning that nothing new started. After every case they must still be
 * exactly as seeded (no decision taken, no rollback requested, nothing added to their timeline).
 */

const REQUESTER: Identity = { actor: 'requester@example.com', roles: ['requester'], groups: [] };

/** Approval by risk, target kind and size, and no decider groups: a request must name who approves. */
const FLOOR_JSON = {
  name: 'hostile floor',
  approval: {
    risks: ['medium', 'high'],
    targets: ['webhook', 'crm'],
    leadData: { maxLeads: 5 },
    mongoDocument: { collections: ['partner_settings'] },
  },
  breakGlass: { groups: ['admin'] },
};
const FLOOR: LoadedFloor = { floor: policyFloorSchema.parse(FLOOR_JSON), source: 'POLICY_FLOOR' };
const BATCH = 'hostile-b1';

/** Changes running on the seed queue: the requester's awaiting approval, another's awaiting approval, the requester's asking after a failed step. */
const SEEDED = { own: 'seeded-own', other: 'seeded-other', failed: 'seeded-failed' } as const;

// --- requests the floor refuses ------------------------------------------------------------------------

const onlyMe = (actor = 'requester@example.com') => ({
  levels: [{ name: 'me', deciders: { actors: [actor] }, deadline: '1h' }],
});
const flow =
  (extra: Record<string, unknown> = {}) =>
  () =>
    validRequest(flowStep(FLOW), extra);
const hook =
  (extra: Record<string, unknown> = {}) =>
  (d: Doors) =>
    validRequest(webhookStep(d.peers.webhook.url), extra);
const crm =
  (extra: Record<string, unknown> = {}) =>
  () =>
    validRequest(
      {
        id: 'tier',
        target: 'crm',
        spec: { action: 'update-record', objectType: 'contacts', recordId: '1', properties: { tier: 'gold' } },
      } as never,
      extra,
    );
const leads =
  (extra: Record<string, unknown> = {}) =>
  () =>
    validRequest(
      {
        id: 'requalify',
        target: 'lead-data',
        spec: { filter: { batch: BATCH }, set: { status: 'qualified' } },
      } as never,
      extra,
    );
const document =
  (extra: Record<string, unknown> = {}) =>
  () =>
    validRequest(
      {
        id: 'partner-settings',
        target: 'mongo-document',
        spec: { collection: 'partner_settings', id: 'partner-a', op: 'set', fields: { retries: 5 } },
      } as never,
      extra,
    );
const post = (request: (d: Doors) => unknown) => async (d: Doors) => api('POST', '/v1/changes', request(d))(d);

// --- decisions and rollbacks a requester may not make --------------------------------------------------

/** A 403 from the API. */
const forbidden =
  (url: string, body: unknown) =>
  async (d: Doors): Promise<Refusal> => {
    const answer = await call(d.api, 'POST', url, { token: TOKEN, body });
    return { refused: answer.status === 403, text: JSON.stringify(answer.body) };
  };

/** Chat ops answering `not-allowed` (a slash command or a button). */
const slashNotAllowed =
  (text: string) =>
  async ({ api: running }: Doors): Promise<Refusal> => {
    const answer = await slackPost(
      `${running.url}/slack/commands`,
      { user_id: SLACK_USER, text },
      { secret: SIGNING_SECRET },
    );
    return {
      refused: answer.status === 200 && answer.body?.outcome === 'not-allowed',
      text: JSON.stringify(answer.body),
    };
  };
const buttonNotAllowed =
  (changeId: string, decision: string) =>
  async (d: Doors): Promise<Refusal> => {
    const status = await d.env.changes.status(changeId);
    const value = JSON.stringify({ changeId, questionId: status.pendingDecisions[0]!.id, decision });
    // Without a response_url: the outcome is only the answer, posted nowhere.
    const form = blockActionsPayload(
      SLACK_USER,
      { action_id: `decide:${decision}`, value },
      'https://hooks.slack.com/unused',
    );
    const payload = JSON.parse(form.payload!) as Record<string, unknown>;
    delete payload.response_url;
    form.payload = JSON.stringify(payload);
    const answer = await slackPost(`${d.api.url}/slack/interactions`, form, { secret: SIGNING_SECRET });
    return {
      refused: answer.status === 200 && answer.body?.outcome === 'not-allowed',
      text: JSON.stringify(answer.body),
    };
  };

/** The CLI (operator access: it asserts the actor it is given) exiting 4, refused. */
const cliRefused =
  (args: string[]) =>
  async (d: Doors): Promise<Refusal> => {
    const run = await runCli(['--json', ...args], d.cliEnv);
    return { refused: run.code === 4, text: `${run.stdout}\n${run.stderr}` };
  };

/** The typed client refusing with NotAllowedError. */
const clientNotAllowed =
  (action: (d: Doors) => Promise<unknown>) =>
  async (d: Doors): Promise<Refusal> => {
    try {
      await action(d);
      return { refused: false, text: 'accepted' };
    } catch (err) {
      return { refused: err instanceof NotAllowedError, text: `${(err as Error).name}: ${(err as Error).message}` };
    }
  };

const cases: DoorCase[] = [
  // HTTP API: starts the floor cannot tighten (it requires approval and names no decider groups)
  {
    surface: 'HTTP API',
    input: 'risk medium and no escalation',
    field: 'policy.escalation',
    send: post(flow({ risk: 'medium' })),
  },
  {
    surface: 'HTTP API',
    input: 'risk medium with approval waived',
    field: 'policy.escalation',
    send: post(flow({ risk: 'medium', policy: { approval: 'none' } })),
  },
  {
    surface: 'HTTP API',
    input: 'risk high with only the requester deciding',
    field: 'policy.escalation.levels',
    send: post(flow({ risk: 'high', policy: { escalation: onlyMe() } })),
  },
  { surface: 'HTTP API', input: 'a webhook step with no escalation', field: 'policy.escalation', send: post(hook()) },
  {
    surface: 'HTTP API',
    input: 'a webhook step with approval waived and only the requester deciding',
    field: 'policy.escalation.levels',
    send: post(hook({ policy: { approval: 'none', onStepFailure: 'ask', escalation: onlyMe() } })),
  },
  { surface: 'HTTP API', input: 'a CRM step with no escalation', field: 'policy.escalation', send: post(crm()) },
  {
    surface: 'HTTP API',
    input: "a lead batch of 10 leads over the floor's 5",
    field: 'policy.escalation',
    send: post(leads()),
  },
  {
    surface: 'HTTP API',
    input: 'a lead batch over the floor with approval waived',
    field: 'policy.escalation',
    send: post(leads({ policy: { approval: 'none' } })),
  },
  {
    surface: 'HTTP API',
    input: 'a document in a collection the floor guards',
    field: 'policy.escalation',
    send: post(document()),
  },
  {
    surface: 'HTTP API',
    input: 'risk medium decided only by the requester in capitals',
    field: 'policy.escalation.levels',
    send: post(flow({ risk: 'medium', policy: { escalation: onlyMe('Requester@Example.COM') } })),
  },
  // HTTP API: decisions and rollbacks on running changes
  {
    surface: 'HTTP API',
    input: 'approving its own change',
    field: 'may not decide',
    send: forbidden(`/v1/changes/${SEEDED.own}/decisions`, { decision: 'approve' }),
  },
  {
    surface: 'HTTP API',
    input: 'skipping the failed step of its own change',
    field: 'may not decide',
    send: forbidden(`/v1/changes/${SEEDED.failed}/decisions`, { decision: 'skip' }),
  },
  {
    surface: 'HTTP API',
    input: "rolling back someone else's change",
    field: 'may not roll back this change',
    send: forbidden(`/v1/changes/${SEEDED.other}/rollback`, { reason: 'mine now', category: 'errors' }),
  },

  // CLI
  {
    surface: 'CLI',
    input: 'a file with risk medium and no escalation',
    field: 'policy.escalation',
    send: startFile('medium.json', flow({ risk: 'medium' })),
  },
  {
    surface: 'CLI',
    input: 'a file with a webhook step and approval waived',
    field: 'policy.escalation',
    send: startFile('hook.json', hook({ policy: { approval: 'none' } })),
  },
  {
    surface: 'CLI',
    input: 'a file with a lead batch over the floor',
    field: 'policy.escalation',
    send: startFile('leads.json', leads()),
  },
  {
    surface: 'CLI',
    input: 'a file guarding a document only the requester may approve',
    field: 'policy.escalation.levels',
    send: startFile('document.json', document({ policy: { escalation: onlyMe() } })),
  },
  {
    surface: 'CLI',
    input: 'a file asking approval of the requester alone',
    field: 'policy.escalation.levels',
    send: startFile('self.json', flow({ policy: { approval: 'required', escalation: onlyMe() } })),
  },
  {
    surface: 'CLI',
    input: 'approving its own change under another spelling',
    field: 'cannot approve it',
    send: cliRefused(['decide', SEEDED.own, 'approve', '--actor', 'Requester@Example.com']),
  },
  {
    surface: 'CLI',
    input: 'skipping the failed step of its own change',
    field: 'cannot skip its failed step',
    send: cliRefused(['decide', SEEDED.failed, 'skip', '--actor', 'requester@example.com']),
  },
  {
    surface: 'CLI',
    input: "rolling back someone else's change",
    field: 'may not roll back this change',
    send: cliRefused([
      'rollback',
      SEEDED.other,
      '--actor',
      'requester@example.com',
      '--reason',
      'mine now',
      '--category',
      'errors',
    ]),
  },

  // Chat ops
  {
    surface: 'chat ops',
    input: 'approving its own change',
    field: 'may not decide',
    send: slashNotAllowed(`approve ${SEEDED.own}`),
  },
  {
    surface: 'chat ops',
    input: 'skipping the failed step of its own change',
    field: 'may not decide',
    send: slashNotAllowed(`decide ${SEEDED.failed} skip it is fine`),
  },
  {
    surface: 'chat ops',
    input: "rolling back someone else's change",
    field: 'may not roll back this change',
    send: slashNotAllowed(`rollback ${SEEDED.other} errors mine now`),
  },
  {
    surface: 'chat ops',
    input: 'an approve button on its own change',
    field: 'may not decide',
    send: buttonNotAllowed(SEEDED.own, 'approve'),
  },
  {
    surface: 'chat ops',
    input: 'a skip button on its own change',
    field: 'may not decide',
    send: buttonNotAllowed(SEEDED.failed, 'skip'),
  },

  // The typed client
  {
    surface: 'client',
    input: 'risk medium and no escalation',
    field: 'policy.escalation',
    send: start(flow({ risk: 'medium' })),
  },
  {
    surface: 'client',
    input: 'a CRM step with approval waived',
    field: 'policy.escalation',
    send: start(crm({ policy: { approval: 'none' } })),
  },
  {
    surface: 'client',
    input: 'a lead batch over the floor, only the requester deciding',
    field: 'policy.escalation.levels',
    send: start(leads({ policy: { onStepFailure: 'ask', escalation: onlyMe() } })),
  },
  {
    surface: 'client',
    input: 'a webhook step, only the requester deciding in capitals',
    field: 'policy.escalation.levels',
    send: start(hook({ policy: { onStepFailure: 'ask', escalation: onlyMe('REQUESTER@example.com') } })),
  },
  {
    surface: 'client',
    input: 'a document in a guarded collection with approval waived',
    field: 'policy.escalation',
    send: start(document({ policy: { approval: 'none' } })),
  },
  {
    surface: 'client',
    input: 'approving its own change under another spelling (the validator refuses it, nothing written)',
    field: 'cannot approve it',
    send: clientNotAllowed((d) =>
      d.env.changes.decide(SEEDED.own, { decision: 'approve', actor: 'REQUESTER@example.com' }),
    ),
  },
  {
    surface: 'client',
    input: 'skipping the failed step of its own change (straight to the workflow)',
    field: 'cannot skip its failed step',
    send: clientNotAllowed((d) =>
      d.env.changes.decide(SEEDED.failed, { decision: 'skip', actor: 'Requester@example.com' }),
    ),
  },
  {
    surface: 'client',
    input: "rolling back someone else's change",
    field: 'may not roll back this change',
    send: clientNotAllowed((d) =>
      d.env.changes.requestRollback(SEEDED.other, {
        actor: 'requester@example.com',
        reason: 'mine now',
        category: 'errors',
      }),
    ),
  },
];

// --- the seeded changes ------------------------------------------------------------------------------

let seedConnection: NativeConnection | undefined;
let seedWorker: { worker: Worker; running: Promise<void> } | undefined;
let seededStatus: Record<string, ChangeStatus> = {};

async function seed(doors: Doors): Promise<void> {
  await doors.env.db
    .collection('leads')
    .insertMany(
      Array.from({ length: 10 }, (_, i) => ({ _id: `${BATCH}-${i}`, batch: BATCH, status: 'new' })) as never[],
    );
  const queue = `${doors.env.taskQueue}-seeded`;
  seedConnection = await NativeConnection.connect({ address: requiredEnv(ENV.temporalAddress) });
  const worker = await createWorker({
    connection: seedConnection,
    namespace: 'default',
    taskQueue: queue,
    db: doors.env.db,
    workflowBundle: { codePath: requiredEnv(ENV.workflowBundle) },
    dataConverter: doors.env.dataConverter,
    policyFloor: FLOOR,
    options: { shutdownGraceTime: '1s' },
  });
  seedWorker = { worker, running: worker.run() };
  const changes = new ChangeClient(doors.env.client, queue, { guard: policyFloorGuard(FLOOR, { db: doors.env.db }) });
  const team = (requester: string) => ({
    levels: [{ name: 'team', deciders: { actors: [requester, 'lead@example.com'] }, deadline: '1h' }],
  });
  await changes.start(
    validRequest(flowStep(FLOW), { risk: 'medium', policy: { escalation: team('requester@example.com') } }),
    { changeId: SEEDED.own },
  );
  await changes.start(
    validRequest(flowStep(FLOW), {
      requestedBy: 'other@example.com',
      risk: 'medium',
      policy: { escalation: team('other@example.com') },
    }),
    { changeId: SEEDED.other },
  );
  await changes.start(
    validRequest(failingStep('first', FLOW), {
      policy: { onStepFailure: 'ask', escalation: team('requester@example.com') },
    }),
    { changeId: SEEDED.failed },
  );
  await waitForQuestion(changes, SEEDED.own, { kind: 'approval' });
  await waitForQuestion(changes, SEEDED.other, { kind: 'approval' });
  await waitForQuestion(changes, SEEDED.failed, { kind: 'step-failure' });
  await waitForPhase(changes, SEEDED.failed, 'awaiting-decision');
  // Their notifications are recorded by activities of their own: wait until all four are in and the database is still.
  await eventually(async () =>
    (await notificationsCollection(doors.env.db).countDocuments({})) >= 4 ? true : undefined,
  );
  await eventually(async () => {
    const before = await databaseFingerprint(doors.env.db, ['chatops_seen_requests']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    return JSON.stringify(before) === JSON.stringify(await databaseFingerprint(doors.env.db, ['chatops_seen_requests']))
      ? true
      : undefined;
  });
  seededStatus = Object.fromEntries(
    await Promise.all(Object.values(SEEDED).map(async (id) => [id, await changes.status(id)] as const)),
  );
}

async function seededUnchanged(doors: Doors): Promise<void> {
  for (const id of Object.values(SEEDED)) {
    const status = await doors.env.changes.status(id);
    expect({
      phase: status.phase,
      decisions: status.decisions,
      rollbackRequest: status.rollbackRequest,
      events: status.timeline.length,
    }).toEqual({
      phase: seededStatus[id]!.phase,
      decisions: [],
      rollbackRequest: undefined,
      events: seededStatus[id]!.timeline.length,
    });
  }
}

async function teardown(doors: Doors): Promise<void> {
  await Promise.all(
    Object.values(SEEDED).map((id) =>
      doors.env.client.workflow
        .getHandle(changeWorkflowId(id))
        .terminate('hostile-floor suite done')
        .catch(() => undefined),
    ),
  );
  if (seedWorker) {
    seedWorker.worker.shutdown();
    await seedWorker.running;
  }
  await seedConnection?.close();
}

describeDoorCases(
  'a requester-only token against the policy floor: refused at every door; nothing started, written, sent or decided',
  cases,
  {
    identity: REQUESTER,
    minCases: 25,
    // Every door (API, client, CLI, worker) holds this floor, as the operator configures it.
    operatorEnv: { POLICY_FLOOR: JSON.stringify(FLOOR_JSON) },
    seed,
    afterEachCase: seededUnchanged,
    teardown,
  },
);

describe('the floor the suite ran against', () => {
  test('given the seeded changes, then each names the floor it was checked against', async () => {
    for (const id of Object.values(SEEDED))
      expect(seededStatus[id]!.floor).toMatchObject({
        name: 'hostile floor',
        source: 'POLICY_FLOOR',
        breakGlassGroups: ['admin'],
      });
    expect(seededStatus[SEEDED.own]!.floor!.rules).toContain('approval required: risk medium (approval.risks)');
  });
});
