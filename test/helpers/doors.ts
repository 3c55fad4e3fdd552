import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Identity } from '../../src/auth/identity';
import { composeGuards, type RequestGuard } from '../../src/client/request-guard';
import { policyFloorOf } from '../../src/config/policy-floor';
import { operatorGuards } from '../../src/client/operator-guards';
import { loadConfig } from '../../src/config/index';
import { ValidationError } from '../../src/domain/validation';
import { call, startApi, type RunningApi } from './api-server';
import { databaseFingerprint, type Refusal } from './bad-input';
import { cliEnv, runCli } from './cli';
import { seedFlows } from './flows';
import { openTestEnv, type TargetWorkerDeps, type TestEnv } from './harness';
import { startPeers, type Peers } from './peers';
import { blockActionsPayload, slackPost } from './slack';

/**
 * The doors a caller can knock on — the HTTP API, the CLI, chat ops and the typed client — and a
 * table-driven suite over them: each input must be refused naming its field, and afterwards nothing
 * started (no workflow on the test's task queue), nothing written (every collection of the test's
 * database unchanged) and nothing sent (the CRM and webhook peers never called). A worker runs with
 * real peers the whole time, so anything that slipped through would show as a write or a request.
 */

export const SIGNING_SECRET = 'slack-signing-secret-doors';
export const TOKEN = 'caller-token-for-the-doors-01';
/** The Slack user id chat-ops cases send as; mapped to the suite's identity. */
export const SLACK_USER = 'U0CALLER';
/** Flow seeded for the suite's flow-config cases. */
export const FLOW = 'doors-flow';
/** Chat ops remember each verified Slack signature (replay protection): bookkeeping of the request, not a change. */
const BOOKKEEPING = ['chatops_seen_requests'];

export interface Doors {
  env: TestEnv;
  api: RunningApi;
  peers: Peers;
  /** A scratch folder for CLI input files. */
  dir: string;
  /** The environment the CLI runs with: the test's services and the suite's operator settings. */
  cliEnv: NodeJS.ProcessEnv;
}

export interface DoorCase {
  surface: 'HTTP API' | 'CLI' | 'chat ops' | 'client';
  input: string;
  /** What the error must name. */
  field: string;
  send(doors: Doors): Promise<Refusal>;
}

// --- how each door is called and what counts as "refused as bad input" -----------------------------

export function api(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  return async ({ api }: Doors): Promise<Refusal> => {
    const answer = await call(api, method, url, { token: TOKEN, body, headers });
    return { refused: answer.status >= 400 && answer.status < 500, text: JSON.stringify(answer.body) };
  };
}

/** A raw request: the body exactly as given, with the content type given. */
export function rawApi(url: string, body: string, contentType: string) {
  return async ({ api }: Doors): Promise<Refusal> => {
    const response = await fetch(`${api.url}${url}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType },
      body,
    });
    return { refused: response.status >= 400 && response.status < 500, text: await response.text() };
  };
}

/**
 * The CLI as a user runs it (`--json`); `{dir}` in an argument is the scratch folder. Bad input
 * exits 2. It reads the partners from its environment, as a deployment's CLI does.
 */
export function cli(args: (doors: Doors) => string[], file?: { name: string; content: (doors: Doors) => string }) {
  return async (doors: Doors): Promise<Refusal> => {
    if (file) fs.writeFileSync(path.join(doors.dir, file.name), file.content(doors));
    const run = await runCli(['--json', ...args(doors).map((a) => a.replace('{dir}', doors.dir))], doors.cliEnv);
    return { refused: run.code === 2, text: `${run.stdout}\n${run.stderr}` };
  };
}

/** `lead-rollback start <file>` with the request written to the scratch folder as JSON. */
export function startFile(name: string, request: (doors: Doors) => unknown) {
  return cli(() => ['start', `{dir}/${name}`, '--change-id', 'doors-cli'], {
    name,
    content: (d) => JSON.stringify(request(d)),
  });
}

export function slash(text: string) {
  return async ({ api }: Doors): Promise<Refusal> => {
    const answer = await slackPost(
      `${api.url}/slack/commands`,
      { user_id: SLACK_USER, text },
      { secret: SIGNING_SECRET },
    );
    return { refused: answer.status === 200 && answer.body?.outcome === 'invalid', text: JSON.stringify(answer.body) };
  };
}

export function slackForm(endpoint: 'commands' | 'interactions', form: Record<string, string>) {
  return async ({ api }: Doors): Promise<Refusal> => {
    const answer = await slackPost(`${api.url}/slack/${endpoint}`, form, { secret: SIGNING_SECRET });
    return { refused: answer.status >= 400 && answer.status < 500, text: JSON.stringify(answer.body) };
  };
}

export function button(value: string) {
  return slackForm(
    'interactions',
    blockActionsPayload(SLACK_USER, { action_id: 'decide:rollback', value }, 'https://hooks.slack.com/actions/T0/1/x'),
  );
}

/** A call of the typed client; refused means a ValidationError (whose issues name the field). */
export function client(action: (doors: Doors) => Promise<unknown>) {
  return async (doors: Doors): Promise<Refusal> => {
    try {
      await action(doors);
      return { refused: false, text: 'accepted' };
    } catch (err) {
      if (!(err instanceof ValidationError))
        return { refused: false, text: `${(err as Error).name}: ${(err as Error).message}` };
      return { refused: true, text: `${err.message} ${JSON.stringify(err.issues)}` };
    }
  };
}

/** `changes.start` through the typed client. */
export const start = (request: (doors: Doors) => unknown, changeId = 'doors-client') =>
  client((d) => d.env.changes.start(request(d), { changeId }));

/** The own keys of the built-in prototypes a hostile key could pollute (`__proto__.x`, `constructor.prototype.x`). */
export function prototypeKeys(): Record<string, string[]> {
  const keysOf = (proto: object) => Reflect.ownKeys(proto).map(String).sort();
  return {
    Object: keysOf(Object.prototype),
    Array: keysOf(Array.prototype),
    Function: keysOf(Function.prototype),
    String: keysOf(String.prototype),
  };
}

/** Samples the process's resident set size while a suite runs; `growthMiB` is the peak over the start. */
export function rssSampler(): { stop(): { startMiB: number; peakMiB: number; growthMiB: number } } {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
      return { startMiB: mib(start), peakMiB: mib(peak), growthMiB: mib(peak - start) };
    },
  };
}

/** How much the worker process (here: the test process, which runs the worker) may grow during a suite. */
export const MAX_RSS_GROWTH_MIB = 512;

export interface DoorSuiteOptions {
  /** Who the API token and the Slack user stand for. */
  identity: Identity;
  /** At least this many cases, over all four doors. */
  minCases: number;
  /**
   * The operator's settings (e.g. TARGET_COLLECTIONS, REDACTED_LEAD_FIELDS, POLICY_FLOOR) as environment
   * variables: the API and the client get the guards src/api/main.ts builds from them, the CLI runs
   * with them, and the worker gets the target settings and the policy floor, so every door holds the
   * same configuration.
   */
  operatorEnv?: Record<string, string>;
  /** More worker dependencies (on top of the peers' and the operator settings'). */
  worker?: (peers: Peers) => Partial<TargetWorkerDeps>;
  /** More operator checks for the client and the API, on top of the configuration's (the peers are its partners). */
  guard?: (peers: Peers) => RequestGuard;
  /** Runs once the doors are open, before the database fingerprint is taken (seed data here). */
  seed?: (doors: Doors) => Promise<void>;
  /** Runs after every case, for checks of the suite's own (e.g. the worker's process state). */
  afterEachCase?: (doors: Doors) => Promise<void>;
  /** Runs first when the suite ends, while the doors are still open (stop what `seed` started). */
  teardown?: (doors: Doors) => Promise<void>;
}

/**
 * The suite: opens the doors (real Temporal, database, worker, peers, API with chat ops), then
 * sends each case and asserts the refusal names its field and nothing was started, written or sent.
 * Returns the doors for tests of the file's own, which run after the table.
 */
export function describeDoorCases(title: string, cases: DoorCase[], options: DoorSuiteOptions): Doors {
  const doors = {} as Doors;
  let before: Record<string, string>;
  let prototypes: Record<string, string[]>;
  let rss: ReturnType<typeof rssSampler>;

  const workflowsOnQueue = async () =>
    (await doors.env.client.workflow.count(`TaskQueue = '${doors.env.taskQueue}'`)).count;
  const peerRequests = () => doors.peers.crm.requests().length + doors.peers.webhook.requests().length;

  describe(title, () => {
    beforeAll(async () => {
      prototypes = prototypeKeys();
      rss = rssSampler();
      doors.peers = await startPeers();
      // One configuration for every door: the peers as the configured partners, plus the suite's settings.
      const operatorEnv = { ...doors.peers.env, ...options.operatorEnv };
      const operator = loadConfig(operatorEnv);
      // The guards get the suite's database: the policy floor counts lead selections there.
      doors.env = await openTestEnv({
        guard: (db) =>
          composeGuards([
            operatorGuards(operator, { db }, operatorEnv),
            ...(options.guard ? [options.guard(doors.peers)] : []),
          ]),
      });
      doors.cliEnv = { ...cliEnv(doors.env), ...operatorEnv };
      await seedFlows(doors.env.db, [FLOW]);
      doors.peers.crm.state.createRecord('contacts', {});
      const settings = {
        targetCollections: operator.TARGET_COLLECTIONS,
        redactedLeadFields: operator.REDACTED_LEAD_FIELDS,
        policyFloor: policyFloorOf(operator),
      };
      await doors.env.startWorker(undefined, { ...doors.peers.deps, ...settings, ...options.worker?.(doors.peers) });
      doors.api = await startApi(doors.env, {
        tokens: { [TOKEN]: options.identity },
        slack: {
          signingSecret: SIGNING_SECRET,
          users: { [SLACK_USER]: options.identity },
          responseUrlOrigins: ['https://hooks.slack.com'],
        },
      });
      doors.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lead-rollback-doors-'));
      await options.seed?.(doors);
      before = await databaseFingerprint(doors.env.db, BOOKKEEPING);
    });

    afterAll(async () => {
      if (doors.env) await options.teardown?.(doors);
      rss?.stop();
      if (doors.dir) fs.rmSync(doors.dir, { recursive: true, force: true });
      await doors.api?.close();
      await doors.env?.close();
      await doors.peers?.stop();
    });

    test(`given the table, then it holds at least ${options.minCases} inputs over all four doors`, () => {
      expect(cases.length).toBeGreaterThanOrEqual(options.minCases);
      expect(new Set(cases.map((c) => c.surface))).toEqual(new Set(['HTTP API', 'CLI', 'chat ops', 'client']));
    });

    test.each(cases)(
      'given $input, when it comes through the $surface, then it is refused naming "$field" and nothing is started, written or sent',
      async (doorCase) => {
        const answer = await doorCase.send(doors);
        expect(answer).toMatchObject({ refused: true });
        expect(answer.text).toContain(doorCase.field);
        expect(await workflowsOnQueue()).toBe(0);
        expect(await databaseFingerprint(doors.env.db, BOOKKEEPING)).toEqual(before);
        expect(peerRequests()).toBe(0);
        expect(prototypeKeys()).toEqual(prototypes);
        await options.afterEachCase?.(doors);
      },
    );

    test('given every input above, when the worker has had time to act on anything that slipped through, then still no workflow, no write, no partner call, no prototype touched, memory bounded', async () => {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(await workflowsOnQueue()).toBe(0);
      expect(await databaseFingerprint(doors.env.db, BOOKKEEPING)).toEqual(before);
      expect(peerRequests()).toBe(0);
      expect(prototypeKeys()).toEqual(prototypes);
      const memory = rss.stop();
      console.log(
        `${title}: ${cases.length} cases; RSS ${memory.startMiB} → peak ${memory.peakMiB} MiB (+${memory.growthMiB} MiB)`,
      );
      expect(memory.growthMiB).toBeLessThan(MAX_RSS_GROWTH_MIB);
    });
  });
  return doors;
}
