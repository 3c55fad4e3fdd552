import fs from 'node:fs';
import path from 'node:path';
import { ChangeClient } from '../../src/client/change-client';
import { step } from '../devenv/log';
import { checkCampaign, targetLocksCollection, type CheckResult, type LockSource } from './checker';
import { driveChange, type DriveRecord } from './driver';
import { openEnvironment } from './environment';
import { seedAndBuild } from './fixtures';
import type { Manifest } from './manifest';
import { ChaosMonkey, type ChaosEvent } from './monkey';
import { campaignOptionsSchema, type CampaignOptions, type CampaignOptionsInput } from './options';
import { planChanges } from './plan';
import { Progress } from './progress';
import { Random } from './random';
import { inParallel } from './retry';
import { WorkerSupervisor } from './worker-process';
import { parseOrThrow } from '../../src/domain/validation';

export interface CampaignHooks {
  /** Where target locks live; default the product's `target_locks`. The checker reports locks left held. */
  lockSources?: LockSource[];
}

export interface CampaignFigures {
  seed: number;
  runId: string;
  durationMs: number;
  changes: number;
  completed: number;
  rolledBack: number;
  /** Of the rolled back: changes that completed and were rolled back later (option rollBackLater). */
  rolledBackLater: number;
  notTerminal: number;
  manualRollbacks: { accepted: number; refused: number };
  workerKills: number;
  killsDuringCompensation: number;
  unexpectedWorkerExits: number;
  failedWorkerStarts: number;
  workerStartupMs: { median: number; max: number };
  serverRestarts: number;
  /** Random faults the peers injected, by kind (both peers). */
  faults: { error: number; rateLimit: number; slow: number; drop: number; total: number };
  /** Scripted 400s (deterministic failures) and scripted late answers (wider compensation windows). */
  scripted: { refusals: number; slowCompensations: number };
  peerRequests: number;
  /** Start → closed per change, in ms. */
  settleMs: { median: number; p95: number; max: number };
  inconsistencies: number;
  /** What the monkey planned but the campaign ended before (a run that ends early does less). */
  notDone: { kills: number; serverRestarts: number; compensationKills: number };
}

export interface CampaignResult {
  figures: CampaignFigures;
  check: CheckResult;
  events: ChaosEvent[];
  drives: DriveRecord[];
  runDir: string;
}

/**
 * A crash campaign: N changes over flows, a CRM and partner webhooks, run by a worker process
 * that is SIGKILLed at random moments (and while compensating) against a Temporal dev server that
 * is crashed and restarted mid-run, with both partners injecting faults; then the independent
 * checker judges every change and target. Everything runs on loopback and is torn down at the end.
 */
export async function runCampaign(
  input: CampaignOptionsInput = {},
  hooks: CampaignHooks = {},
): Promise<CampaignResult> {
  const options: CampaignOptions = parseOrThrow(campaignOptionsSchema, input, 'campaign options');
  const startedAt = Date.now();
  const random = new Random(options.seed);
  const runId = `${options.seed.toString(36)}${startedAt.toString(36).slice(-4)}`;
  step(
    `chaos campaign ${runId}: ${options.changes} changes, ${options.kills} kills + ${options.compensationKills} during compensation, ${options.serverRestarts} server restart(s), seed ${options.seed}`,
  );
  const env = await openEnvironment(options, runId, random.fork('environment'));
  try {
    const plan = planChanges(options.changes, runId, random.fork('plan'), {
      manualRollbacks: options.rollbackVia !== 'none',
    });
    const manifest: Manifest = {
      runId,
      taskQueue: env.taskQueue,
      namespace: 'default',
      mongoDb: env.db.databaseName,
      crmUrl: env.crm.url,
      webhookUrl: env.webhook.url,
      prometheusUrl: env.prometheus.url,
      changes: await seedAndBuild(plan, {
        db: env.db,
        crm: env.crm,
        webhookUrl: env.webhook.url,
        runId,
        prometheus: env.prometheus,
      }),
    };
    // Workers are killed under the campaign: starts do not wait for one to answer.
    const changes = new ChangeClient(env.client, env.taskQueue, { admissionWaitMs: 0 });
    const worker = new WorkerSupervisor(env.workerEnv, path.join(env.runDir, 'logs'));
    await worker.startUntilReady();
    const progress = new Progress(env.client, env.taskQueue);
    const progressRun = progress.run(1000);
    const monkey = new ChaosMonkey(worker, env.temporal, progress, changes, options, random.fork('monkey'), startedAt);
    const monkeyRun = monkey
      .run()
      .catch((err: unknown) => step(`chaos: the monkey stopped: ${(err as Error).message}`));

    const deadline = startedAt + options.maxMinutes * 60_000;
    const drives: DriveRecord[] = [];
    await inParallel(manifest.changes, options.concurrency, async (change) => {
      try {
        drives.push(
          await driveChange(change, {
            changes,
            client: env.client,
            rollbackVia: options.rollbackVia === 'signal' ? 'signal' : 'update',
            rollBackLater: options.rollBackLater ? { taskQueue: env.taskQueue } : undefined,
            progress,
            deadline,
            stallMs: options.stallMinutes * 60_000,
          }),
        );
      } catch (err) {
        step(`chaos: driving ${change.changeId} failed: ${(err as Error).message}`);
      }
      if (drives.length % 10 === 0)
        step(
          `chaos: ${progress.closedCount}/${options.changes} settled, ${worker.kills} kill(s), ${env.temporal.restarts} server restart(s)`,
        );
    });
    monkey.stop();
    await monkeyRun;
    progress.stop();
    await progressRun;
    await worker.stop();
    fs.writeFileSync(path.join(env.runDir, 'manifest.json'), JSON.stringify(manifest, null, 2));

    step('chaos: all changes driven; checking');
    const check = await checkCampaign({
      manifest,
      client: env.client,
      db: env.db,
      lockSources: hooks.lockSources ?? [targetLocksCollection],
    });
    const figures = summarise(options, runId, startedAt, manifest, check, drives, worker, monkey, env);
    const result: CampaignResult = { figures, check, events: monkey.events, drives, runDir: env.runDir };
    fs.writeFileSync(path.join(env.runDir, 'result.json'), JSON.stringify(result, null, 2));
    return result;
  } finally {
    await env.close();
  }
}

function summarise(
  options: CampaignOptions,
  runId: string,
  startedAt: number,
  manifest: Manifest,
  check: CheckResult,
  drives: DriveRecord[],
  worker: WorkerSupervisor,
  monkey: ChaosMonkey,
  env: Awaited<ReturnType<typeof openEnvironment>>,
): CampaignFigures {
  const outcomes = Object.values(check.outcomes);
  const injected = [env.crm.stats(), env.webhook.stats()];
  const sum = (kind: 'error' | 'rate-limit' | 'slow' | 'drop' | 'status') =>
    injected.reduce((total, stats) => total + stats.faults[kind], 0);
  const scriptedSlow = Math.max(3, options.compensationKills * 3);
  const slowLeft = (peer: { faults: { current(): { script: { fault: string; count: number }[] } } }) =>
    peer.faults.current().script.find((s) => s.fault === 'slow')?.count ?? 0;
  const slowCompensations = 2 * scriptedSlow - slowLeft(env.crm) - slowLeft(env.webhook);
  const faults = {
    error: sum('error'),
    rateLimit: sum('rate-limit'),
    slow: sum('slow') - slowCompensations,
    drop: sum('drop'),
  };
  const settle = drives
    .filter((d) => d.settledAt !== undefined)
    .map((d) => d.settledAt! - d.startedAt)
    .sort((a, b) => a - b);
  const startups = [...worker.startupMs].sort((a, b) => a - b);
  const rollbacks = drives.filter((d) => d.rollback);
  return {
    seed: options.seed,
    runId,
    durationMs: Date.now() - startedAt,
    changes: manifest.changes.length,
    completed: outcomes.filter((o) => o === 'completed').length,
    rolledBack: outcomes.filter((o) => o === 'rolled-back').length,
    rolledBackLater: manifest.changes.filter((c) => c.rolledBackLater && check.outcomes[c.changeId] === 'rolled-back')
      .length,
    notTerminal: outcomes.filter((o) => o === 'not-terminal').length,
    manualRollbacks: {
      accepted: rollbacks.filter((d) => d.rollback!.answer === 'accepted' || d.rollback!.answer === 'already-requested')
        .length,
      refused: rollbacks.filter((d) => d.rollback!.answer === 'refused' || d.rollback!.answer === 'closed').length,
    },
    workerKills: worker.kills,
    killsDuringCompensation: monkey.compensationKills,
    unexpectedWorkerExits: worker.unexpectedExits,
    failedWorkerStarts: worker.failedStarts,
    workerStartupMs: { median: percentile(startups, 0.5), max: startups[startups.length - 1] ?? 0 },
    serverRestarts: env.temporal.restarts,
    faults: { ...faults, total: faults.error + faults.rateLimit + faults.slow + faults.drop },
    scripted: { refusals: sum('status'), slowCompensations },
    peerRequests: injected.reduce((total, stats) => total + stats.requests, 0),
    settleMs: { median: percentile(settle, 0.5), p95: percentile(settle, 0.95), max: settle[settle.length - 1] ?? 0 },
    inconsistencies: check.inconsistencies.length,
    notDone: monkey.pending(),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}
