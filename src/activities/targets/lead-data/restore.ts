import { ErrorType } from '../../../domain/errors';
import { permanent } from '../../../domain/failures';
import type { RecoveryPointDoc, RecoveryPointStore } from '../../../store/recovery-points';
import { activityProgress } from '../common/progress';
import { inChunks } from '../../../store/batches';
import type { ConflictReport, RestoreOptions, RestoreOutcome, StepKey } from '../../../domain/outcomes';
import { classify, conflictOf, SAMPLE_SIZE, sampleOf } from './classify';
import {
  JOURNAL_COLLECTION,
  LeadJournal,
  type LeadConflictDoc,
  type LeadJournalDoc,
} from '../../../store/lead-journal';
import type { Leads } from '../../../store/leads';
import { writtenFields, type LeadDataSpec } from '../../../domain/targets/lead-data';

interface RestoreDeps {
  journal: LeadJournal;
  recoveryPoints: RecoveryPointStore;
  leadsOf: (spec: LeadDataSpec) => Leads;
  chunkSize: number;
  /** Fields never kept in plain text in conflict records and samples (REDACTED_LEAD_FIELDS). */
  redacted: readonly string[];
}

/** Progress of a restore, in heartbeat details: a retried attempt resumes after the last chunk. */
interface RestoreProgress {
  lastEntryId?: string;
  scanned: number;
  restored: number;
  /** Of `restored`, leads an earlier attempt (or an earlier, narrower restore) of this step wrote. */
  restoredEarlier?: number;
  atBefore: number;
  conflicts: number;
  sample: ConflictReport['sample'];
}

/**
 * Restores a lead batch from its journal, chunk by chunk: a lead still carrying what the step
 * wrote gets its before-image back (its current values journaled first as `before-restore`); a
 * lead someone changed since is left alone and reported three-way in `lead_conflicts`.
 */
export function createLeadRestore({ journal, recoveryPoints, leadsOf, chunkSize, redacted }: RestoreDeps) {
  async function restoreChunk(
    key: StepKey,
    spec: LeadDataSpec,
    chunk: LeadJournalDoc[],
    state: RestoreProgress,
    preRestore: () => Promise<RecoveryPointDoc>,
  ) {
    const leads = leadsOf(spec);
    const current = await leads.current(chunk.map((e) => e.leadId));
    const toRestore: LeadJournalDoc[] = [];
    const atBefore: LeadJournalDoc[] = [];
    const conflicts: LeadConflictDoc[] = [];
    for (const e of chunk) {
      const lead = current.get(e.leadKey);
      const where = classify(e, lead);
      if (where === 'carries-written') toRestore.push(e);
      else if (where === 'at-before') atBefore.push(e);
      else conflicts.push(conflictOf(e, lead, redacted));
    }
    // A lead an earlier attempt of this restore wrote (it journaled the lead first) is restored,
    // counted once: the attempt that wrote it may have died before its progress was recorded.
    const restoredEarlier = await journal.existing(
      atBefore.map((e) => LeadJournal.entryId(key, 'before-restore', e.leadKey)),
    );
    for (const e of atBefore) {
      if (restoredEarlier.has(LeadJournal.entryId(key, 'before-restore', e.leadKey))) {
        state.restored++;
        state.restoredEarlier = (state.restoredEarlier ?? 0) + 1;
      } else state.atBefore++;
    }
    if (toRestore.length) {
      await preRestore();
      // The values about to be overwritten, journaled first, so the rollback itself can be undone.
      await journal.insertIfAbsent(
        toRestore.map((e) => ({
          ...e,
          _id: LeadJournal.entryId(key, 'before-restore', e.leadKey),
          purpose: 'before-restore' as const,
          before: e.written,
          written: e.before,
          journaledAt: new Date(),
        })),
      );
      await leads.write(
        toRestore.map((e) => ({ id: e.leadId, slots: e.before, current: current.get(e.leadKey) ?? undefined })),
      );
    }
    await journal.recordConflicts(conflicts);
    state.restored += toRestore.length;
    state.conflicts += conflicts.length;
    for (const c of conflicts) if (state.sample.length < SAMPLE_SIZE) state.sample.push(sampleOf(c));
  }

  return {
    async restore(key: StepKey, spec: LeadDataSpec, options: RestoreOptions = {}): Promise<RestoreOutcome> {
      const point = await recoveryPoints.get(key, 'before-apply');
      if (!point || !(await journal.hasEntries(key, 'before-apply'))) {
        return {
          status: 'not-applied',
          summary: `step never changed leads of ${spec.collection}`,
          recoveryPointId: point?._id,
        };
      }
      const progress = activityProgress<RestoreProgress>();
      const state: RestoreProgress = progress.resumeFrom ?? {
        scanned: 0,
        restored: 0,
        atBefore: 0,
        conflicts: 0,
        sample: [],
      };
      let preRestoreId: string | undefined;
      const preRestore = async () => {
        const captured = await recoveryPoints.capture(key, 'before-restore', {
          target: 'lead-data',
          locator: { collection: spec.collection },
          state: {
            collection: spec.collection,
            paths: writtenFields(spec).paths,
            journal: { collection: JOURNAL_COLLECTION, idPrefix: LeadJournal.prefix(key, 'before-restore') },
          },
          summary: `values of leads of ${spec.collection} before the restore, journaled per lead in ${JOURNAL_COLLECTION}`,
        });
        preRestoreId = captured._id;
        return captured;
      };
      const cursor = journal.scan(key, 'before-apply', {
        after: state.lastEntryId,
        itemIds: options.itemIds,
        batchSize: chunkSize,
      });
      try {
        for await (const chunk of inChunks(cursor, chunkSize)) {
          await restoreChunk(key, spec, chunk, state, preRestore);
          state.scanned += chunk.length;
          state.lastEntryId = chunk[chunk.length - 1]!._id;
          progress.beat(state);
        }
      } finally {
        await cursor.close();
      }
      return outcome(
        key,
        spec,
        point._id,
        state,
        preRestoreId ?? (await recoveryPoints.get(key, 'before-restore'))?._id,
      );
    },

    async verifyRestore(key: StepKey, spec: LeadDataSpec): Promise<void> {
      let checked = 0;
      const off: string[] = [];
      // Every lead a restore wrote has a before-restore entry whose `written` is the lead's before-image.
      for await (const chunk of inChunks(journal.scan(key, 'before-restore', { batchSize: chunkSize }), chunkSize)) {
        const current = await leadsOf(spec).current(chunk.map((e) => e.leadId));
        for (const e of chunk) if (classify(e, current.get(e.leadKey)) !== 'carries-written') off.push(e.leadKey);
        checked += chunk.length;
        activityProgress().beat({ checked });
      }
      if (off.length) {
        throw permanent(
          ErrorType.VerificationFailed,
          `${off.length} of ${checked} restored lead(s) of ${spec.collection} are not at their before-image (e.g. ${off.slice(0, 5).join(', ')})`,
        );
      }
    },
  };
}

function outcome(
  key: StepKey,
  spec: LeadDataSpec,
  recoveryPointId: string,
  state: RestoreProgress,
  preRestorePointId: string | undefined,
): RestoreOutcome {
  const earlier = state.restoredEarlier ? ` (${state.restoredEarlier} by an earlier attempt of this restore)` : '';
  const counts = `${state.restored} lead(s) of ${spec.collection} restored${earlier}, ${state.atBefore} already as before, ${state.conflicts} changed since the apply and left as they are`;
  if (state.conflicts > 0) {
    const conflicts: ConflictReport = {
      count: state.conflicts,
      sample: state.sample,
      ref: LeadJournal.conflictRef(key),
    };
    const status = state.restored + state.atBefore > 0 ? 'partial' : 'conflict';
    return { status, summary: counts, recoveryPointId, conflicts, preRestorePointId, restoredCount: state.restored };
  }
  if (state.restored > 0)
    return { status: 'restored', summary: counts, recoveryPointId, preRestorePointId, restoredCount: state.restored };
  if (preRestorePointId)
    return {
      status: 'already-restored',
      summary: `leads of ${spec.collection} already restored (${counts})`,
      recoveryPointId,
    };
  return {
    status: 'not-applied',
    summary: `step never changed leads of ${spec.collection} (${counts})`,
    recoveryPointId,
  };
}
