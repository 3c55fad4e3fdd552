import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ChangeClient } from '../../src/client/change-client';
import { step } from '../../tools/devenv/log';
import type { BenchContext } from '../context';
import { flowIds, patchSteps, seedFlows } from '../fixtures';
import { profileHistory, type HistoryProfile } from '../history';
import { cpuDelta } from '../proc';
import { ratio, summarize, type Summary } from '../stats';
import { runChange, runSaga, type RunSample } from '../variants';
import type { WorkerSample } from '../worker/process';

export interface ThroughputOptions {
  changes: number;
  steps: number;
  reps: number;
  /** Changes run (and not measured) on each fresh worker first, so both start warm. */
  warmup: number;
  capMs: number;
}

export type TpVariant = 'ours' | 'saga';

export const tpLabels: Record<TpVariant, string> = {
  ours: 'lead-rollback (encrypted)',
  saga: '(a) Temporal saga sample (encrypted)',
};

/** One repetition: `changes` started at once on a fresh worker, timed until the last is terminal. */
export interface TpRep {
  variant: TpVariant;
  rep: number;
  elapsedMs: number;
  changesPerSecond: number;
  completed: number;
  rolledBack: number;
  failed: number;
  /** Start → result of each change, ms. */
  latencyMs: number[];
  /** CPU ms over the measured window, by process. */
  cpuMs: Record<string, number>;
  worker: { atReady: WorkerSample; atEnd: WorkerSample };
}

export interface TpVariantResult {
  reps: TpRep[];
  changesPerSecond: Summary;
  latencyMs: Summary;
  peakRssBytes: Summary;
  /** CPU ms per change, by process, median over repetitions. */
  cpuMsPerChange: Record<string, number>;
  history: { completed?: HistoryProfile; rolledBack?: HistoryProfile };
}

export interface ThroughputResult {
  options: ThroughputOptions;
  truncated: boolean;
  variants: Partial<Record<TpVariant, TpVariantResult>>;
  /** ours / (a), medians: changes per second (goal ≥ 0.8) and peak RSS. */
  ratios: { changesPerSecond: number; peakRss: number };
}

/**
 * Bench 2, throughput: `changes` concurrent changes of `steps` flow-config steps, every other one
 * failing at its last step (so half roll back), on one fresh worker per repetition; the same for
 * baseline (a). Variants alternate, and which goes first alternates per repetition.
 */
export async function benchThroughput(ctx: BenchContext, options: ThroughputOptions): Promise<ThroughputResult> {
  const deadline = Date.now() + options.capMs;
  const run = randomUUID().slice(0, 6);
  const variants: TpVariant[] = ['ours', 'saga'];
  const dbName = (v: TpVariant) => `bench_tp_${v}`;
  for (const v of variants) await ctx.db(dbName(v)).dropDatabase();
  const reps: TpRep[] = [];
  const lastIds: Partial<Record<TpVariant, { completed?: string; rolledBack?: string }>> = {};
  let truncated = false;

  for (let rep = 0; rep < options.reps && !truncated; rep++) {
    for (const variant of rep % 2 === 0 ? variants : [...variants].reverse()) {
      if (Date.now() > deadline) {
        truncated = true;
        step(`throughput: hard cap reached after ${reps.length} repetition(s)`);
        break;
      }
      const taskQueue = `bench-tp-${variant}-${run}-${rep}`;
      const worker = await ctx.startWorker(`tp-${variant}-${run}-${rep}`, variant === 'ours' ? 'change' : 'saga', {
        taskQueue,
        dbName: dbName(variant),
        encrypted: true,
      });
      try {
        const db = ctx.db(dbName(variant));
        const ids = Array.from(
          { length: options.warmup + options.changes },
          (_, i) => `tp-${variant}-${run}-${rep}-${i}`,
        );
        await seedFlows(
          db,
          ids.flatMap((id) => flowIds(id, options.steps)),
        );
        const changes = new ChangeClient(ctx.client(true), taskQueue, { admissionWaitMs: 0 });
        const one = (id: string, i: number): Promise<RunSample> => {
          const steps = patchSteps(flowIds(id, options.steps), i % 2 === 1);
          const timeoutMs = Math.max(10_000, deadline - Date.now() + 60_000);
          return variant === 'ours'
            ? runChange(changes, id, steps, timeoutMs)
            : runSaga(ctx.client(true), taskQueue, id, steps, timeoutMs);
        };
        await Promise.all(ids.slice(0, options.warmup).map(one));
        const measured = ids.slice(options.warmup);
        const before = ctx.cpu(worker);
        const started = performance.now();
        const settled = await Promise.allSettled(measured.map((id, i) => one(id, i)));
        const elapsedMs = performance.now() - started;
        const cpuMs = cpuDelta(before, ctx.cpu(worker));
        const samples = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
        const failures = settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
        if (failures.length > 0) {
          step(`throughput: ${failures.length} ${variant} change(s) did not finish: ${failures[0]}`);
          // End them, so no wait for their result outlives the bench (and its connection).
          const unfinished = measured.filter((_, i) => settled[i]!.status === 'rejected');
          await Promise.all(
            unfinished.map((id) =>
              ctx
                .client(true)
                .workflow.getHandle(variant === 'ours' ? `change-${id}` : id)
                .terminate('bench: did not finish in time')
                .catch(() => undefined),
            ),
          );
        }
        lastIds[variant] = { completed: measured[0], rolledBack: measured[1] };
        const atEnd = await worker.stop();
        reps.push({
          variant,
          rep,
          elapsedMs,
          changesPerSecond: (samples.length / elapsedMs) * 1000,
          completed: samples.filter((s) => s.outcome === 'completed').length,
          rolledBack: samples.filter((s) => s.outcome === 'rolled-back').length,
          failed: failures.length,
          latencyMs: samples.map((s) => s.wallMs),
          cpuMs,
          worker: { atReady: worker.atReady, atEnd },
        });
        step(
          `throughput: ${variant} rep ${rep + 1}/${options.reps}: ${((samples.length / elapsedMs) * 1000).toFixed(1)} changes/s`,
        );
      } catch (err) {
        await worker.stop().catch(() => undefined);
        throw err;
      }
    }
  }

  const results: Partial<Record<TpVariant, TpVariantResult>> = {};
  for (const variant of variants) {
    const mine = reps.filter((r) => r.variant === variant);
    if (mine.length === 0) continue;
    const client = ctx.client(true);
    const ids = lastIds[variant] ?? {};
    const workflowId = (changeId: string) => (variant === 'ours' ? `change-${changeId}` : changeId);
    const processes = [...new Set(mine.flatMap((r) => Object.keys(r.cpuMs)))];
    results[variant] = {
      reps: mine,
      changesPerSecond: summarize(mine.map((r) => r.changesPerSecond)),
      latencyMs: summarize(mine.flatMap((r) => r.latencyMs)),
      peakRssBytes: summarize(mine.map((r) => r.worker.atEnd.vmHwmBytes ?? r.worker.atEnd.maxRssBytes)),
      cpuMsPerChange: Object.fromEntries(
        processes.map((p) => [
          p,
          summarize(mine.map((r) => (r.cpuMs[p] ?? Number.NaN) / (r.completed + r.rolledBack))).median,
        ]),
      ),
      history: {
        completed: ids.completed ? await profileHistory(client, workflowId(ids.completed)) : undefined,
        rolledBack: ids.rolledBack ? await profileHistory(client, workflowId(ids.rolledBack)) : undefined,
      },
    };
  }
  const ours = results.ours;
  const saga = results.saga;
  return {
    options,
    truncated,
    variants: results,
    ratios: {
      changesPerSecond: ratio(ours?.changesPerSecond.median ?? Number.NaN, saga?.changesPerSecond.median ?? Number.NaN),
      peakRss: ratio(ours?.peakRssBytes.median ?? Number.NaN, saga?.peakRssBytes.median ?? Number.NaN),
    },
  };
}
