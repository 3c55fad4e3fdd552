import type { Db } from 'mongodb';
import { canonicalJson } from '../../../domain/canonical';
import { ErrorType } from '../../../domain/errors';
import { permanent } from '../../../domain/failures';
import { RecoveryPointStore, toRef } from '../../../store/recovery-points';
import { readSlots, slotsEqual } from '../../../domain/targets/fields';
import { activityProgress } from '../common/progress';
import { inChunks } from '../../../store/batches';
import type { StepKey, TargetAdapter } from '../../../domain/outcomes';
import { classify, conflictOf, SAMPLE_SIZE, sampleOf } from './classify';
import { JOURNAL_COLLECTION, LeadJournal, leadKeyOf, type LeadJournalDoc } from '../../../store/lead-journal';
import { decodeLeadId, encodeLeadId, Leads } from '../../../store/leads';
import { previewOperations } from './preview';
import { createLeadRestore } from './restore';
import { writtenFields, type LeadDataSpec } from '../../../domain/targets/lead-data';

export interface LeadDataOptions {
  /** Leads per chunk: journaled, written and heartbeated together (default 1000). */
  chunkSize?: number;
  /** Fields whose values conflict records, samples and previews never show (REDACTED_LEAD_FIELDS). */
  redactedFields?: readonly string[];
}

/** Progress of an apply, kept in heartbeat details so a retried attempt resumes after the last chunk. */
interface ApplyProgress {
  lastId?: string;
  scanned: number;
  written: number;
}

/**
 * Batches of lead records. The recovery point is a small summary; the before-images live in
 * `lead_journal`, one entry per lead, written in chunks just before each chunk's writes.
 */
export function createLeadDataAdapter(db: Db, options: LeadDataOptions = {}): TargetAdapter<LeadDataSpec> {
  const chunkSize = options.chunkSize ?? 1000;
  const redacted = options.redactedFields ?? [];
  const journal = new LeadJournal(db);
  const recoveryPoints = new RecoveryPointStore(db);
  const leadsOf = (spec: LeadDataSpec) => new Leads(db, spec.collection, writtenFields(spec).paths);
  const restore = createLeadRestore({ journal, recoveryPoints, leadsOf, chunkSize, redacted });

  function entry(key: StepKey, spec: LeadDataSpec, lead: { _id: unknown }): LeadJournalDoc {
    const { paths, written } = writtenFields(spec);
    const leadKey = leadKeyOf(lead._id);
    return {
      _id: LeadJournal.entryId(key, 'before-apply', leadKey),
      changeId: key.changeId,
      stepId: key.stepId,
      purpose: 'before-apply',
      collection: spec.collection,
      leadId: lead._id,
      leadKey,
      paths,
      before: readSlots(lead, paths),
      written,
      journaledAt: new Date(),
    };
  }

  return {
    kind: 'lead-data',

    async snapshot(key, spec) {
      const existing = await recoveryPoints.get(key, 'before-apply');
      if (existing) return toRef(existing);
      const { paths } = writtenFields(spec);
      const selected = await leadsOf(spec).countSelection(spec.filter);
      const point = await recoveryPoints.capture(key, 'before-apply', {
        target: 'lead-data',
        locator: { collection: spec.collection },
        state: {
          collection: spec.collection,
          filter: canonicalJson(spec.filter),
          paths,
          selected,
          journal: { collection: JOURNAL_COLLECTION, idPrefix: LeadJournal.prefix(key, 'before-apply') },
        },
        summary: `${selected} lead(s) of ${spec.collection} selected; before-images of ${paths.join(', ')} journaled per lead in ${JOURNAL_COLLECTION}`,
      });
      return toRef(point);
    },

    async apply(key, spec) {
      if (!(await recoveryPoints.get(key, 'before-apply'))) {
        throw permanent(
          ErrorType.RecoveryPointMissing,
          `no recovery point for ${key.changeId}/${key.stepId}; refusing to apply`,
        );
      }
      const { paths, written } = writtenFields(spec);
      const leads = leadsOf(spec);
      const progress = activityProgress<ApplyProgress>();
      let state: ApplyProgress = progress.resumeFrom ?? { scanned: 0, written: 0 };
      const cursor = leads.scanSelection(
        spec.filter,
        chunkSize,
        state.lastId === undefined ? undefined : decodeLeadId(state.lastId),
      );
      try {
        for await (const chunk of inChunks(cursor, chunkSize)) {
          // A lead already carrying the written values is done (written by an earlier attempt, or it already had them).
          const toWrite = chunk.filter((lead) => !slotsEqual(readSlots(lead, paths), written));
          // Journal first: a crash between the two leaves a before-image for a lead not yet written, never the reverse.
          await journal.insertIfAbsent(toWrite.map((lead) => entry(key, spec, lead)));
          await leads.write(toWrite.map((lead) => ({ id: lead._id, slots: written })));
          state = {
            lastId: encodeLeadId(chunk[chunk.length - 1]!._id),
            scanned: state.scanned + chunk.length,
            written: state.written + toWrite.length,
          };
          progress.beat(state);
        }
      } finally {
        await cursor.close();
      }
      const summary = `${state.written} of ${state.scanned} selected lead(s) of ${spec.collection} updated (${paths.join(', ')}); before-images in ${JOURNAL_COLLECTION}`;
      if (state.written === 0 && (await journal.hasEntries(key, 'before-apply')))
        return { status: 'already-applied', summary };
      return { status: 'applied', summary };
    },

    async verify(key, spec) {
      let checked = 0;
      const off: string[] = [];
      for await (const chunk of inChunks(journal.scan(key, 'before-apply', { batchSize: chunkSize }), chunkSize)) {
        const current = await leadsOf(spec).current(chunk.map((e) => e.leadId));
        for (const e of chunk) if (classify(e, current.get(e.leadKey)) !== 'carries-written') off.push(e.leadKey);
        checked += chunk.length;
        activityProgress().beat({ checked });
      }
      if (off.length) {
        throw permanent(
          ErrorType.VerificationFailed,
          `${off.length} of ${checked} lead(s) of ${spec.collection} do not carry step ${key.stepId}'s values (e.g. ${off.slice(0, 5).join(', ')})`,
        );
      }
    },

    restore: (key, spec, restoreOptions) => restore.restore(key, spec, restoreOptions),
    verifyRestore: (key, spec) => restore.verifyRestore(key, spec),

    async preview(key, spec) {
      const point = await recoveryPoints.get(key, 'before-apply');
      if (!point)
        return {
          operations: [],
          summary: `no recovery point: nothing to restore in ${spec.collection}`,
          counts: { restore: 0, conflicts: 0, unchanged: 0 },
        };
      const counts = { restore: 0, conflicts: 0, unchanged: 0 };
      const operations: unknown[] = [];
      const conflictSample: ReturnType<typeof sampleOf>[] = [];
      for await (const chunk of inChunks(journal.scan(key, 'before-apply', { batchSize: chunkSize }), chunkSize)) {
        const current = await leadsOf(spec).current(chunk.map((e) => e.leadId));
        for (const e of chunk) {
          const lead = current.get(e.leadKey);
          const state = classify(e, lead);
          if (state === 'carries-written') {
            counts.restore++;
            if (counts.restore <= SAMPLE_SIZE) operations.push(...previewOperations(e, redacted));
          } else if (state === 'at-before') counts.unchanged++;
          else {
            counts.conflicts++;
            if (conflictSample.length < SAMPLE_SIZE) conflictSample.push(sampleOf(conflictOf(e, lead, redacted)));
          }
        }
      }
      return {
        recoveryPointId: point._id,
        operations,
        counts,
        conflicts: conflictSample,
        summary: `a restore would put back ${counts.restore} lead(s) of ${spec.collection}, leave ${counts.conflicts} changed since the apply as conflicts, and find ${counts.unchanged} already as before (operations: a sample of ${Math.min(counts.restore, SAMPLE_SIZE)} lead(s))`,
      };
    },
  };
}
