import type { Step } from './change-request';
import type { TargetKind } from './targets/index';

/** Identifies one step of one change; idempotency keys derive from it. */
export interface StepKey {
  changeId: string;
  stepId: string;
}

export type RecoveryPointPurpose = 'before-apply' | 'before-restore';

/** What the workflow keeps of a recovery point: a reference, never the captured data. */
export interface RecoveryPointRef {
  id: string;
  target: TargetKind;
  purpose: RecoveryPointPurpose;
  /** sha256 of the captured state's canonical JSON. */
  checksum: string;
  /** One line for people: what was captured, e.g. "flow solar-leads at version 4". */
  summary: string;
  capturedAt: string;
}

export type ApplyOutcome = { status: 'applied' | 'already-applied'; summary: string };

/** Items someone else changed after our apply: left as they are, reported three-way. */
export interface ConflictReport {
  /** How many items conflict (a flow, leads, CRM properties, document fields). */
  count: number;
  /** Up to 20 examples: the value before the change, what the change wrote, what it is now. */
  sample: { item: string; before: unknown; written: unknown; now: unknown }[];
  /** Where the full list is kept when it is longer than the sample (e.g. a collection and query). */
  ref?: string;
}

export type RestoreOutcome =
  | { status: 'restored'; summary: string; recoveryPointId: string; preRestorePointId?: string; restoredCount?: number }
  | { status: 'already-restored' | 'not-applied'; summary: string; recoveryPointId?: string }
  /** `conflict`: nothing restored; `partial`: the non-conflicting items were restored. */
  | {
      status: 'conflict' | 'partial';
      summary: string;
      recoveryPointId: string;
      conflicts: ConflictReport;
      preRestorePointId?: string;
      restoredCount?: number;
    };

/** Narrows a restore, e.g. to some lead ids; adapters without items ignore it. */
export interface RestoreOptions {
  itemIds?: string[];
}

export interface RestorePreview {
  recoveryPointId?: string;
  /** What a restore would do: RFC 6902 operations from the current state to the recovery point. */
  operations: unknown[];
  summary: string;
  /** For targets with many items (leads): how many a restore would restore, leave as conflicts, find unchanged. */
  counts?: Record<string, number>;
  /** Up to 20 items a restore would leave alone because they changed since the apply (three-way). */
  conflicts?: ConflictReport['sample'];
}

/**
 * The contract every target kind implements. Each verb is idempotent and keyed by change id +
 * step id, so an activity retried after a worker crash does the right thing:
 * - snapshot: capture the before-state once (a second call returns the first capture);
 * - apply: make the change, or notice it is already made;
 * - verify: the change is really in place (throws VerificationFailed otherwise);
 * - restore: put the recovery point back; a no-op when apply never happened or restore already ran;
 *   a conflict (not an overwrite) when someone else changed the target after the apply;
 * - verifyRestore: the target equals its recovery point;
 * - preview: what restore would change, without changing it.
 */
export interface TargetAdapter<Spec> {
  readonly kind: TargetKind;
  snapshot(key: StepKey, spec: Spec): Promise<RecoveryPointRef>;
  apply(key: StepKey, spec: Spec): Promise<ApplyOutcome>;
  verify(key: StepKey, spec: Spec): Promise<void>;
  restore(key: StepKey, spec: Spec, options?: RestoreOptions): Promise<RestoreOutcome>;
  verifyRestore(key: StepKey, spec: Spec): Promise<void>;
  preview(key: StepKey, spec: Spec): Promise<RestorePreview>;
}

/** Input of every step activity: the step and the change it belongs to (its idempotency key). */
export interface StepInput {
  changeId: string;
  step: Step;
  /**
   * Whether the change passed its approval gate; the floor's size rules hold a change that was not
   * approved to their limits. Absent for runs started before the floor existed.
   */
  approved?: boolean;
}
