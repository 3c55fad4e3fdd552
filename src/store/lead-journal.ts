import { BSON, MongoBulkWriteError, type Collection, type Db, type Document, type FindCursor } from 'mongodb';
import { productCollection } from './collections';
import { productCollections } from '../domain/product-collections';
import type { Slot } from '../domain/targets/fields';
import { forEachLimited } from './batches';
import type { RecoveryPointPurpose, StepKey } from '../domain/outcomes';

/**
 * One lead's before-image for one step: the values of only the fields the step writes, as they
 * were just before the write (`before`), and what the write puts there (`written`). A restore
 * journals the values it overwrites the same way, with purpose `before-restore`.
 */
export interface LeadJournalDoc {
  /** `<changeId>/<stepId>/<purpose>/<leadKey>`: one entry per lead per step per purpose. */
  _id: string;
  changeId: string;
  stepId: string;
  purpose: RecoveryPointPurpose;
  collection: string;
  /** The lead's `_id` as stored (string, ObjectId, number…). */
  leadId: unknown;
  /** The lead id as text (ObjectId as hex): what `itemIds` name. */
  leadKey: string;
  paths: string[];
  before: Slot[];
  written: Slot[];
  journaledAt: Date;
}

/** A lead a restore left alone because someone changed it after the apply: before, written, now. */
export interface LeadConflictDoc {
  _id: string;
  changeId: string;
  stepId: string;
  collection: string;
  leadId: unknown;
  leadKey: string;
  before: Record<string, unknown>;
  written: Record<string, unknown>;
  /** The lead's current values, or null when the lead was deleted. */
  now: Record<string, unknown> | null;
  detectedAt: Date;
}

export const JOURNAL_COLLECTION = productCollections.leadJournal;
export const CONFLICT_COLLECTION = productCollections.leadConflicts;
const DUPLICATE_KEY = 11000;
/** Single-document writes in flight per activity: a lead is written by `_id` alone, which every MongoDB-protocol server serves from its primary index. */
export const WRITE_CONCURRENCY = 8;

export function leadKeyOf(id: unknown): string {
  if (typeof id === 'string') return id;
  if (id instanceof BSON.ObjectId) return id.toHexString();
  if (typeof id === 'number') return String(id);
  return BSON.EJSON.stringify(id as Document);
}

export class LeadJournal {
  readonly entries: Collection<LeadJournalDoc>;
  readonly conflicts: Collection<LeadConflictDoc>;

  constructor(db: Db) {
    this.entries = productCollection<LeadJournalDoc>(db, 'leadJournal');
    this.conflicts = productCollection<LeadConflictDoc>(db, 'leadConflicts');
  }

  static prefix(key: StepKey, purpose: RecoveryPointPurpose): string {
    return `${key.changeId}/${key.stepId}/${purpose}/`;
  }

  static entryId(key: StepKey, purpose: RecoveryPointPurpose, leadKey: string): string {
    return `${LeadJournal.prefix(key, purpose)}${leadKey}`;
  }

  /** Query for a step's entries (an `_id` range, which every MongoDB-protocol server can serve). */
  static scope(key: StepKey, purpose: RecoveryPointPurpose, after?: string, itemIds?: string[]) {
    const prefix = LeadJournal.prefix(key, purpose);
    // Every id starting with ".../" sorts below the same string ending in "0" ("/" + 1), whatever follows.
    const range = { $gt: after ?? prefix, $lt: `${prefix.slice(0, -1)}0` };
    if (!itemIds) return { _id: range };
    return { $and: [{ _id: range }, { _id: { $in: itemIds.map((id) => `${prefix}${id}`) } }] };
  }

  /** The step's entries in `_id` order, optionally after a resume point and narrowed to some leads. */
  scan(
    key: StepKey,
    purpose: RecoveryPointPurpose,
    options: { after?: string; itemIds?: string[]; batchSize: number },
  ): FindCursor<LeadJournalDoc> {
    return this.entries.find(LeadJournal.scope(key, purpose, options.after, options.itemIds), {
      sort: { _id: 1 },
      batchSize: options.batchSize,
    });
  }

  async hasEntries(key: StepKey, purpose: RecoveryPointPurpose): Promise<boolean> {
    return (await this.entries.findOne(LeadJournal.scope(key, purpose), { projection: { _id: 1 } })) !== null;
  }

  /**
   * Insert-if-absent: an entry already there (an earlier attempt journaled the lead) is kept as
   * it is, so a retried apply never records a value it wrote itself as the lead's "before".
   */
  async insertIfAbsent(docs: LeadJournalDoc[]): Promise<void> {
    if (docs.length === 0) return;
    try {
      await this.entries.insertMany(docs, { ordered: false });
    } catch (err) {
      const writeErrors = err instanceof MongoBulkWriteError ? [err.writeErrors].flat() : undefined;
      if (!writeErrors || writeErrors.some((e) => e.code !== DUPLICATE_KEY)) throw err;
    }
  }

  /** Which of these entry ids are journaled (one indexed read: `_id` is the primary key). */
  async existing(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const found = await this.entries.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray();
    return new Set(found.map((doc) => doc._id));
  }

  /** Keeps the full conflict list of a step (one document per lead, rewritten by each restore). */
  async recordConflicts(docs: LeadConflictDoc[]): Promise<void> {
    await forEachLimited(docs, WRITE_CONCURRENCY, async ({ _id, ...doc }) => {
      await this.conflicts.replaceOne({ _id }, doc, { upsert: true });
    });
  }

  static conflictRef(key: StepKey): string {
    return `${CONFLICT_COLLECTION} where changeId="${key.changeId}" and stepId="${key.stepId}"`;
  }
}
