import { randomUUID } from 'node:crypto';
import { ChangeClient } from '../../src/client/change-client';
import { step } from '../../tools/devenv/log';
import type { BenchContext } from '../context';
import { flowIds, patchSteps, seedFlows } from '../fixtures';
import { profileHistory, type HistoryProfile } from '../history';
import { cpuDelta } from '../proc';
import { createSagaActivities } from '../saga/activities';
import { ratio, summarize, type Summary } from '../stats';
import { runChange, runDirect, runSaga, type RunSample } from '../variants';
import type { WorkerSample } from '../worker/process';

export interface TtrOptions {
  runs: number;
  warmup: number;
  steps: number;
  /** Also run the product with payload encryption off, to show what encryption costs. */
  withPlain: boolean;
  /** Hard cap for the whole bench; runs stop when it passes. */
  capMs: number;
}

export type TtrVariant = 'ours' | 'saga' | 'direct' | 'ours-plain';

export const ttrLabels: Record<TtrVariant, string> = {
  ours: 'lead-rollback (encrypted)',
  saga: '(a) Temporal saga sample (encrypted)',
  direct: '(b) direct calls, no Temporal',
  'ours-plain': 'lead-rollback, encryption off',
};

export interface TtrVariantResult {
  samples: RunSample[];
  recover: Summary;
  /** Ours only: failure → post-rollback validation done (the report's timeToRecoverMs). */
  validated: Summary;
  wall: Summary;
  /** CPU ms per run, by process (worker, temporal, database, client), summed over the runs / runs. */
  cpuPerRunMs: Record<string, number>;
  history?: HistoryProfile;
  worker?: { atReady: WorkerSample; atEnd: WorkerSample };
}

export interface TtrResult {
  options: TtrOptions;
  truncated: boolean;
  variants: Partial<Record<TtrVariant, TtrVariantResult>>;
  ratios: {
    recoverP50VsSaga: number;
    recoverP95VsSaga: number;
    /** Ours failure → validated (the product's own time to recover) / (a) failure → restored. */
    validatedP50VsSaga: number;
    wallP50VsSaga: number;
    recoverP50VsDirect: number;
    /** (ours − baseline) / steps, on the p50 of failure → restored. */
    overheadMsPerStepVsSaga: number;
    overheadMsPerStepVsDirect: number;
    wallOverheadMsPerStepVsSaga: number;
    /** Encryption's share: ours encrypted / ours plain, p50 of failure → restored and of start → result. */
    encryptionRecoverP50: number;
    encryptionWallP50: number;
  };
}

/**
 * Bench 1, time to recover: a change of `steps` flow-config steps whose last step fails (policy
 * rollback), against (a) the saga-sample workflow and (b) direct calls doing the same writes.
 * Variants run interleaved (rotating order each round) so drift on a shared machine hits all alike.
 */
export async function benchTimeToRecover(ctx: BenchContext, options: TtrOptions): Promise<TtrResult> {
  const deadline = Date.now() + options.capMs;
  const variants: TtrVariant[] = ['ours', 'saga', 'direct', ...(options.withPlain ? (['ours-plain'] as const) : [])];
  const run = randomUUID().slice(0, 6);
  const queues = Object.fromEntries(variants.map((v) => [v, `bench-ttr-${v}-${run}`])) as Record<TtrVariant, string>;
  const dbNames = Object.fromEntries(variants.map((v) => [v, `bench_ttr_${v.replace('-', '_')}`])) as Record<
    TtrVariant,
    string
  >;
  for (const v of variants) await ctx.db(dbNames[v]).dropDatabase();

  type Running = Awaited<ReturnType<BenchContext['startWorker']>>;
  const workers: Partial<Record<TtrVariant, Running>> = {};
  // Started as the saga sample starts its workflows: without waiting for the admission.
  const changes = new ChangeClient(ctx.client(true), queues.ours, { admissionWaitMs: 0 });
  const plainChanges = new ChangeClient(ctx.client(false), queues['ours-plain'], { admissionWaitMs: 0 });
  const direct = createSagaActivities(ctx.db(dbNames.direct));
  const samples = Object.fromEntries(variants.map((v) => [v, [] as RunSample[]])) as Record<TtrVariant, RunSample[]>;
  const cpu = Object.fromEntries(variants.map((v) => [v, {} as Record<string, number>])) as Record<
    TtrVariant,
    Record<string, number>
  >;
  let truncated = false;
  let stopped: Awaited<ReturnType<typeof stopAll>>;

  try {
    workers.ours = await ctx.startWorker(`ttr-ours-${run}`, 'change', {
      taskQueue: queues.ours,
      dbName: dbNames.ours,
      encrypted: true,
    });
    workers.saga = await ctx.startWorker(`ttr-saga-${run}`, 'saga', {
      taskQueue: queues.saga,
      dbName: dbNames.saga,
      encrypted: true,
    });
    if (options.withPlain) {
      workers['ours-plain'] = await ctx.startWorker(`ttr-ours-plain-${run}`, 'change', {
        taskQueue: queues['ours-plain'],
        dbName: dbNames['ours-plain'],
        encrypted: false,
      });
    }
    for (let round = -options.warmup; round < options.runs; round++) {
      if (Date.now() > deadline) {
        truncated = true;
        step(`time to recover: hard cap reached after ${Math.max(round, 0)} measured round(s)`);
        break;
      }
      if (truncated) break;
      const order = rotate(variants, round + options.warmup);
      for (const variant of order) {
        const id = `ttr-${variant}-${run}-${round < 0 ? `w${-round}` : round}`;
        const flows = flowIds(id, options.steps);
        await seedFlows(ctx.db(dbNames[variant]), flows);
        const steps = patchSteps(flows, true);
        const before = ctx.cpu(workers[variant]);
        const timeoutMs = Math.max(5_000, deadline - Date.now() + 30_000);
        const pending =
          variant === 'ours'
            ? runChange(changes, id, steps, timeoutMs)
            : variant === 'ours-plain'
              ? runChange(plainChanges, id, steps, timeoutMs)
              : variant === 'saga'
                ? runSaga(ctx.client(true), queues.saga, id, steps, timeoutMs)
                : runDirect(direct, steps);
        let sample: RunSample;
        try {
          sample = await pending;
        } catch (err) {
          // A run cut off by the hard cap ends the bench with what was measured; anything else is a failure.
          if (Date.now() <= deadline) throw err;
          truncated = true;
          break;
        }
        if (sample.outcome !== 'rolled-back')
          throw new Error(`${variant} run ${id} ended ${sample.outcome}, expected rolled-back`);
        if (round < 0) continue;
        samples[variant].push(sample);
        for (const [name, ms] of Object.entries(cpuDelta(before, ctx.cpu(workers[variant]))))
          cpu[variant][name] = (cpu[variant][name] ?? 0) + ms;
      }
      if (round >= 0 && (round + 1) % 10 === 0) step(`time to recover: ${round + 1}/${options.runs} rounds`);
    }
  } finally {
    stopped = await stopAll(workers);
  }

  const results: Partial<Record<TtrVariant, TtrVariantResult>> = {};
  for (const variant of variants) {
    const list = samples[variant];
    const last = list[list.length - 1];
    const clientFor = variant === 'ours-plain' ? ctx.client(false) : ctx.client(true);
    results[variant] = {
      samples: list,
      recover: summarize(list.map((s) => s.recoverMs).filter((x): x is number => x !== undefined)),
      validated: summarize(list.map((s) => s.validatedMs).filter((x): x is number => x !== undefined)),
      wall: summarize(list.map((s) => s.wallMs)),
      cpuPerRunMs: Object.fromEntries(
        Object.entries(cpu[variant]).map(([k, ms]) => [k, list.length ? ms / list.length : Number.NaN]),
      ),
      history: last?.workflowId ? await profileHistory(clientFor, last.workflowId) : undefined,
      worker: stopped[variant],
    };
  }
  const ours = results.ours!;
  const saga = results.saga!;
  const directResult = results.direct!;
  const plain = results['ours-plain'];
  return {
    options,
    truncated,
    variants: results,
    ratios: {
      recoverP50VsSaga: ratio(ours.recover.p50, saga.recover.p50),
      recoverP95VsSaga: ratio(ours.recover.p95, saga.recover.p95),
      validatedP50VsSaga: ratio(ours.validated.p50, saga.recover.p50),
      wallP50VsSaga: ratio(ours.wall.p50, saga.wall.p50),
      recoverP50VsDirect: ratio(ours.recover.p50, directResult.recover.p50),
      overheadMsPerStepVsSaga: (ours.recover.p50 - saga.recover.p50) / options.steps,
      overheadMsPerStepVsDirect: (ours.recover.p50 - directResult.recover.p50) / options.steps,
      wallOverheadMsPerStepVsSaga: (ours.wall.p50 - saga.wall.p50) / options.steps,
      encryptionRecoverP50: plain ? ratio(ours.recover.p50, plain.recover.p50) : Number.NaN,
      encryptionWallP50: plain ? ratio(ours.wall.p50, plain.wall.p50) : Number.NaN,
    },
  };
}

function rotate<T>(list: T[], by: number): T[] {
  const k = ((by % list.length) + list.length) % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

async function stopAll(workers: Partial<Record<TtrVariant, Awaited<ReturnType<BenchContext['startWorker']>>>>) {
  const stopped: Partial<Record<TtrVariant, { atReady: WorkerSample; atEnd: WorkerSample }>> = {};
  for (const [variant, worker] of Object.entries(workers) as [
    TtrVariant,
    NonNullable<(typeof workers)[TtrVariant]>,
  ][]) {
    stopped[variant] = { atReady: worker.atReady, atEnd: await worker.stop() };
  }
  return stopped;
}
