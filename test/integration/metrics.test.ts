import fs from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { apiMetrics } from '../../src/api/metrics';
import { changeRequestSchema } from '../../src/domain/change-request';
import type { ChangeReport } from '../../src/domain/status';
import type { Observation } from '../../src/domain/telemetry';
import { waitingCounter } from '../../src/client/waiting-count';
import type { ScrapeServer } from '../../src/telemetry/scrape-server';
import { WorkerSupervisor } from '../../tools/chaos/worker-process';
import { projectRoot, scratchDir } from '../../tools/devenv/paths';
import { freePort } from '../../tools/devenv/ports';
import { startPrometheus, type DevPrometheus } from '../../tools/devenv/prometheus';
import { call, startApi, type RunningApi } from '../helpers/api-server';
import { capStep, failingStep, levels, request, waitForQuestion } from '../helpers/changes';
import { cliEnv } from '../helpers/cli';
import { seedFlows } from '../helpers/flows';
import { eventually, openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { seedLeads } from '../helpers/leads';

const TOKEN = 'metrics-token-0001';
const ALERT_RULES = path.join(projectRoot, 'deploy/prometheus/alerts.yml');
const DECIDER = 'oncall@example.com';

/** The exposition text's samples: name, labels and value of every line that is not a comment. */
function samples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line)!;
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]),
      );
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

/** The value of the one sample with this name and these labels (among others), or undefined. */
function valueOf(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return samples(text).find(
    (s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value),
  )?.value;
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

/**
 * The worker runs as its own process (`node --import tsx src/worker.ts`, as deployed): the SDK's
 * Prometheus exporter is part of the Temporal runtime, installed once per process before any
 * connection, and jest's integration workers have installed theirs already (test/setup).
 */
describe('metrics: what the worker and the API export for Prometheus', () => {
  let env: TestEnv;
  let logDir: string;
  let worker: WorkerSupervisor | undefined;
  let api: RunningApi | undefined;
  let apiScrape: ScrapeServer | undefined;
  let prometheus: DevPrometheus | undefined;
  let finished = false;

  beforeEach(async () => {
    env = await openTestEnv();
    logDir = fs.mkdtempSync(path.join(scratchDir, 'metrics-'));
  });
  afterEach(async () => {
    await prometheus?.stop();
    await worker?.stop();
    await apiScrape?.close();
    await api?.close();
    await env.close();
    if (finished) fs.rmSync(logDir, { recursive: true, force: true });
    else console.error(`metrics: worker logs kept in ${logDir}`);
  });

  test('given a change that fails a step and is rolled back by a person, then the worker counts it by outcome, cause and target, the API counts the wait and its requests, and no label names the change', async () => {
    const [flowId] = [uniqueId('flow')];
    await seedFlows(env.db, [flowId]);
    // Every other lead is "new": the lead-data step reassigns those, and its rollback puts them back.
    const leads = await seedLeads(env.db, 6, { collection: 'metric_leads', prefix: uniqueId('lead') });
    const metricsPort = await freePort();
    worker = new WorkerSupervisor({ ...cliEnv(env), METRICS_PORT: String(metricsPort) }, logDir);
    await worker.startUntilReady();
    const workerMetrics = `http://127.0.0.1:${metricsPort}`;

    const metrics = apiMetrics(waitingCounter(env.client, env.taskQueue));
    api = await startApi(env, {
      tokens: { [TOKEN]: { actor: 'requester@example.com', roles: ['requester', 'approver'], groups: [] } },
      telemetry: metrics.telemetry,
    });
    apiScrape = await metrics.listen({ host: '127.0.0.1', port: 0 }, (message, err) => console.error(message, err));
    // A real Prometheus scrapes both, as in production, and evaluates the example alert rules.
    prometheus = await startPrometheus({
      scrape: [
        { job: 'lead-rollback-worker', targets: [`127.0.0.1:${metricsPort}`] },
        { job: 'lead-rollback-api', targets: [new URL(apiScrape.url).host] },
      ],
      ruleFiles: [ALERT_RULES],
    });

    const changeId = uniqueId('metrics');
    await env.changes.start(
      request({
        steps: [
          {
            id: 'owners',
            target: 'lead-data',
            spec: { collection: 'metric_leads', filter: { status: 'new' }, set: { owner: 'partner-east' } },
          },
          capStep('cap', flowId, 30),
          failingStep('broken', flowId),
        ],
        // `webhook:on-call` is a channel this worker has no configuration for: a notification failure.
        policy: { onStepFailure: 'ask', escalation: { levels: levels(['on-call', [DECIDER], '1h']) } },
      }),
      { changeId },
    );
    await waitForQuestion(env.changes, changeId, { kind: 'step-failure' });

    // While the question waits, the API counts the change among those waiting on people.
    const waiting = { phase: 'awaiting-decision', escalation_level: '0' };
    const apiText = await eventually(async () => {
      const text = await scrape(apiScrape!.url);
      return valueOf(text, 'lead_rollback_changes_waiting_on_people', waiting) === 1 ? text : undefined;
    });
    expect(valueOf(apiText, 'lead_rollback_changes_waiting_on_people', { phase: 'held' })).toBe(0);
    // The notification that asks runs beside the saga (nothing waits for it): counted once it is recorded.
    const asked = await eventually(async () => {
      const text = await scrape(workerMetrics);
      return valueOf(text, 'lead_rollback_questions_asked_total', { question_kind: 'step-failure' }) ? text : undefined;
    });
    expect(valueOf(asked, 'lead_rollback_questions_asked_total', { question_kind: 'step-failure' })).toBe(1);
    expect(valueOf(asked, 'lead_rollback_changes_started_total')).toBe(1);

    const status = await call(api, 'GET', `/v1/changes/${changeId}`, { token: TOKEN });
    expect(status.status).toBe(200);
    await env.changes.decide(changeId, { decision: 'rollback', actor: DECIDER });
    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('rolled-back');

    const text = await scrape(workerMetrics);
    expect(valueOf(text, 'lead_rollback_changes_settled_total', { outcome: 'rolled-back', run_kind: 'change' })).toBe(
      1,
    );
    expect(
      valueOf(text, 'lead_rollback_rollbacks_total', { reason_category: 'none', trigger: 'none', cause: 'StepFailed' }),
    ).toBe(1);
    expect(valueOf(text, 'lead_rollback_steps_settled_total', { target_kind: 'lead-data', state: 'restored' })).toBe(1);
    expect(valueOf(text, 'lead_rollback_steps_settled_total', { target_kind: 'flow-config', state: 'failed' })).toBe(1);
    expect(valueOf(text, 'lead_rollback_time_to_recover_seconds_count')).toBe(1);
    expect(valueOf(text, 'lead_rollback_lead_rows_restored_total')).toBe(leads.length / 2);
    expect(
      valueOf(text, 'lead_rollback_decisions_total', { question_kind: 'step-failure', decision: 'rollback' }),
    ).toBe(1);
    expect(valueOf(text, 'lead_rollback_decision_wait_seconds_count', { question_kind: 'step-failure' })).toBe(1);
    expect(
      valueOf(text, 'lead_rollback_notification_failures_total', { channel_kind: 'webhook', reason: 'not-configured' }),
    ).toBeGreaterThanOrEqual(1);
    // The SDK's runtime metrics come through the same endpoint, named as Prometheus expects.
    expect(samples(text).filter((s) => s.name.startsWith('temporal_')).length).toBeGreaterThan(10);
    expect(valueOf(text, 'temporal_worker_task_slots_available', { worker_type: 'WorkflowWorker' })).toBeGreaterThan(0);
    expect(valueOf(text, 'temporal_workflow_completed_total')).toBeGreaterThanOrEqual(1);

    // The API timed the status request under its route template.
    const afterApi = await scrape(apiScrape.url);
    expect(
      valueOf(afterApi, 'lead_rollback_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/v1/changes/:changeId',
        status_code: '200',
      }),
    ).toBeGreaterThanOrEqual(1);

    // Through Prometheus: the rollback is queryable by its labels, and every alert rule evaluates.
    const [rollbacks] = await eventually(async () => {
      const result = await prometheus!.query('sum by (cause) (lead_rollback_rollbacks_total)');
      return result.length > 0 ? result : undefined;
    });
    expect(rollbacks).toMatchObject({ metric: { cause: 'StepFailed' }, value: [expect.any(Number), '1'] });
    const [slots] = await prometheus.query('min(temporal_worker_task_slots_available{worker_type="WorkflowWorker"})');
    expect(Number(slots!.value[1])).toBeGreaterThan(0);
    const rules = await eventually(async () => {
      const response = await fetch(`${prometheus!.url}/api/v1/rules`);
      const body = (await response.json()) as {
        data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
      };
      const all = body.data.groups.flatMap((group) => group.rules);
      return all.length > 0 && all.every((rule) => rule.health === 'ok') ? all : undefined;
    });
    expect(rules.length).toBeGreaterThanOrEqual(10);

    // No series names the change, its workflow, a person or a lead.
    const forbidden = [changeId, DECIDER, 'requester@example.com', ...leads];
    const values = [...samples(text), ...samples(afterApi)].flatMap((s) => Object.values(s.labels));
    expect(values.filter((value) => forbidden.some((word) => value.includes(word)))).toEqual([]);
    finished = true;
  });
});

describe('metrics: a report or a request stored again counts once', () => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await openTestEnv();
  });
  afterEach(() => env.close());

  test('given the activities that store a request and a report, when each runs twice (a retry), then each is counted once', async () => {
    const observed: Observation[] = [];
    const activities = createActivities({ db: env.db, telemetry: { record: (o) => observed.push(...o) } });
    const activityEnv = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const changeId = uniqueId('again');
    const input = { changeId, request: changeRequestSchema.parse(request({ steps: [capStep('cap', 'f', 1)] })) };
    const report: ChangeReport = {
      changeId,
      title: 'Test change',
      phase: 'completed',
      requestedBy: 'requester@example.com',
      startedAt: new Date(0).toISOString(),
      finishedAt: new Date(1000).toISOString(),
      steps: [{ id: 'cap', target: 'flow-config', state: 'applied' }],
      pendingDecisions: [],
      decisions: [],
      timeline: [],
    };

    for (let attempt = 0; attempt < 2; attempt++) {
      await activityEnv().run(activities.saveChangeRequest, input);
      await activityEnv().run(activities.saveReport, report);
    }

    expect(observed.map((o) => o.metric)).toEqual([
      'lead_rollback_changes_started_total',
      'lead_rollback_changes_settled_total',
      'lead_rollback_change_duration_seconds',
      'lead_rollback_steps_settled_total',
    ]);
  });
});
