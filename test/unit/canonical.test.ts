import { checksum, deepEqual } from '../../src/domain/canonical';

describe('canonical checksums', () => {
  test('given the same document with keys in another order, when checksummed, then the checksums match', () => {
    expect(checksum({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(checksum({ b: { d: 'x', c: [1, 2] }, a: 1 }));
  });

  test('given documents that differ in array order, when compared, then they differ', () => {
    expect(deepEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
  });
});
