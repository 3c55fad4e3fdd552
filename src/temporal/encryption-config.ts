import { z } from 'zod';
import { parseOrThrow } from '../domain/validation';
import { plainEnv } from '../domain/safe-keys';
import { KEY_BYTES, type Keyring } from './encryption-codec';

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const KEY_ID_RULE = 'must be 1-64 letters, digits, ".", "_" or "-"';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * `id:base64key,id:base64key`: every key that may have encrypted a stored payload. Messages name
 * the key id and never echo key material.
 */
const keysSchema = z.string().transform((value, ctx) => {
  const keys = new Map<string, Uint8Array>();
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  if (entries.length === 0)
    ctx.addIssue({ code: 'custom', message: 'lists no key: expected "id:base64key[,id:base64key…]"' });
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    if (colon < 0) {
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1} is not "id:base64key"` });
      return;
    }
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) {
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1}: key id ${KEY_ID_RULE}` });
      return;
    }
    const bytes = BASE64.test(encoded) && encoded.length % 4 === 0 ? Buffer.from(encoded, 'base64') : undefined;
    if (!bytes) {
      ctx.addIssue({ code: 'custom', message: `key "${id}" is not base64` });
      return;
    }
    if (bytes.length !== KEY_BYTES) {
      ctx.addIssue({
        code: 'custom',
        message: `key "${id}" must be ${KEY_BYTES} bytes (AES-256), got ${bytes.length}`,
      });
      return;
    }
    if (keys.has(id)) {
      ctx.addIssue({ code: 'custom', message: `key id "${id}" appears twice` });
      return;
    }
    keys.set(id, bytes);
  });
  return keys;
});

/** The environment variables of payload encryption (see docs/security.md, "Protected data"). */
export const encryptionEnvShape = {
  /** Every key that may still have encrypted a stored payload: `id:base64(32 bytes)`, comma-separated. */
  LEAD_ROLLBACK_ENCRYPTION_KEYS: keysSchema.optional(),
  /** Id of the key new payloads are encrypted with; must be in LEAD_ROLLBACK_ENCRYPTION_KEYS. */
  LEAD_ROLLBACK_ENCRYPTION_KEY_ID: z.string().regex(KEY_ID, KEY_ID_RULE).optional(),
  /** Refuse to run without keys. Unset: on when NODE_ENV=production. */
  LEAD_ROLLBACK_REQUIRE_ENCRYPTION: flag.optional(),
  NODE_ENV: z.string().optional(),
};

const encryptionEnvSchema = z.object(encryptionEnvShape).superRefine((env, ctx) => {
  const keys = env.LEAD_ROLLBACK_ENCRYPTION_KEYS;
  const activeId = env.LEAD_ROLLBACK_ENCRYPTION_KEY_ID;
  if (keys && keys.size > 0 && !activeId) {
    ctx.addIssue({
      code: 'custom',
      path: ['LEAD_ROLLBACK_ENCRYPTION_KEY_ID'],
      message: 'is required when LEAD_ROLLBACK_ENCRYPTION_KEYS is set: the id of the key to encrypt with',
    });
  }
  if (activeId && !keys) {
    ctx.addIssue({
      code: 'custom',
      path: ['LEAD_ROLLBACK_ENCRYPTION_KEYS'],
      message: `is required when LEAD_ROLLBACK_ENCRYPTION_KEY_ID is set (it names key "${activeId}")`,
    });
  }
  if (activeId && keys && keys.size > 0 && !keys.has(activeId)) {
    ctx.addIssue({
      code: 'custom',
      path: ['LEAD_ROLLBACK_ENCRYPTION_KEY_ID'],
      message: `"${activeId}" is not among the keys in LEAD_ROLLBACK_ENCRYPTION_KEYS (${[...keys.keys()].join(', ')})`,
    });
  }
  const required = env.LEAD_ROLLBACK_REQUIRE_ENCRYPTION ?? env.NODE_ENV === 'production';
  if (required && !keys) {
    const why =
      env.LEAD_ROLLBACK_REQUIRE_ENCRYPTION === undefined
        ? 'NODE_ENV=production'
        : 'LEAD_ROLLBACK_REQUIRE_ENCRYPTION=true';
    ctx.addIssue({
      code: 'custom',
      path: ['LEAD_ROLLBACK_ENCRYPTION_KEYS'],
      message: `is required (${why}): payload encryption must be on; set LEAD_ROLLBACK_ENCRYPTION_KEYS and LEAD_ROLLBACK_ENCRYPTION_KEY_ID, or LEAD_ROLLBACK_REQUIRE_ENCRYPTION=false to run without`,
    });
  }
});

export interface EncryptionSettings {
  /** The keys, when encryption is on; undefined when it is off. */
  keyring?: Keyring;
  /** Whether running without keys is refused (then `keyring` is always set). */
  required: boolean;
}

/** Reads the encryption settings; a bad value is refused with a ValidationError naming its variable. */
export function loadEncryptionSettings(env: NodeJS.ProcessEnv = process.env): EncryptionSettings {
  const parsed = parseOrThrow(encryptionEnvSchema, plainEnv(env), 'encryption configuration (environment variables)');
  const required = parsed.LEAD_ROLLBACK_REQUIRE_ENCRYPTION ?? parsed.NODE_ENV === 'production';
  const keys = parsed.LEAD_ROLLBACK_ENCRYPTION_KEYS;
  const activeKeyId = parsed.LEAD_ROLLBACK_ENCRYPTION_KEY_ID;
  return { required, keyring: keys && activeKeyId ? { activeKeyId, keys } : undefined };
}

/** The env vars that configure a keyring, e.g. to hand a generated key to a child process. */
export function keyringEnv(
  keyring: Keyring,
): Record<'LEAD_ROLLBACK_ENCRYPTION_KEYS' | 'LEAD_ROLLBACK_ENCRYPTION_KEY_ID', string> {
  return {
    LEAD_ROLLBACK_ENCRYPTION_KEYS: [...keyring.keys]
      .map(([id, key]) => `${id}:${Buffer.from(key).toString('base64')}`)
      .join(','),
    LEAD_ROLLBACK_ENCRYPTION_KEY_ID: keyring.activeKeyId,
  };
}
