import type { Collection, Db } from 'mongodb';
import { ErrorType } from '../domain/errors';
import { permanent } from '../domain/failures';
import { productCollection } from './collections';

interface LeaseDoc {
  /** `<collection> <filter as canonical JSON>`: the sandbox documents held. */
  _id: string;
  rehearsalId: string;
  expiresAt: Date;
}

const DUPLICATE_KEY = 11000;

/**
 * Rehearsals share one rehearsal database; a rehearsal holds the sandbox documents it copied until
 * it ends, so a second rehearsal of the same flow cannot overwrite them half way. A lease left by a
 * crashed rehearsal expires. Each call is idempotent for the rehearsal that holds the lease.
 */
export class SandboxLeases {
  private readonly leases: Collection<LeaseDoc>;

  constructor(db: Db) {
    this.leases = productCollection<LeaseDoc>(db, 'rehearsalLeases');
  }

  /** Takes the lease, or throws a permanent Conflict naming the rehearsal that holds it. */
  async acquire(key: string, rehearsalId: string, ttlMs: number): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const expiresAt = new Date(Date.now() + ttlMs);
      try {
        await this.leases.insertOne({ _id: key, rehearsalId, expiresAt });
        return;
      } catch (err) {
        if ((err as { code?: number }).code !== DUPLICATE_KEY) throw err;
      }
      const held = await this.leases.findOne({ _id: key });
      if (!held) continue; // released meanwhile: insert again
      if (held.rehearsalId === rehearsalId) return;
      if (held.expiresAt.getTime() > Date.now()) {
        throw permanent(
          ErrorType.Conflict,
          `${key} is being rehearsed by rehearsal ${held.rehearsalId} (until ${held.expiresAt.toISOString()}); try again when it has finished`,
        );
      }
      // Expired: take it over only if nobody else did first (compare-and-set on the old holder).
      const taken = await this.leases.updateOne(
        { _id: key, rehearsalId: held.rehearsalId, expiresAt: held.expiresAt },
        { $set: { rehearsalId, expiresAt } },
      );
      if (taken.matchedCount === 1) return;
    }
    throw permanent(ErrorType.Conflict, `${key} keeps changing hands between rehearsals; try again later`);
  }

  async releaseAll(rehearsalId: string): Promise<number> {
    return (await this.leases.deleteMany({ rehearsalId })).deletedCount;
  }
}
