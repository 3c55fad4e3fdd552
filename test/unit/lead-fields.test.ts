import { readSlots, slotsEqual, slotsObject, updateFor } from '../../src/domain/targets/fields';

describe('field slots of the MongoDB targets', () => {
  test('given missing fields, when read, then a missing parent is named so a restore can remove it', () => {
    const doc = { owner: 'pool', contact: { email: 'a@b.c' }, nothing: null };
    expect(
      readSlots(doc, ['owner', 'contact.email', 'contact.phone', 'routing.tier.level', 'nothing', 'owner.x']),
    ).toEqual([
      { exists: true, value: 'pool' },
      { exists: true, value: 'a@b.c' },
      { exists: false },
      { exists: false, missingFrom: 'routing' },
      { exists: true, value: null },
      { exists: false },
    ]);
  });

  test('given a missing field and a null field, when compared, then they differ; missingFrom does not matter', () => {
    expect(slotsEqual([{ exists: false }], [{ exists: true, value: null }])).toBe(false);
    expect(slotsEqual([{ exists: false, missingFrom: 'a' }], [{ exists: false }])).toBe(true);
  });

  test('given a restore to a field whose parent the write created, when the update is built, then the hollow parent is removed', () => {
    const paths = ['owner', 'routing.tier', 'routing.zone.code'];
    const before = [
      { exists: true as const, value: 'pool' },
      { exists: false as const, missingFrom: 'routing' },
      { exists: false as const, missingFrom: 'routing' },
    ];
    expect(updateFor(paths, before, { owner: 'x', routing: { tier: 'gold', zone: { code: 'E' } } })).toEqual({
      $set: { owner: 'pool' },
      $unset: { routing: '' },
    });
    // Someone added a sibling since: only our fields go.
    expect(
      updateFor(paths, before, { owner: 'x', routing: { tier: 'gold', zone: { code: 'E' }, note: 'kept' } }),
    ).toEqual({
      $set: { owner: 'pool' },
      $unset: { 'routing.tier': '', 'routing.zone.code': '' },
    });
    expect(updateFor(paths, before)).toEqual({
      $set: { owner: 'pool' },
      $unset: { 'routing.tier': '', 'routing.zone.code': '' },
    });
  });

  test('given dotted paths, when shown to people, then they nest (stored reports may not hold dotted keys)', () => {
    expect(
      slotsObject(
        ['a.b', 'a.c', 'd', 'e'],
        [{ exists: true, value: 1 }, { exists: true, value: 2 }, { exists: false }, { exists: true, value: null }],
      ),
    ).toEqual({
      a: { b: 1, c: 2 },
      e: null,
    });
  });
});
