import type { Collection, Db } from 'mongodb';
import { productCollection } from './collections';

/** Remembers verified requests for the signature window, so a captured request cannot be sent again. */
export interface ReplayGuard {
  /** True the first time a signature is seen; false for a replay. */
  firstSeen(signature: string, timestampSeconds: number): Promise<boolean>;
}

interface SeenRequest {
  _id: string;
  expiresAt: Date;
}

const DUPLICATE_KEY = 11000;

/**
 * Kept in MongoDB so every API replica shares it: the signature is the `_id`, so the insert itself
 * is the check (no read-then-write race). Entries past the window are pruned now and then; a
 * request that old is refused by the timestamp check anyway.
 */
export class MongoReplayGuard implements ReplayGuard {
  private readonly seen: Collection<SeenRequest>;
  private lastPrune = 0;

  /** `windowSeconds`: how long a signed request stays valid (Slack's: SLACK_TOLERANCE_SECONDS). */
  constructor(
    db: Db,
    private readonly windowSeconds: number,
  ) {
    this.seen = productCollection<SeenRequest>(db, 'chatopsSeenRequests');
  }

  async firstSeen(signature: string, timestampSeconds: number): Promise<boolean> {
    const expiresAt = new Date((timestampSeconds + this.windowSeconds) * 1000);
    await this.prune();
    try {
      await this.seen.insertOne({ _id: signature, expiresAt });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === DUPLICATE_KEY) return false;
      throw err;
    }
  }

  private async prune(): Promise<void> {
    if (Date.now() - this.lastPrune < 60_000) return;
    this.lastPrune = Date.now();
    await this.seen.deleteMany({ expiresAt: { $lt: new Date() } });
  }
}
