import { randomBytes } from 'node:crypto';
import { ValidationError } from '../../src/domain/validation';
import { createDataConverter, describeEncryption } from '../../src/temporal/data-converter';
import { EncryptionCodec } from '../../src/temporal/encryption-codec';
import { keyringEnv, loadEncryptionSettings } from '../../src/temporal/encryption-config';

const b64 = (bytes = 32) => randomBytes(bytes).toString('base64');

function refusal(env: NodeJS.ProcessEnv): ValidationError {
  try {
    loadEncryptionSettings(env);
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('encryption settings from the environment', () => {
  test('given no encryption variables outside production, when loaded, then encryption is off and not required', () => {
    const settings = loadEncryptionSettings({});

    expect(settings).toEqual({ required: false, keyring: undefined });
    expect(createDataConverter(settings)).toEqual({});
    expect(describeEncryption(settings)).toMatch(/OFF/);
  });

  test('given two keys and an active id, when loaded, then the keyring holds both and the codec encrypts with the active one', () => {
    const older = b64();
    const settings = loadEncryptionSettings({
      LEAD_ROLLBACK_ENCRYPTION_KEYS: ` k2026a:${b64()} , k2025b:${older}`,
      LEAD_ROLLBACK_ENCRYPTION_KEY_ID: 'k2026a',
    });

    expect(settings.keyring!.activeKeyId).toBe('k2026a');
    expect([...settings.keyring!.keys.keys()]).toEqual(['k2026a', 'k2025b']);
    expect(Buffer.from(settings.keyring!.keys.get('k2025b')!).toString('base64')).toBe(older);
    const converter = createDataConverter(settings);
    expect(converter.payloadCodecs).toHaveLength(1);
    expect(converter.payloadCodecs![0]).toBeInstanceOf(EncryptionCodec);
    expect(converter.failureConverterPath).toMatch(/failure-converter/);
    expect(describeEncryption(settings)).toBe(
      'payload encryption: on (AES-256-GCM, active key "k2026a", 2 key(s): k2026a, k2025b)',
    );
  });

  test('given a keyring, when turned back into env vars, then loading them yields the same keys', () => {
    const settings = loadEncryptionSettings({
      LEAD_ROLLBACK_ENCRYPTION_KEYS: `a:${b64()},b:${b64()}`,
      LEAD_ROLLBACK_ENCRYPTION_KEY_ID: 'b',
    });

    expect(loadEncryptionSettings(keyringEnv(settings.keyring!))).toEqual(settings);
  });

  test.each([
    [
      'a 16-byte key',
      { LEAD_ROLLBACK_ENCRYPTION_KEYS: `k1:${b64(16)}`, LEAD_ROLLBACK_ENCRYPTION_KEY_ID: 'k1' },
      'LEAD_ROLLBACK_ENCRYPTION_KEYS',
      /key "k1" must be 32 bytes \(AES-256\), got 16/,
    ],
    [
      'a key that is not base64',
      { LEAD_ROLLBACK_ENCRYPTION_KEYS: 'k1:not base64!', LEAD_ROLLBACK_ENCRYPTION_KEY_ID: 'k1' },
      'LEAD_ROLLBACK_ENCRYPTION_KEYS',
      /key "k1" is not base64/,
    ],
    [
      'an entry without a colon',
      { LEAD_ROLLBACK_ENCRYPTION_KEYS: b64(), LEAD_ROLLBACK_ENCRYPTION_KEY_ID: 'k1' },
      'LEAD_ROLLBACK_ENCRYPTION_KEYS',
      /entry 1 is not "id:base64key"/,
    ],
    [
      'a bad key id',
      { LEAD_ROLLBACK_ENCRYPTION_KEYS: `k 1:${b64()}`, LEAD_ROLLBACK_ENCRYPTION_KEY_ID: 'k1' },
      'LEAD_ROLLBACK_ENCRYPTION_KEYS',
      /key id must be/,
    ],
    [
      'a duplicate key id',
      { LEAD_ROLLBACK_ENCRYPTION_KEYS: `k1:${b64()},k1:${b64()}`, LEAD_ROLLBACK_ENCRYPTION_KEY_ID: 'k1' },
      'LEAD_ROLLBACK_ENCRYPTION_KEYS',
      /"k1" appears twice/,
    ],
    [
      'an active id not in the list',
      { LEAD_ROLLBACK_ENCRYPTION_KEYS: `k1:${b64()}`, LEAD_ROLLBACK_ENCRYPTION_KEY_ID: 'k9' },
      'LEAD_ROLLBACK_ENCRYPTION_KEY_ID',
      /"k9" is not among the keys/,
    ],
    [
      'keys without an active id',
      { LEAD_ROLLBACK_ENCRYPTION_KEYS: `k1:${b64()}` },
      'LEAD_ROLLBACK_ENCRYPTION_KEY_ID',
      /is required when LEAD_ROLLBACK_ENCRYPTION_KEYS is set/,
    ],
    [
      'an active id without keys',
      { LEAD_ROLLBACK_ENCRYPTION_KEY_ID: 'k1' },
      'LEAD_ROLLBACK_ENCRYPTION_KEYS',
      /is required when LEAD_ROLLBACK_ENCRYPTION_KEY_ID is set/,
    ],
    [
      'production without keys',
      { NODE_ENV: 'production' },
      'LEAD_ROLLBACK_ENCRYPTION_KEYS',
      /is required \(NODE_ENV=production\)/,
    ],
    [
      'encryption required without keys',
      { LEAD_ROLLBACK_REQUIRE_ENCRYPTION: 'true' },
      'LEAD_ROLLBACK_ENCRYPTION_KEYS',
      /is required \(LEAD_ROLLBACK_REQUIRE_ENCRYPTION=true\)/,
    ],
    [
      'a non-boolean requirement flag',
      { LEAD_ROLLBACK_REQUIRE_ENCRYPTION: 'yes' },
      'LEAD_ROLLBACK_REQUIRE_ENCRYPTION',
      /./,
    ],
  ])('given %s, when loaded, then a ValidationError names %s', (_name, env, variable, message) => {
    const error = refusal(env);

    expect(error.issues.map((i) => i.path)).toContain(variable);
    expect(error.message).toMatch(message);
  });

  test('given a bad key, when refused, then the message does not echo key material', () => {
    const secret = b64(31);
    const error = refusal({ LEAD_ROLLBACK_ENCRYPTION_KEYS: `k1:${secret}`, LEAD_ROLLBACK_ENCRYPTION_KEY_ID: 'k1' });

    expect(error.message).not.toContain(secret);
  });

  test('given production with an explicit opt-out, when loaded, then running without keys is allowed', () => {
    expect(loadEncryptionSettings({ NODE_ENV: 'production', LEAD_ROLLBACK_REQUIRE_ENCRYPTION: 'false' })).toEqual({
      required: false,
      keyring: undefined,
    });
  });
});
