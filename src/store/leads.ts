import { BSON, MongoServerError, type Collection, type Db, type Document, type Filter, type FindCursor } from 'mongodb';
import { ErrorType } from '../domain/errors';
import { permanent } from '../domain/failures';
import { topLevelFields, updateFor, type Slot } from '../domain/targets/fields';
import { forEachLimited } from './batches';
import { leadKeyOf, WRITE_CONCURRENCY } from './lead-journal';
import { toMongoFilter, type LeadFilter } from '../domain/targets/lead-data';

type LeadDoc = Document & { _id: unknown };

/** MongoDB's "cannot create field inside a non-document" (e.g. setting `a.b` where `a` is a string). */
const PATH_NOT_VIABLE = 28;

/**
 * The leads collection as this target reads and writes it: selections are scanned in `_id`
 * order with only the written fields projected, and every write addresses one lead by `_id`.
 */
export class Leads {
  private readonly collection: Collection<Document>;

  constructor(
    db: Db,
    readonly name: string,
    private readonly paths: string[],
  ) {
    this.collection = db.collection(name);
  }

  /** The selected leads in `_id` order after `after` (a resume point), the written fields only. */
  scanSelection(filter: LeadFilter, batchSize: number, after?: unknown) {
    const selection = toMongoFilter(filter);
    const query = (
      after === undefined ? selection : { $and: [selection, { _id: { $gt: after } }] }
    ) as Filter<Document>;
    return this.collection.find(query, {
      projection: this.projection(),
      sort: { _id: 1 },
      batchSize,
    }) as FindCursor<LeadDoc>;
  }

  /** How many leads the filter selects; with `limit`, counting stops there (enough to compare with a maximum). */
  countSelection(filter: LeadFilter, limit?: number): Promise<number> {
    return this.collection.countDocuments(toMongoFilter(filter), limit === undefined ? {} : { limit });
  }

  /** The current documents (written fields only) of some leads by key; null for a deleted lead. */
  async current(ids: unknown[]): Promise<Map<string, LeadDoc | null>> {
    const found = new Map<string, LeadDoc | null>();
    await forEachLimited(ids, WRITE_CONCURRENCY * 2, async (id) => {
      found.set(
        leadKeyOf(id),
        (await this.collection.findOne({ _id: id } as Filter<Document>, {
          projection: this.projection(),
        })) as LeadDoc | null,
      );
    });
    return found;
  }

  /** Gives each lead's written fields the values in its slots (`current`: the lead as read, see `updateFor`). */
  async write(items: { id: unknown; slots: Slot[]; current?: Record<string, unknown> }[]): Promise<void> {
    await forEachLimited(items, WRITE_CONCURRENCY, async ({ id, slots, current }) => {
      try {
        await this.collection.updateOne({ _id: id } as Filter<Document>, updateFor(this.paths, slots, current));
      } catch (err) {
        if (err instanceof MongoServerError && err.code === PATH_NOT_VIABLE) {
          throw permanent(
            ErrorType.InvalidStep,
            `lead ${leadKeyOf(id)} in ${this.name} cannot take fields ${this.paths.join(', ')}: ${err.message}`,
          );
        }
        throw err;
      }
    });
  }

  /** The top-level fields holding the written paths: the paths themselves and the parents a write may create. */
  private projection(): Record<string, 1> {
    return Object.fromEntries(topLevelFields(this.paths).map((field) => [field, 1]));
  }
}

/** A lead `_id` as text for heartbeat details (keeps its BSON type: ObjectId, number, string). */
export function encodeLeadId(id: unknown): string {
  return BSON.EJSON.stringify({ id } as Document, { relaxed: false });
}

export function decodeLeadId(text: string): unknown {
  return (BSON.EJSON.parse(text, { relaxed: false }) as { id: unknown }).id;
}
