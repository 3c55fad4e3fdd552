import { redactFields } from '../../../domain/redaction';
import { readSlots, slotsEqual, slotsObject, type Slot } from '../../../domain/targets/fields';
import type { LeadConflictDoc, LeadJournalDoc } from '../../../store/lead-journal';

/** Where one journaled lead stands relative to its before-image and what the step wrote. */
export type LeadState = 'carries-written' | 'at-before' | 'changed-since' | 'deleted';

export function classify(entry: LeadJournalDoc, current: Record<string, unknown> | null | undefined): LeadState {
  if (!current) return 'deleted';
  const now = readSlots(current, entry.paths);
  if (slotsEqual(now, entry.written)) return 'carries-written';
  if (slotsEqual(now, entry.before)) return 'at-before';
  return 'changed-since';
}

/**
 * The three-way record of a lead someone else changed after the step wrote it, with the operator's
 * always-redacted fields (`redacted`) replaced: it is stored in `lead_conflicts` and sampled into reports.
 */
export function conflictOf(
  entry: LeadJournalDoc,
  current: Record<string, unknown> | null | undefined,
  redacted: readonly string[] = [],
): LeadConflictDoc {
  const shown = (slots: Slot[]) => redactFields(slotsObject(entry.paths, slots), redacted) as Record<string, unknown>;
  return {
    _id: `${entry.changeId}/${entry.stepId}/${entry.leadKey}`,
    changeId: entry.changeId,
    stepId: entry.stepId,
    collection: entry.collection,
    leadId: entry.leadId,
    leadKey: entry.leadKey,
    before: shown(entry.before),
    written: shown(entry.written),
    now: current ? shown(readSlots(current, entry.paths)) : null,
    detectedAt: new Date(),
  };
}

export const SAMPLE_SIZE = 20;

export function sampleOf(conflict: LeadConflictDoc) {
  return {
    item: `${conflict.collection}/${conflict.leadKey}`,
    before: conflict.before,
    written: conflict.written,
    now: conflict.now,
  };
}
