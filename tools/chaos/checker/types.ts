import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { Manifest } from '../manifest';
import type { LockSource } from './locks';

/** One thing that is not as the promise says; any one of them fails the campaign. */
export interface Inconsistency {
  check: 'terminal' | 'outcome' | 'target' | 'at-most-once' | 'recovery-point' | 'lock' | 'stray-workflow';
  changeId?: string;
  stepId?: string;
  detail: string;
}

/** How a change ended, as Temporal describes it (execution status + ChangeStatus search attribute). */
export type Outcome = 'completed' | 'rolled-back' | 'rejected' | 'not-terminal';

export interface CheckInput {
  manifest: Manifest;
  /** A client of the campaign's Temporal server (describe, list). */
  client: Client;
  /** The campaign's database: flows, recovery points. */
  db: Db;
  /** Where locks live, once target locks exist; none registered means the lock check reports "n/a". */
  lockSources?: LockSource[];
}

export interface CheckResult {
  outcomes: Record<string, Outcome>;
  inconsistencies: Inconsistency[];
  /** Facts worth showing that are not inconsistencies. */
  notes: {
    /** Idempotency keys the peers saw, and the most effects any one of them had. */
    keysSeen: number;
    maxEffectsPerKey: number;
    /** Rolled-back webhook steps whose compensating request went out although the forward never took effect (harmless: an undo of nothing). */
    compensationsWithoutForward: number;
    recoveryPoints: number;
    /** Targets judged (one per step). */
    targetsChecked: number;
    /** null when no lock source is registered (target locks are not built yet). */
    locksHeld: number | null;
  };
}
