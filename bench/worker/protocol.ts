import type { WorkerOptions } from '@temporalio/worker';

/** Which worker the child runs: the product's change worker, or baseline (a)'s saga worker. */
export type WorkerVariant = 'change' | 'saga';

/** What the bench hands a worker child (as JSON in BENCH_WORKER_CONFIG; keys come by env). */
export interface WorkerChildConfig {
  variant: WorkerVariant;
  address: string;
  namespace: string;
  taskQueue: string;
  mongoUri: string;
  dbName: string;
  /** Prebuilt workflow bundle, so bundling (webpack) is not part of the worker's measured memory. */
  bundlePath: string;
  /** Payload encryption on: keys are in the child's LEAD_ROLLBACK_ENCRYPTION_* env. */
  encrypted: boolean;
  /** The same tuning for every variant (JSON-serialisable options only). */
  workerOptions: Partial<
    Pick<
      WorkerOptions,
      | 'maxConcurrentActivityTaskExecutions'
      | 'maxConcurrentWorkflowTaskExecutions'
      | 'maxCachedWorkflows'
      | 'shutdownGraceTime'
      | 'maxConcurrentActivityTaskPolls'
      | 'maxConcurrentWorkflowTaskPolls'
    >
  >;
}

/** The child's own view of its resources (process.cpuUsage / resourceUsage / memoryUsage). */
export interface ChildStats {
  cpuUserMs: number;
  cpuSystemMs: number;
  /** process.resourceUsage().maxRSS: peak resident set size of the child, in bytes. */
  maxRssBytes: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Heap in use right after a full GC (only in the last sample): what the worker really retains. */
  heapUsedAfterGcBytes?: number;
}

/** `gc`: collect garbage first (the child runs with --expose-gc), to tell retained memory from garbage. */
export type ParentMessage = { type: 'stats'; gc?: boolean } | { type: 'stop' };
export type ChildMessage =
  { type: 'ready'; stats: ChildStats } | { type: 'stats'; stats: ChildStats } | { type: 'error'; message: string };

export const CONFIG_ENV = 'BENCH_WORKER_CONFIG';
