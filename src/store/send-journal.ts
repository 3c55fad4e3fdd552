import type { Collection, Db } from 'mongodb';
import type { TargetKind } from '../domain/targets/index';
import type { StepKey } from '../domain/outcomes';
import { productCollection } from './collections';

/** A step's request to a partner: the change itself, or the request that undoes it. */
export type SendPhase = 'forward' | 'compensate';

/**
 * - `intent`: about to send (or sending); whether it arrived is unknown until an outcome is written;
 * - `delivered`: the partner answered with an expected status;
 * - `rejected`: the partner refused it for good (4xx): it did not take effect;
 * - `uncertain`: no usable answer (5xx, timeout, dropped connection): it may or may not have taken effect;
 * - `not-sent`: every attempt so far failed before anything left the worker (refused destination,
 *   DNS failure, refused connection, a header the client will not send): it cannot have taken effect.
 */
export type SendState = 'intent' | 'delivered' | 'rejected' | 'uncertain' | 'not-sent';

export interface SendDoc {
  /** The idempotency key, also sent as the `Idempotency-Key` header. */
  _id: string;
  changeId: string;
  stepId: string;
  target: TargetKind;
  phase: SendPhase;
  /** sha256 of what is sent (method, URL, body): the same key never stands for another request. */
  fingerprint: string;
  /** For people and checkers: no headers, so no credentials. */
  request: { method: string; url: string };
  state: SendState;
  /** How many times the request was (about to be) sent. */
  attempts: number;
  lastStatus?: number;
  lastError?: string;
  intentAt: Date;
  updatedAt: Date;
  deliveredAt?: Date;
  /** What the send achieved, for the adapter (e.g. which CRM items a restore put back). */
  outcome?: Record<string, unknown>;
}

/** `<changeId>/<stepId>/<phase>`: unambiguous, since ids are lowercase letters, digits and "-". */
export function idempotencyKey(key: StepKey, phase: SendPhase): string {
  return `${key.changeId}/${key.stepId}/${phase}`;
}

const DUPLICATE_KEY = 11000;

/**
 * Every side-effecting request of the HTTP target kinds is journaled in MongoDB (`http_sends`),
 * keyed by its idempotency key: the intent before sending, the outcome after. That is how a
 * restore knows whether the forward request was ever sent (no intent → nothing to undo) and how a
 * second restore knows the compensating request already went out.
 */
export class SendJournal {
  readonly collection: Collection<SendDoc>;

  constructor(db: Db) {
    this.collection = productCollection<SendDoc>(db, 'httpSends');
  }

  get(key: StepKey, phase: SendPhase): Promise<SendDoc | null> {
    return this.collection.findOne({ _id: idempotencyKey(key, phase) });
  }

  /**
   * Records that the request is about to be sent (once more). A known outcome is never downgraded:
   * an earlier attempt that ended without an outcome (a crash after its intent) counts as uncertain,
   * and only a request no attempt may have sent can end `not-sent`.
   */
  async intent(
    key: StepKey,
    phase: SendPhase,
    what: Pick<SendDoc, 'target' | 'fingerprint' | 'request'>,
  ): Promise<SendDoc> {
    const _id = idempotencyKey(key, phase);
    const now = new Date();
    await this.collection.updateOne(
      { _id, state: 'intent' },
      {
        $set: {
          state: 'uncertain',
          lastError: 'an earlier attempt ended without recording its outcome',
          updatedAt: now,
        },
      },
    );
    await this.collection.updateOne({ _id, state: 'not-sent' }, { $set: { state: 'intent', updatedAt: now } });
    const update = {
      $setOnInsert: {
        changeId: key.changeId,
        stepId: key.stepId,
        phase,
        ...what,
        state: 'intent' as const,
        intentAt: now,
      },
      $inc: { attempts: 1 },
      $set: { updatedAt: now },
    };
    for (let attempt = 0; ; attempt++) {
      try {
        const doc = await this.collection.findOneAndUpdate({ _id }, update, { upsert: true, returnDocument: 'after' });
        if (doc) return doc;
      } catch (err) {
        // Two attempts racing on the first insert: the loser retries as an update.
        if ((err as { code?: number }).code !== DUPLICATE_KEY || attempt > 2) throw err;
      }
    }
  }

  async delivered(key: StepKey, phase: SendPhase, status: number, outcome?: Record<string, unknown>): Promise<void> {
    const now = new Date();
    await this.collection.updateOne(
      { _id: idempotencyKey(key, phase) },
      {
        $set: {
          state: 'delivered',
          lastStatus: status,
          updatedAt: now,
          deliveredAt: now,
          ...(outcome ? { outcome } : {}),
        },
        $unset: { lastError: '' },
      },
    );
  }

  /**
   * Records a failed send; a delivered request stays delivered, and `not-sent` is written only
   * over this attempt's own intent (never over an earlier attempt that may have arrived).
   */
  async failed(
    key: StepKey,
    phase: SendPhase,
    state: 'rejected' | 'uncertain' | 'not-sent',
    detail: { status?: number; error: string },
  ): Promise<void> {
    await this.collection.updateOne(
      { _id: idempotencyKey(key, phase), state: state === 'not-sent' ? 'intent' : { $ne: 'delivered' } },
      {
        $set: {
          state,
          lastError: detail.error.slice(0, 500),
          updatedAt: new Date(),
          ...(detail.status ? { lastStatus: detail.status } : {}),
        },
      },
    );
  }

  listForChange(changeId: string): Promise<SendDoc[]> {
    return this.collection.find({ changeId }).sort({ intentAt: 1 }).toArray();
  }
}
