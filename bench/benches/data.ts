import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ChangeClient } from '../../src/client/change-client';
import { step } from '../../tools/devenv/log';
import type { ChangeReport } from '../../src/domain/status';
import { activitySpans, type ActivitySpan } from '../activity-spans';
import type { BenchContext } from '../context';
import { patchSteps, seedFlows } from '../fixtures';
import { profileHistory } from '../history';
import { batchSpec, bulkChunk, rawBulkWrite, seedLeads, type BenchLead } from '../leads';
import { cpuDelta } from '../proc';
import { ratio, summarize, type Summary } from '../stats';

export interface DataOptions {
  sizes: number[];
  /** Runs per size below `largeFrom` leads. */
  reps: number;
  /** Runs per size of `largeFrom` leads or more (a 100 000-lead change takes ~15 minutes on FerretDB). */
  repsLarge: number;
  largeFrom: number;
  capMs: number;
}

/** One change over `size` leads on a fresh worker and database: the lead-data step, then a failing step. */
export interface DataRep {
  size: number;
  rep: number;
  /** Activity durations (scheduled → closed, server time) of the lead-data step's verbs, ms. */
  verbs: { snapshot: number; apply: number; verify: number; restore: number; verifyRestore: number };
  /** The report's step timings: snapshot + apply + verify, and restore + verify restore, ms. */
  step: { applyMs: number; compensateMs: number };
  raw: { applyMs: number; restoreMs: number };
  wallMs: number;
  restoredAll: boolean;
  historyLength: number;
  historySizeBytes: number;
  peakRssBytes?: number;
  rssAtStartBytes: number;
  /** The worker's heap right after a full GC at the end: memory it retained, not garbage. */
  heapAfterGcBytes?: number;
  cpuMs: Record<string, number>;
}

export interface DataSizeResult {
  size: number;
  reps: DataRep[];
  /** leads/s. */
  apply: Summary;
  restore: Summary;
  stepApply: Summary;
  stepCompensate: Summary;
  rawApply: Summary;
  rawRestore: Summary;
  peakRssBytes: Summary;
  historySizeBytes: Summary;
  historyLength: Summary;
}

export interface DataResult {
  options: DataOptions;
  truncated: boolean;
  sizes: DataSizeResult[];
  ratios: {
    /** Per size: ours / raw bulkWrite, leads/s (goal for restore ≥ 0.7). */
    restoreVsRaw: Record<number, number>;
    applyVsRaw: Record<number, number>;
    /** Largest size / smallest size (goal ≤ 1.2 for RSS; history ~1.0). */
    peakRss: number;
    historySize: number;
  };
}

/**
 * Bench 3, data rollback scale: a change whose first step is a lead-data batch over `size` leads
 * and whose second step fails, so the batch is restored (policy rollback). Apply and restore
 * throughput come from the activities' durations in the history; the floor is a raw bulkWrite of
 * the same updates on a copy of the same leads in the same database. Each (size, repetition) gets
 * a fresh worker (its peak RSS is that run's) and a fresh database.
 */
export async function benchDataScale(ctx: BenchContext, options: DataOptions): Promise<DataResult> {
  const deadline = Date.now() + options.capMs;
  const run = randomUUID().slice(0, 6);
  const reps: DataRep[] = [];
  let truncated = false;
  outer: for (const size of options.sizes) {
    const runs = size >= options.largeFrom ? options.repsLarge : options.reps;
    for (let rep = 0; rep < runs; rep++) {
      if (Date.now() > deadline) {
        truncated = true;
        step(`data: hard cap reached after ${reps.length} run(s)`);
        break outer;
      }
      reps.push(await oneRun(ctx, size, rep, run, deadline));
      const last = reps[reps.length - 1]!;
      step(
        `data: ${size} leads rep ${rep + 1}/${runs}: apply ${Math.round(size / (last.verbs.apply / 1000))} leads/s, restore ${Math.round(size / (last.verbs.restore / 1000))} leads/s (raw bulkWrite ${Math.round(size / (last.raw.restoreMs / 1000))})`,
      );
    }
  }
  const perSecond = (ms: number, size: number) => size / (ms / 1000);
  const sizes = options.sizes
    .map((size) => ({ size, mine: reps.filter((r) => r.size === size) }))
    .filter(({ mine }) => mine.length > 0)
    .map(({ size, mine }): DataSizeResult => ({
      size,
      reps: mine,
      apply: summarize(mine.map((r) => perSecond(r.verbs.apply, size))),
      restore: summarize(mine.map((r) => perSecond(r.verbs.restore, size))),
      stepApply: summarize(mine.map((r) => perSecond(r.step.applyMs, size))),
      stepCompensate: summarize(mine.map((r) => perSecond(r.step.compensateMs, size))),
      rawApply: summarize(mine.map((r) => perSecond(r.raw.applyMs, size))),
      rawRestore: summarize(mine.map((r) => perSecond(r.raw.restoreMs, size))),
      peakRssBytes: summarize(mine.flatMap((r) => (r.peakRssBytes === undefined ? [] : [r.peakRssBytes]))),
      historySizeBytes: summarize(mine.map((r) => r.historySizeBytes)),
      historyLength: summarize(mine.map((r) => r.historyLength)),
    }));
  const smallest = sizes[0];
  const largest = sizes[sizes.length - 1];
  return {
    options,
    truncated,
    sizes,
    ratios: {
      restoreVsRaw: Object.fromEntries(sizes.map((s) => [s.size, ratio(s.restore.median, s.rawRestore.median)])),
      applyVsRaw: Object.fromEntries(sizes.map((s) => [s.size, ratio(s.apply.median, s.rawApply.median)])),
      peakRss:
        smallest && largest && smallest !== largest
          ? ratio(largest.peakRssBytes.median, smallest.peakRssBytes.median)
          : Number.NaN,
      historySize:
        smallest && largest && smallest !== largest
          ? ratio(largest.historySizeBytes.median, smallest.historySizeBytes.median)
          : Number.NaN,
    },
  };
}

async function oneRun(ctx: BenchContext, size: number, rep: number, run: string, deadline: number): Promise<DataRep> {
  const dbName = `bench_data_${run}_${size}_${rep}`;
  const db = ctx.db(dbName);
  await db.dropDatabase();
  const phase = (what: string) => step(`data: ${size} leads, run ${rep + 1}: ${what}`);
  try {
    phase('seeding the leads');
    await seedLeads(db.collection<BenchLead>('leads'), size);
    // The floor first, on the same leads: the same updates as raw bulkWrites, then their undo,
    // which leaves every lead exactly as seeded for the change.
    phase('raw bulkWrite floor');
    const chunk = bulkChunk(ctx.services.database.kind);
    const raw = {
      applyMs: await rawBulkWrite(db, 'leads', size, 'apply', chunk),
      restoreMs: await rawBulkWrite(db, 'leads', size, 'restore', chunk),
    };
    const changeId = `data-${run}-${size}-${rep}`;
    const flowId = `${changeId}-flow`;
    await seedFlows(db, [flowId]);
    const request = {
      title: `bench: ${size} leads`,
      requestedBy: 'bench@example.com',
      risk: 'low',
      steps: [
        { id: 'reassign', target: 'lead-data', spec: batchSpec('leads') },
        { id: 'then-fail', target: 'flow-config', spec: patchSteps([flowId], true)[0] },
      ],
      policy: { onStepFailure: 'rollback' },
    };
    const taskQueue = `bench-data-${run}-${size}-${rep}`;
    const worker = await ctx.startWorker(`data-${run}-${size}-${rep}`, 'change', {
      taskQueue,
      dbName,
      encrypted: true,
    });
    let report: ChangeReport;
    let wallMs: number;
    let cpuMs: Record<string, number>;
    let atEnd: Awaited<ReturnType<typeof worker.stop>>;
    try {
      const changes = new ChangeClient(ctx.client(true), taskQueue, { admissionWaitMs: 0 });
      const before = ctx.cpu(worker);
      const started = performance.now();
      phase('the change (apply, then roll back)');
      await changes.start(request, { changeId });
      report = await withDeadline(changes.result(changeId), deadline + 60_000, changeId);
      wallMs = performance.now() - started;
      cpuMs = cpuDelta(before, ctx.cpu(worker));
    } finally {
      atEnd = await worker.stop();
    }
    phase('reading the history');
    const workflowId = `change-${changeId}`;
    const spans = await activitySpans(ctx.client(true), workflowId);
    const history = await profileHistory(ctx.client(true), workflowId);
    const restoredCount = await db.collection<BenchLead>('leads').countDocuments({ status: 'new', owner: 'pool' });
    const stepStatus = report.steps.find((s) => s.id === 'reassign');
    const timings = stepStatus?.timings;
    return {
      size,
      rep,
      verbs: {
        snapshot: verb(spans, 'snapshotStep'),
        apply: verb(spans, 'applyStep'),
        verify: verb(spans, 'verifyStep'),
        restore: verb(spans, 'restoreStep'),
        verifyRestore: verb(spans, 'verifyRestoreStep'),
      },
      step: {
        applyMs: span(timings?.applyStartedAt, timings?.appliedAt),
        compensateMs: span(timings?.compensationStartedAt, timings?.compensatedAt),
      },
      raw,
      wallMs,
      restoredAll: report.phase === 'rolled-back' && stepStatus?.state === 'restored' && restoredCount === size,
      historyLength: history.historyLength,
      historySizeBytes: history.historySizeBytes,
      peakRssBytes: atEnd.vmHwmBytes ?? atEnd.maxRssBytes,
      rssAtStartBytes: worker.atReady.rssBytes,
      heapAfterGcBytes: atEnd.heapUsedAfterGcBytes,
      cpuMs,
    };
  } finally {
    phase('dropping the database');
    await db.dropDatabase();
  }
}

/** Duration of the lead-data step's first activity of a type (the compensation's, not the validation's, for verifyRestore). */
function verb(spans: ActivitySpan[], type: string): number {
  return (
    spans.find((s) => s.type === type && s.stepId === 'reassign' && s.outcome === 'completed')?.durationMs ?? Number.NaN
  );
}

function span(from?: string, to?: string): number {
  return from && to ? Date.parse(to) - Date.parse(from) : Number.NaN;
}

async function withDeadline<T>(promise: Promise<T>, at: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish before the hard cap`)),
      Math.max(1000, at - Date.now()),
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
