import { z } from 'zod';

/** Random faults both peers inject on every request (the admin routes excepted). */
export const campaignFaultsSchema = z.strictObject({
  error: z.number().min(0).max(1).default(0.2),
  rateLimit: z.number().min(0).max(1).default(0.1),
  slow: z.number().min(0).max(1).default(0.05),
  drop: z.number().min(0).max(1).default(0.02),
  /** Retry-After of the injected 429s. */
  retryAfterSeconds: z.int().min(0).max(60).default(1),
  /** How late a slow answer comes (below the worker's per-request timeouts: slow, not failed). */
  slowMs: z.int().min(0).max(60_000).default(1500),
});

/**
 * A campaign's size and shape. Bounded in count (changes, kills) and time (`maxMinutes`: past it
 * the campaign stops waiting, and whatever has not settled is reported as an inconsistency).
 */
export const campaignOptionsSchema = z
  .strictObject({
    changes: z.int().min(1).max(1000).default(100),
    /** Random SIGKILLs of the worker, spread over the campaign's progress. Default: a tenth of the changes, at least 3. */
    kills: z.int().min(0).max(500).optional(),
    /** SIGKILLs taken while a change is compensating (on top of `kills`). */
    compensationKills: z.int().min(0).max(50).default(2),
    /** Temporal dev server crashes (SIGKILL) and restarts on the same database file and port. */
    serverRestarts: z.int().min(0).max(5).default(1),
    /** Changes in flight at once. */
    concurrency: z.int().min(1).max(200).default(12),
    /** Seeds the plan, the faults and the kill moments. Default: drawn, and printed. */
    seed: z
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .optional(),
    maxMinutes: z.number().positive().max(240).default(30),
    /** Stop waiting when no change has settled for this long (a change stuck for good would otherwise hold the run until maxMinutes). */
    stallMinutes: z.number().positive().max(240).default(5),
    /**
     * How manual rollbacks are asked for: the update the interfaces use, the signal, or `none`: no
     * change is sent any message (those scenarios become a failing step and a metric trigger).
     */
    rollbackVia: z.enum(['update', 'signal', 'none']).default('update'),
    /**
     * Every change that completes is then rolled back later (rollbackLaterWorkflow, from its kept
     * recovery points) while workers keep dying; the checker judges its targets as rolled back.
     */
    rollBackLater: z.boolean().default(false),
    faults: campaignFaultsSchema.default(campaignFaultsSchema.parse({})),
    /** Use this database server instead of starting one (a fresh database name is used on it). */
    mongoUri: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
      .optional(),
    /** Keep the run directory (Temporal's database file, logs, manifest, result) after the run. */
    keep: z.boolean().default(false),
  })
  .refine((o) => o.faults.error + o.faults.rateLimit + o.faults.slow + o.faults.drop <= 1, {
    path: ['faults'],
    message: 'error + rateLimit + slow + drop must be at most 1',
  })
  .transform((o) => ({
    ...o,
    kills: o.kills ?? Math.max(3, Math.round(o.changes / 10)),
    seed: o.seed ?? Math.floor(Math.random() * 2 ** 31),
  }));

export type CampaignOptionsInput = z.input<typeof campaignOptionsSchema>;
export type CampaignOptions = z.output<typeof campaignOptionsSchema>;
