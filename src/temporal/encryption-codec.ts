import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/** `encoding` metadata of a payload this codec encrypted. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key a payload was encrypted with; decoding picks the key by it. */
export const KEY_ID_METADATA = 'encryption-key-id';

const ALGORITHM = 'aes-256-gcm';
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The keys a codec knows: every key that may still have encrypted a stored payload, and the one
 * new payloads are encrypted with. Rotation = add a key, make it active, keep the old ones.
 */
export interface Keyring {
  activeKeyId: string;
  keys: ReadonlyMap<string, Uint8Array>;
}

/** A payload this codec must decrypt and cannot: unknown key, tampered or truncated data. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
  constructor(
    message: string,
    readonly keyId?: string,
  ) {
    super(message);
  }
}

/**
 * AES-256-GCM payload codec.
 *
 * Encoding serializes the whole original payload (its metadata and data) as a
 * `temporal.api.common.v1.Payload` protobuf and encrypts it with the active key and a random
 * 12-byte IV; the result is a payload with `encoding: binary/encrypted`,
 * `encryption-key-id: <key id>` and `data = IV ‖ ciphertext ‖ 16-byte auth tag`. The key id is
 * also the additional authenticated data, so relabelling a payload with another key id fails too.
 *
 * Decoding decrypts every `binary/encrypted` payload with the key its metadata names, checking the
 * auth tag; anything it cannot decrypt raises {@link PayloadDecryptionError} — ciphertext is never
 * passed on as if it were data. Payloads that are not `binary/encrypted` (written before
 * encryption was turned on) pass through unchanged.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly keys = new Map<string, KeyObject>();
  readonly activeKeyId: string;

  constructor(keyring: Keyring) {
    for (const [id, bytes] of keyring.keys) {
      if (bytes.length !== KEY_BYTES)
        throw new Error(`encryption key "${id}" must be ${KEY_BYTES} bytes, got ${bytes.length}`);
      this.keys.set(id, createSecretKey(Buffer.from(bytes)));
    }
    if (!this.keys.has(keyring.activeKeyId))
      throw new Error(`active encryption key id "${keyring.activeKeyId}" is not among the keys`);
    this.activeKeyId = keyring.activeKeyId;
  }

  /** Ids of every key this codec can decrypt with. */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload));
  }

  private encrypt(payload: Payload): Payload {
    const keyId = this.activeKeyId;
    const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.keys.get(keyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(keyId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING, 'utf8'),
        [KEY_ID_METADATA]: Buffer.from(keyId, 'utf8'),
      },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!keyIdBytes || keyIdBytes.length === 0)
      throw new PayloadDecryptionError(`encrypted payload has no "${KEY_ID_METADATA}" metadata`);
    const keyId = Buffer.from(keyIdBytes).toString('utf8');
    const key = this.keys.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        `payload was encrypted with key "${keyId}", which is not configured (known: ${this.keyIds.join(', ')}); add it to LEAD_ROLLBACK_ENCRYPTION_KEYS`,
        keyId,
      );
    }
    const data = payload.data ? Buffer.from(payload.data) : Buffer.alloc(0);
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new PayloadDecryptionError(`encrypted payload (key "${keyId}") is truncated: ${data.length} bytes`, keyId);
    const iv = data.subarray(0, IV_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const ciphertext = data.subarray(IV_BYTES, data.length - TAG_BYTES);
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(keyId, 'utf8'));
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `encrypted payload (key "${keyId}") failed authentication: it was altered or encrypted with another key of that id`,
        keyId,
      );
    }
    const { metadata, data: innerData, externalPayloads } = temporal.api.common.v1.Payload.decode(plaintext);
    return externalPayloads?.length ? { metadata, data: innerData, externalPayloads } : { metadata, data: innerData };
  }
}

/** Whether a payload carries this codec's encrypted encoding. */
export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return encoding !== undefined && encoding !== null && Buffer.from(encoding).toString('utf8') === ENCRYPTED_ENCODING;
}

/** A fresh random 256-bit key, base64 — e.g. for `LEAD_ROLLBACK_ENCRYPTION_KEYS`. */
export function generateKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}
