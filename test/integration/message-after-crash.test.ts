import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { WorkerSupervisor } from '../../tools/chaos/worker-process';
import { partnerMap, peerPartner } from '../../tools/peers/partner';
import { changeWorkflowId, rollbackSignal, rollbackUpdate } from '../../src/workflows/definitions';
import { capStep, request } from '../helpers/changes';
import { sampleFlowConfig, seedFlows } from '../helpers/flows';
import { eventually, openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { scratchDir } from '../../tools/devenv/paths';
import { cliEnv } from '../helpers/cli';
import { ENV, requiredEnv } from '../setup/services';
import { TEST_BOUND_MS } from '../helpers/bounds';

/** A partner endpoint that holds the forward request until the test answers it. */
interface HeldEndpoint {
  url: string;
  /** Resolves once the forward request is being held. */
  held: Promise<void>;
  answer(status: number): void;
  close(): Promise<void>;
}

async function holdingEndpoint(): Promise<HeldEndpoint> {
  let answer!: (status: number) => void;
  let markHeld!: () => void;
  const held = new Promise<void>((resolve) => (markHeld = resolve));
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url?.startsWith('/forward')) {
      answer = (status) => res.writeHead(status, { 'content-type': 'text/plain' }).end('refused by the test');
      markHeld();
    } else {
      res.writeHead(200).end('ok');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    held,
    answer: (status) => answer(status),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The crash the campaign found: the worker that ran a change's workflow tasks is SIGKILLed, the
 * last step's apply then fails (its workflow task waits on the dead worker's sticky queue until it
 * times out), and a rollback request arrives in that window. The change must roll back and its
 * history must replay. Whether the next worker sees the failure and the request in one activation
 * or two depends on timing this test does not control (here it is usually one); the campaign's
 * histories where it was two, which failed to replay before messages were delivered after
 * activity results, are replayed in test/histories/crash-campaign/.
 *
 * The workflow half runs as child processes (so one can be SIGKILLed, as in production); the
 * activity half runs in this process and keeps going while the workflow worker is dead.
 */
describe('a rollback request that arrives while the workflow worker is dead and a step has just failed', () => {
  let env: TestEnv;
  let endpoint: HeldEndpoint;
  let logDir: string;
  let supervisors: WorkerSupervisor[];
  /** Set by a test that got to its end: a failed one keeps its worker logs for the reader. */
  let finished: boolean;

  /** A workflow-only worker process on the test's task queue, as `npm run worker` starts it. */
  async function workflowWorker(name: string): Promise<WorkerSupervisor> {
    const dir = path.join(logDir, name);
    fs.mkdirSync(dir);
    const supervisor = new WorkerSupervisor({ ...cliEnv(env), WORKER_ROLE: 'workflows' }, dir);
    supervisors.push(supervisor);
    await supervisor.startUntilReady();
    return supervisor;
  }

  beforeEach(async () => {
    env = await openTestEnv();
    endpoint = await holdingEndpoint();
    logDir = fs.mkdtempSync(path.join(scratchDir, 'message-after-crash-'));
    supervisors = [];
    finished = false;
  });
  afterEach(async () => {
    await Promise.all(supervisors.map((s) => s.stop()));
    await endpoint.close();
    await env.close();
    if (finished) fs.rmSync(logDir, { recursive: true, force: true });
    else console.error(`message-after-crash: worker logs kept in ${logDir}`);
  });

  test.each(['signal', 'update'] as const)(
    'given the request comes as a %s, when the next worker takes over, then the change rolls back and its history replays',
    async (via) => {
      const flowId = uniqueId('flow');
      const flows = await seedFlows(env.db, [flowId]);
      // The endpoint is a partner on loopback; it does not check signatures, but every partner has a secret.
      await env.startWorker(
        {},
        {
          role: 'activities',
          partners: partnerMap(peerPartner('holding', endpoint.url, 'holding-endpoint-secret-01')),
        },
      );
      const first = await workflowWorker('first');

      const changeId = uniqueId(`crash-${via}`);
      await env.changes.start(
        request({
          steps: [
            capStep('cap', flowId, 42),
            {
              id: 'announce',
              target: 'webhook',
              spec: {
                partner: 'holding',
                forward: { method: 'POST', url: `${endpoint.url}/forward` },
                compensate: { method: 'POST', url: `${endpoint.url}/undo` },
              },
            },
          ],
          policy: {
            onStepFailure: 'ask',
            escalation: {
              levels: [
                {
                  name: 'on-call',
                  deciders: { actors: ['oncall@example.com'], groups: [] },
                  deadline: '1h',
                  notify: [],
                },
              ],
            },
          },
        }),
        { changeId },
      );
      await endpoint.held;
      // The next worker is already polling when the first one dies, as in a fleet.
      await workflowWorker('next');

      await first.kill();
      endpoint.answer(400);
      const handle = env.client.workflow.getHandle(changeWorkflowId(changeId));
      await eventually(async () =>
        (await handle.fetchHistory()).events?.some((e) => e.activityTaskFailedEventAttributes) ? true : undefined,
      );
      const rollback = {
        actor: 'oncall@example.com',
        reason: 'the partner refused the route',
        category: 'errors' as const,
      };
      const update =
        via === 'update'
          ? handle.executeUpdate(rollbackUpdate, { args: [rollback] })
          : handle.signal(rollbackSignal, rollback);
      // Operators (and the campaign) keep asking for the status meanwhile: the new worker answers
      // those queries from history before it gets the timed-out workflow task.
      let polling = true;
      const polls = (async () => {
        while (polling) {
          await env.changes.status(changeId).catch(() => undefined);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      await update;
      await env.changes.result(changeId).finally(() => (polling = false));
      await polls;

      const report = await env.changes.result(changeId);
      expect(report.phase).toBe('rolled-back');
      expect((await flows.get(flowId))!.config).toEqual(sampleFlowConfig(flowId));

      const history = await handle.fetchHistory();
      const replayed = Worker.runReplayHistory(
        { workflowBundle: { codePath: requiredEnv(ENV.workflowBundle) }, dataConverter: env.dataConverter },
        history,
        changeWorkflowId(changeId),
      );
      await expect(replayed).resolves.toBeUndefined();
      finished = true;
    },
    TEST_BOUND_MS,
  );
});
