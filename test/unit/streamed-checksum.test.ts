import { StreamedChecksum } from '../../src/activities/rehearsal/selection';
import { checksum } from '../../src/domain/canonical';

describe('streamed checksums: a rehearsal checksums selections a batch at a time', () => {
  test.each([
    ['no selection', []],
    ['one empty selection', [[]]],
    [
      'documents in two selections',
      [
        [
          { _id: 'a', n: 1 },
          { _id: 'b', nested: { z: 1, a: [1, 2] } },
        ],
        [{ _id: 'c' }],
      ],
    ],
    ['an empty selection between others', [[{ _id: 'a' }], [], [{ _id: 'b', d: new Date('2025-01-01T00:00:00Z') }]]],
  ])('given %s, when fed item by item, then the digest equals checksum() of the nested arrays', (_, selections) => {
    const streamed = new StreamedChecksum().open();
    for (const docs of selections as unknown[][]) {
      streamed.open();
      for (const doc of docs) streamed.item(doc);
      streamed.close();
    }
    expect(streamed.close().digest()).toBe(checksum(selections));
  });
});
