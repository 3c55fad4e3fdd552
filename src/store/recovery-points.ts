import type { Collection, Db } from 'mongodb';
import { checksum } from '../domain/canonical';
import type { TargetKind } from '../domain/targets/index';
import type { RecoveryPointPurpose, RecoveryPointRef, StepKey } from '../domain/outcomes';
import { productCollection } from './collections';

/** A stored recovery point. `state` holds the captured before-state for small targets. */
export interface RecoveryPointDoc {
  _id: string;
  changeId: string;
  stepId: string;
  target: TargetKind;
  purpose: RecoveryPointPurpose;
  /** Where the state came from, e.g. `{ flowId }`. */
  locator: Record<string, unknown>;
  /** Target version at capture time, when the target is versioned. */
  version?: number;
  state: unknown;
  checksum: string;
  summary: string;
  capturedAt: Date;
}

export function recoveryPointId(key: StepKey, purpose: RecoveryPointPurpose): string {
  return `${key.changeId}/${key.stepId}/${purpose}`;
}

const DUPLICATE_KEY = 11000;

/**
 * Recovery points live in MongoDB, outside workflow history. Each is written once: capturing
 * again (an activity retried after a crash) returns the first capture, never a later, possibly
 * half-applied state.
 */
export class RecoveryPointStore {
  private readonly collection: Collection<RecoveryPointDoc>;

  constructor(db: Db) {
    this.collection = productCollection<RecoveryPointDoc>(db, 'recoveryPoints');
  }

  async capture(
    key: StepKey,
    purpose: RecoveryPointPurpose,
    capture: Pick<RecoveryPointDoc, 'target' | 'locator' | 'version' | 'state' | 'summary'>,
  ): Promise<RecoveryPointDoc> {
    const doc: RecoveryPointDoc = {
      _id: recoveryPointId(key, purpose),
      changeId: key.changeId,
      stepId: key.stepId,
      purpose,
      ...capture,
      checksum: checksum(capture.state),
      capturedAt: new Date(),
    };
    try {
      await this.collection.insertOne(doc);
      return doc;
    } catch (err) {
      if ((err as { code?: number }).code !== DUPLICATE_KEY) throw err;
      const existing = await this.get(key, purpose);
      if (!existing) throw err;
      return existing;
    }
  }

  get(key: StepKey, purpose: RecoveryPointPurpose): Promise<RecoveryPointDoc | null> {
    return this.collection.findOne({ _id: recoveryPointId(key, purpose) });
  }

  listForChange(changeId: string): Promise<RecoveryPointDoc[]> {
    return this.collection.find({ changeId }).sort({ capturedAt: 1 }).toArray();
  }
}

export function toRef(doc: RecoveryPointDoc): RecoveryPointRef {
  return {
    id: doc._id,
    target: doc.target,
    purpose: doc.purpose,
    checksum: doc.checksum,
    summary: doc.summary,
    capturedAt: doc.capturedAt.toISOString(),
  };
}
