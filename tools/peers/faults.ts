import { z } from 'zod';

/**
 * Fault injection for the peers: what a flaky partner does to us.
 * - `error`: answers 5xx before doing anything;
 * - `rate-limit`: answers 429 with `Retry-After` before doing anything;
 * - `slow`: does the work, then waits `slowMs` before answering (past the client's timeout, the
 *   client sees a timeout although the work was done);
 * - `drop`: does the work, then destroys the connection without answering;
 * - `status`: answers a given status (e.g. 400, 409) before doing anything (scripted only).
 * Random faults draw from a seeded generator (deterministic for a given request order); scripted
 * faults hit the next matching requests first, in order.
 */
export const faultKinds = ['error', 'rate-limit', 'slow', 'drop', 'status'] as const;
export type FaultKind = (typeof faultKinds)[number];

const rate = z.number().min(0).max(1);

export const scriptedFaultSchema = z.strictObject({
  fault: z.enum(faultKinds),
  /** For `error` (default 500) and `status` (required). */
  status: z.int().min(400).max(599).optional(),
  /** For `rate-limit`: the Retry-After value as sent (seconds or an HTTP date); default the config's. */
  retryAfter: z.string().max(64).optional(),
  /** For `slow`: default the config's `slowMs`. */
  delayMs: z.int().min(0).max(120_000).optional(),
  /** How many matching requests it hits. */
  count: z.int().min(1).max(10_000).default(1),
  /** Only requests with this method (any when absent). */
  method: z.string().toUpperCase().optional(),
  /** Only requests whose path starts with this (any when absent). */
  path: z.string().max(1000).optional(),
});

export const faultConfigSchema = z
  .strictObject({
    seed: z.int().default(1),
    /** Probability of each kind per request; together at most 1. */
    error: rate.default(0),
    rateLimit: rate.default(0),
    slow: rate.default(0),
    drop: rate.default(0),
    errorStatus: z.int().min(500).max(599).default(503),
    retryAfterSeconds: z.int().min(0).max(3600).default(1),
    slowMs: z.int().min(0).max(120_000).default(1500),
    /** Random faults only for these methods (all when absent), e.g. only writes. */
    methods: z.array(z.string().toUpperCase()).optional(),
    script: z.array(scriptedFaultSchema).max(1000).default([]),
  })
  .refine((c) => c.error + c.rateLimit + c.slow + c.drop <= 1, {
    message: 'error + rateLimit + slow + drop must be at most 1',
  });

export type FaultConfig = z.output<typeof faultConfigSchema>;
export type FaultConfigInput = z.input<typeof faultConfigSchema>;
export type ScriptedFault = z.output<typeof scriptedFaultSchema>;

export interface Fault {
  kind: FaultKind;
  status?: number;
  retryAfter?: string;
  delayMs?: number;
}

/** mulberry32: a tiny, well-distributed seeded generator. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private config: FaultConfig;
  private random: () => number;
  private script: ScriptedFault[];
  readonly injected: Record<FaultKind, number> = { error: 0, 'rate-limit': 0, slow: 0, drop: 0, status: 0 };

  constructor(config: FaultConfigInput = {}) {
    this.config = faultConfigSchema.parse(config);
    this.random = generator(this.config.seed);
    this.script = this.config.script.map((s) => ({ ...s }));
  }

  /** Replaces the configuration (and reseeds); counters of injected faults are kept. */
  configure(config: FaultConfigInput): FaultConfig {
    this.config = faultConfigSchema.parse(config);
    this.random = generator(this.config.seed);
    this.script = this.config.script.map((s) => ({ ...s }));
    return this.current();
  }

  /** Queues scripted faults after the ones still pending. */
  enqueue(...faults: z.input<typeof scriptedFaultSchema>[]): void {
    this.script.push(...faults.map((f) => scriptedFaultSchema.parse(f)));
  }

  current(): FaultConfig {
    return { ...this.config, script: this.script.map((s) => ({ ...s })) };
  }

  /** The fault for this request, if any; counted as injected. */
  decide(method: string, path: string): Fault | undefined {
    const fault = this.scripted(method, path) ?? this.drawn(method);
    if (fault) this.injected[fault.kind] += 1;
    return fault;
  }

  private scripted(method: string, path: string): Fault | undefined {
    const index = this.script.findIndex(
      (s) => (!s.method || s.method === method) && (!s.path || path.startsWith(s.path)),
    );
    if (index < 0) return undefined;
    const entry = this.script[index]!;
    entry.count -= 1;
    if (entry.count <= 0) this.script.splice(index, 1);
    switch (entry.fault) {
      case 'error':
        return { kind: 'error', status: entry.status ?? 500 };
      case 'rate-limit':
        return {
          kind: 'rate-limit',
          status: 429,
          retryAfter: entry.retryAfter ?? String(this.config.retryAfterSeconds),
        };
      case 'slow':
        return { kind: 'slow', delayMs: entry.delayMs ?? this.config.slowMs };
      case 'drop':
        return { kind: 'drop' };
      case 'status':
        return { kind: 'status', status: entry.status ?? 400 };
    }
  }

  private drawn(method: string): Fault | undefined {
    const { error, rateLimit, slow, drop } = this.config;
    if (error + rateLimit + slow + drop === 0) return undefined;
    if (this.config.methods && !this.config.methods.includes(method)) return undefined;
    const r = this.random();
    if (r < error) return { kind: 'error', status: this.config.errorStatus };
    if (r < error + rateLimit)
      return { kind: 'rate-limit', status: 429, retryAfter: String(this.config.retryAfterSeconds) };
    if (r < error + rateLimit + slow) return { kind: 'slow', delayMs: this.config.slowMs };
    if (r < error + rateLimit + slow + drop) return { kind: 'drop' };
    return undefined;
  }
}
