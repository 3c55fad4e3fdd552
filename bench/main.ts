import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { step } from '../tools/devenv/log';
import { projectRoot, scratchDir } from '../tools/devenv/paths';
import { benchDataScale, type DataResult } from './benches/data';
import { benchThroughput, type ThroughputResult } from './benches/throughput';
import { benchTimeToRecover, type TtrResult } from './benches/ttr';
import { openBenchContext, type WorkerTuning } from './context';
import { describeMachine, machineInfo } from './machine';
import { parseBenchOptions, type BenchName } from './options';
import { dataTables } from './tables/data';
import { throughputTables } from './tables/throughput';
import { ttrTables } from './tables/ttr';
import { startBenchServices } from './services';

/**
 * Worker tuning, identical for the product's worker and baseline (a)'s. The SDK defaults, with a
 * short shutdown grace so stopping a worker between benches is quick.
 */
const defaultTuning: WorkerTuning = { shutdownGraceTime: '2s' };

/**
 * FerretDB on SQLite deadlocks when about 100 update statements are in flight at once (its pool
 * of SQLite connections), and SQLITE_BUSY grows with concurrency: with the SDK's default of 100
 * concurrent activities, 200 changes at once stalled baseline (a) completely. Every worker under
 * test (ours and the baselines alike) is capped below that on FerretDB unless told otherwise.
 */
const ferretDbTuning: WorkerTuning = { maxConcurrentActivityTaskExecutions: 32 };

async function main(): Promise<number> {
  const options = parseBenchOptions(process.argv.slice(2));
  const outDir = path.resolve(projectRoot, options.outDir);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logDir = path.join(outDir, 'logs', stamp);
  fs.mkdirSync(logDir, { recursive: true });
  const started = Date.now();
  const services = await startBenchServices(scratchDir);
  const workerTuning: WorkerTuning = {
    ...defaultTuning,
    ...(services.database.kind === 'ferretdb' ? ferretDbTuning : {}),
    ...(options.workerOptions as WorkerTuning),
  };
  const mongo = await MongoClient.connect(services.database.uri);
  const cleanup = async () => {
    await mongo.close();
    await services.stop();
  };
  process.once('SIGINT', () => {
    step('interrupted: stopping the servers');
    void cleanup().finally(() => process.exit(130));
  });
  const results: {
    ttr?: TtrResult;
    throughput?: ThroughputResult;
    data?: DataResult;
    /** 1-minute load average before and after each bench: the machine is shared, so say how busy it was. */
    load: Partial<Record<BenchName, { before: number; after: number; durationMs: number }>>;
    errors: Partial<Record<BenchName, string>>;
  } = { load: {}, errors: {} };
  let ctx: Awaited<ReturnType<typeof openBenchContext>> | undefined;
  try {
    const build = (await mongo.db('admin').command({ buildInfo: 1 })) as { version?: string; ferretdbVersion?: string };
    const machine = machineInfo(services.database.kind, build.ferretdbVersion ?? build.version);
    step(`machine: ${describeMachine(machine)}`);
    step(
      `payload encryption: ${options.encryption ? 'ON (AES-256-GCM, production configuration)' : 'OFF (--no-encryption)'}`,
    );
    step(`worker options for every worker under test: ${JSON.stringify(workerTuning)}`);
    ctx = await openBenchContext(services, mongo, logDir, workerTuning);
    const sections: string[] = [];
    const attempt = async (name: BenchName, title: string, fn: () => Promise<string>) => {
      if (!options.only.includes(name)) return;
      step(`bench ${title}`);
      const before = os.loadavg()[0]!;
      const t0 = Date.now();
      try {
        const text = await fn();
        results.load[name] = { before, after: os.loadavg()[0]!, durationMs: Date.now() - t0 };
        sections.push(
          text,
          `  (took ${((Date.now() - t0) / 60_000).toFixed(1)} min; 1-min load average ${before.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after, on ${os.cpus().length} cores)`,
          '',
        );
      } catch (err) {
        results.errors[name] = err instanceof Error ? (err.stack ?? err.message) : String(err);
        sections.push(`${title}: FAILED — ${err instanceof Error ? err.message : String(err)}`, '');
        step(`bench ${title} failed: ${String(err)}`);
      }
    };
    await attempt('ttr', '1/3: time to recover', async () => {
      results.ttr = await benchTimeToRecover(ctx!, {
        runs: options.ttrRuns,
        warmup: options.ttrWarmup,
        steps: options.ttrSteps,
        withPlain: options.ttrPlain,
        capMs: options.capMinutes.ttr * 60_000,
      });
      return ttrTables(results.ttr);
    });
    await attempt('throughput', '2/3: throughput', async () => {
      results.throughput = await benchThroughput(ctx!, {
        changes: options.changes,
        steps: options.tpSteps,
        reps: options.tpReps,
        warmup: Math.min(10, options.changes),
        capMs: options.capMinutes.throughput * 60_000,
      });
      return throughputTables(results.throughput);
    });
    await attempt('data', '3/3: data rollback scale', async () => {
      results.data = await benchDataScale(ctx!, {
        sizes: options.sizes,
        reps: options.dataReps,
        repsLarge: options.dataRepsLarge,
        largeFrom: 50_000,
        capMs: options.capMinutes.data * 60_000,
      });
      return dataTables(results.data);
    });
    const output = [
      `Benchmarks on ${describeMachine(machine)}; payload encryption ${options.encryption ? 'on' : 'off'}; worker options ${JSON.stringify(workerTuning)}`,
      '',
      ...sections,
    ].join('\n');
    console.log(`\n${output}\n`);
    const file = path.join(outDir, `bench-${stamp}.json`);
    const json = {
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      options,
      workerTuning,
      encryption: options.encryption,
      machine,
      results,
    };
    const text = `${JSON.stringify(json, null, 2)}\n`;
    fs.writeFileSync(file, text);
    fs.writeFileSync(path.join(outDir, 'latest.json'), text);
    fs.writeFileSync(path.join(outDir, 'latest.txt'), `${output}\n`);
    step(
      `results: ${path.relative(process.cwd(), file)} (raw samples, summaries, machine); took ${((Date.now() - started) / 60_000).toFixed(1)} min`,
    );
    return Object.keys(results.errors).length > 0 ? 1 : 0;
  } finally {
    await ctx?.close();
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
