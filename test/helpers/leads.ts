import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { Db } from 'mongodb';
import { createActivities } from '../../src/activities';
import type { ApplyOutcome, RecoveryPointRef, RestoreOutcome } from '../../src/domain/outcomes';
import type { Step } from '../../src/domain/change-request';

export interface SeedOptions {
  collection?: string;
  prefix?: string;
  /** Leads per insertMany. */
  chunk?: number;
}

/** `count` leads with string ids `<prefix>-0000000…`; every other one has status "new", the rest "old". */
export async function seedLeads(db: Db, count: number, options: SeedOptions = {}): Promise<string[]> {
  const { collection = 'leads', prefix = 'lead', chunk = 5000 } = options;
  const ids: string[] = [];
  for (let start = 0; start < count; start += chunk) {
    const docs = [];
    for (let i = start; i < Math.min(count, start + chunk); i++) {
      const _id = `${prefix}-${String(i).padStart(7, '0')}`;
      ids.push(_id);
      docs.push({
        _id,
        status: i % 2 === 0 ? 'new' : 'old',
        state: i % 3 === 0 ? 'TX' : 'CA',
        owner: 'pool',
        score: i % 100,
        contact: { email: `l${i}@example.com` },
      });
    }
    await db.collection<{ _id: string }>(collection).insertMany(docs, { ordered: false });
  }
  return ids;
}

export interface PhaseMetrics {
  phase: string;
  seconds: number;
  leadsPerSecond: number;
  /** Highest resident set size sampled during the phase, MiB. */
  peakRssMiB: number;
  /** The process's peak RSS so far (process.resourceUsage().maxRSS), MiB. */
  processMaxRssMiB: number;
}

/** Runs `fn` while sampling RSS; returns its result with the phase's timing and memory. */
export async function measure<T>(
  phase: string,
  leads: number,
  fn: () => Promise<T>,
): Promise<{ result: T; metrics: PhaseMetrics }> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  const started = process.hrtime.bigint();
  try {
    const result = await fn();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    peak = Math.max(peak, process.memoryUsage().rss);
    const metrics = {
      phase,
      seconds: Number(seconds.toFixed(2)),
      leadsPerSecond: Math.round(leads / seconds),
      peakRssMiB: Math.round(peak / 2 ** 20),
      processMaxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    return { result, metrics };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * A batch change of `count` leads run through the real activities (Temporal's activity context
 * from MockActivityEnvironment, the real adapters, the real database): snapshot, apply, verify,
 * restore, verify restore; each phase measured.
 */
export async function runLeadBatch(db: Db, count: number, log: (line: string) => void = () => {}) {
  const step: Step = {
    id: 'reassign-new-leads',
    target: 'lead-data',
    spec: {
      collection: 'leads',
      filter: { status: 'new' },
      set: { owner: 'partner-east', status: 'assigned' },
      unset: ['score'],
    },
  };
  const input = { changeId: `batch-${count}`, step };
  const activities = createActivities({ db });
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('WARN') });
  const seeded = await measure('seed', count, () => seedLeads(db, count));
  log(`seeded ${count} leads in ${seeded.metrics.seconds}s`);
  const selected = Math.ceil(count / 2);
  const phases: PhaseMetrics[] = [seeded.metrics];
  const run = async <R>(phase: string, fn: () => Promise<R>) => {
    const { result, metrics } = await measure(phase, selected, fn);
    phases.push(metrics);
    log(
      `${phase}: ${metrics.seconds}s, ${metrics.leadsPerSecond} leads/s, peak RSS ${metrics.peakRssMiB} MiB (process max ${metrics.processMaxRssMiB} MiB)`,
    );
    return result;
  };
  const point = (await run('snapshot', () => env.run(activities.snapshotStep, input))) as RecoveryPointRef;
  const applied = (await run('apply', () => env.run(activities.applyStep, input))) as ApplyOutcome;
  await run('verify', () => env.run(activities.verifyStep, input));
  const restored = (await run('restore', () => env.run(activities.restoreStep, input))) as RestoreOutcome;
  await run('verify restore', () => env.run(activities.verifyRestoreStep, input));
  return { selected, point, applied, restored, phases };
}
