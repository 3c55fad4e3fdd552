import { Command, InvalidArgumentError } from 'commander';

export const benchNames = ['ttr', 'throughput', 'data'] as const;
export type BenchName = (typeof benchNames)[number];

/** Everything `npm run bench -- …` can set; `--quick` lowers the defaults, explicit flags win. */
export interface BenchOptions {
  only: BenchName[];
  quick: boolean;
  encryption: boolean;
  ttrRuns: number;
  ttrWarmup: number;
  ttrSteps: number;
  ttrPlain: boolean;
  changes: number;
  tpSteps: number;
  tpReps: number;
  sizes: number[];
  dataReps: number;
  dataRepsLarge: number;
  /** Hard caps per bench, in minutes. */
  capMinutes: Record<BenchName, number>;
  outDir: string;
  /** Extra worker options for every worker under test (ours and baseline (a) alike), JSON. */
  workerOptions: Record<string, unknown>;
}

const full = { ttrRuns: 30, ttrWarmup: 3, changes: 200, tpReps: 2, sizes: [10_000, 100_000], dataReps: 2 };
const quick = { ttrRuns: 10, ttrWarmup: 2, changes: 50, tpReps: 1, sizes: [2_000, 10_000], dataReps: 1 };

export function parseBenchOptions(argv: string[]): BenchOptions {
  const program = new Command('bench')
    .description('Time to recover, throughput and data-rollback scale, against baselines measured in the same run.')
    .option('--only <benches>', `comma-separated subset of ${benchNames.join(', ')}`, parseOnly)
    .option('--quick', 'small sizes and few runs (a couple of minutes)')
    .option('--no-encryption', 'run the product and baseline (a) without payload encryption (production has it on)')
    .option('--runs <n>', 'time to recover: measured rounds (each runs every variant once)', positiveInt)
    .option('--warmup <n>', 'time to recover: unmeasured rounds first', nonNegativeInt)
    .option('--steps <n>', 'time to recover: steps per change (the last fails)', positiveInt, 10)
    .option('--no-plain', 'time to recover: skip the encryption-off variant of the product')
    .option('--changes <n>', 'throughput: concurrent changes per repetition', positiveInt)
    .option('--tp-steps <n>', 'throughput: steps per change', positiveInt, 5)
    .option('--reps <n>', 'throughput: repetitions per variant; data: runs per size below 50 000 leads', positiveInt)
    .option('--reps-large <n>', 'data: runs per size of 50 000 leads or more', positiveInt, 1)
    .option('--sizes <list>', 'data: lead counts, comma-separated (e.g. 10000,100000)', parseSizes)
    .option('--cap <minutes>', 'hard cap per bench in minutes (default: ttr 6, throughput 16, data 30)', positiveInt)
    .option('--out <dir>', 'where JSON results go', 'bench-results')
    .option(
      '--worker-options <json>',
      'extra Temporal worker options for every worker under test, e.g. \'{"maxConcurrentActivityTaskExecutions":16}\'',
      parseJsonObject,
    )
    .parse(argv, { from: 'user' });
  const o = program.opts<{
    only?: BenchName[];
    quick?: boolean;
    encryption: boolean;
    runs?: number;
    warmup?: number;
    steps: number;
    plain: boolean;
    changes?: number;
    tpSteps: number;
    reps?: number;
    repsLarge: number;
    sizes?: number[];
    cap?: number;
    out: string;
    workerOptions?: Record<string, unknown>;
  }>();
  const preset = o.quick ? quick : full;
  return {
    only: o.only ?? [...benchNames],
    quick: o.quick ?? false,
    encryption: o.encryption,
    ttrRuns: o.runs ?? preset.ttrRuns,
    ttrWarmup: o.warmup ?? preset.ttrWarmup,
    ttrSteps: o.steps,
    ttrPlain: o.plain && o.encryption,
    changes: o.changes ?? preset.changes,
    tpSteps: o.tpSteps,
    tpReps: o.reps ?? preset.tpReps,
    sizes: o.sizes ?? preset.sizes,
    dataReps: o.reps ?? preset.dataReps,
    dataRepsLarge: o.repsLarge,
    capMinutes: o.cap ? { ttr: o.cap, throughput: o.cap, data: o.cap } : { ttr: 6, throughput: 16, data: 30 },
    outDir: o.out,
    workerOptions: o.workerOptions ?? {},
  };
}

function parseOnly(value: string): BenchName[] {
  const names = value
    .split(/[,|]/)
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(benchNames as readonly string[]).includes(name))
      throw new InvalidArgumentError(`unknown bench "${name}"; expected ${benchNames.join(', ')}`);
  }
  return names as BenchName[];
}

function parseJsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('must be a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidArgumentError('must be a JSON object');
  return parsed as Record<string, unknown>;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be 0 or a positive integer');
  return n;
}

function parseSizes(value: string): number[] {
  return value.split(',').map((s) => positiveInt(s.trim().replace(/_/g, '')));
}
