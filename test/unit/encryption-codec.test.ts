import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import {
  EncryptionCodec,
  ENCRYPTED_ENCODING,
  isEncrypted,
  KEY_ID_METADATA,
  PayloadDecryptionError,
} from '../../src/temporal/encryption-codec';

const lead = { email: 'jane.doe@example.com', phone: '+1-555-0142', note: 'token sk_live_51Hx9Qz' };
const toPayload = (value: unknown) => defaultPayloadConverter.toPayload(value);
const fromPayload = (payload: Payload) => defaultPayloadConverter.fromPayload(payload);
const meta = (payload: Payload, key: string) => Buffer.from(payload.metadata![key]!).toString('utf8');

function codec(activeKeyId: string, keys: Record<string, Buffer>): EncryptionCodec {
  return new EncryptionCodec({ activeKeyId, keys: new Map(Object.entries(keys)) });
}

describe('EncryptionCodec (AES-256-GCM)', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);

  test('given a lead payload, when encoded and decoded, then the original metadata and data come back', async () => {
    const c = codec('k1', { k1 });
    const original = toPayload(lead);

    const [encoded] = await c.encode([original]);
    const [decoded] = await c.decode([encoded!]);

    expect(fromPayload(decoded!)).toEqual(lead);
    expect(meta(decoded!, METADATA_ENCODING_KEY)).toBe('json/plain');
  });

  test('given a payload, when encoded, then it is binary/encrypted with the key id and holds no plaintext', async () => {
    const [encoded] = await codec('k1', { k1 }).encode([toPayload(lead)]);

    expect(meta(encoded!, METADATA_ENCODING_KEY)).toBe(ENCRYPTED_ENCODING);
    expect(meta(encoded!, KEY_ID_METADATA)).toBe('k1');
    expect(Object.keys(encoded!.metadata!).sort()).toEqual([METADATA_ENCODING_KEY, KEY_ID_METADATA].sort());
    const bytes = Buffer.from(encoded!.data!);
    for (const text of [...Object.values(lead), 'json/plain']) expect(bytes.includes(Buffer.from(text))).toBe(false);
  });

  test('given the same payload encoded twice, then the ciphertexts differ (a random IV per payload)', async () => {
    const c = codec('k1', { k1 });
    const [a, b] = await c.encode([toPayload(lead), toPayload(lead)]);

    expect(Buffer.from(a!.data!).subarray(0, 12).equals(Buffer.from(b!.data!).subarray(0, 12))).toBe(false);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  test('given an empty list and a payload without data, when round-tripped, then both survive', async () => {
    const c = codec('k1', { k1 });
    expect(await c.encode([])).toEqual([]);
    const [decoded] = await c.decode(await c.encode([toPayload(undefined)]));
    expect(fromPayload(decoded!)).toBeUndefined();
  });

  test('given payloads written with an old key, when the active key is rotated, then they still decode and new ones use the new key', async () => {
    const before = codec('k1', { k1 });
    const [old] = await before.encode([toPayload(lead)]);

    const after = codec('k2', { k1, k2 });
    const [fresh] = await after.encode([toPayload('new')]);
    const [oldDecoded, freshDecoded] = await after.decode([old!, fresh!]);

    expect(fromPayload(oldDecoded!)).toEqual(lead);
    expect(fromPayload(freshDecoded!)).toBe('new');
    expect(meta(fresh!, KEY_ID_METADATA)).toBe('k2');
  });

  test('given a payload encrypted with a key id the codec does not know, when decoded, then it fails naming the key id', async () => {
    const [encoded] = await codec('k2', { k2 }).encode([toPayload(lead)]);

    await expect(codec('k1', { k1 }).decode([encoded!])).rejects.toThrow(PayloadDecryptionError);
    await expect(codec('k1', { k1 }).decode([encoded!])).rejects.toThrow(/"k2", which is not configured/);
  });

  test.each([
    ['one ciphertext bit flipped', (data: Buffer) => (data[20] = data[20]! ^ 0x01)],
    ['the auth tag altered', (data: Buffer) => (data[data.length - 1] = data[data.length - 1]! ^ 0x80)],
    ['the IV altered', (data: Buffer) => (data[0] = data[0]! ^ 0x01)],
  ])('given %s, when decoded, then it fails authentication instead of returning data', async (_name, tamper) => {
    const c = codec('k1', { k1 });
    const [encoded] = await c.encode([toPayload(lead)]);
    const data = Buffer.from(encoded!.data!);
    tamper(data);

    await expect(c.decode([{ ...encoded, data }])).rejects.toThrow(/failed authentication/);
  });

  test('given a payload relabelled with another known key id, when decoded, then it fails (the key id is authenticated)', async () => {
    const c = codec('k1', { k1, k2 });
    const [encoded] = await c.encode([toPayload(lead)]);
    const relabelled = { ...encoded, metadata: { ...encoded!.metadata, [KEY_ID_METADATA]: Buffer.from('k2') } };

    await expect(c.decode([relabelled])).rejects.toThrow(/key "k2".*failed authentication/);
  });

  test('given an encrypted payload without key id or with truncated data, when decoded, then each fails clearly', async () => {
    const c = codec('k1', { k1 });
    const [encoded] = await c.encode([toPayload(lead)]);

    await expect(
      c.decode([{ ...encoded, metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING) } }]),
    ).rejects.toThrow(/no "encryption-key-id"/);
    await expect(c.decode([{ ...encoded, data: Buffer.from(encoded!.data!).subarray(0, 20) }])).rejects.toThrow(
      /truncated/,
    );
  });

  test('given a plain (never encrypted) payload, when decoded, then it passes through unchanged', async () => {
    const plain = toPayload(lead);
    const [decoded] = await codec('k1', { k1 }).decode([plain]);

    expect(decoded).toBe(plain);
    expect(isEncrypted(plain)).toBe(false);
  });

  test('given a key of the wrong length or an active id without a key, when the codec is built, then it refuses', () => {
    expect(() => codec('k1', { k1: randomBytes(16) })).toThrow(/must be 32 bytes/);
    expect(() => codec('k3', { k1 })).toThrow(/"k3" is not among the keys/);
  });
});
