import { leadDataSpecSchema, toMongoFilter, writtenFields } from '../../src/domain/targets/lead-data';
import { parseOrThrow, ValidationError } from '../../src/domain/validation';

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseOrThrow(leadDataSpecSchema, input, 'lead-data spec');
  } catch (err) {
    if (err instanceof ValidationError) return err.issues;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

const valid = {
  filter: { status: 'new', state: { in: ['CA', 'TX'] } },
  set: { owner: 'partner-east' },
  unset: ['score'],
};

describe('lead-data step spec', () => {
  test('given a valid spec, when parsed, then the collection defaults to "leads" and set fields come before unset ones', () => {
    const spec = parseOrThrow(leadDataSpecSchema, valid, 'lead-data spec');
    expect(spec.collection).toBe('leads');
    expect(writtenFields(spec)).toEqual({
      paths: ['owner', 'score'],
      written: [{ exists: true, value: 'partner-east' }, { exists: false }],
    });
  });

  test('given a filter, when translated, then every value sits inside an explicit operator', () => {
    const spec = parseOrThrow(
      leadDataSpecSchema,
      { filter: { status: 'new', score: { gte: 10, lt: 50 }, 'contact.email': { exists: true } }, set: { a: 1 } },
      'spec',
    );
    expect(toMongoFilter(spec.filter)).toEqual({
      $and: [{ status: { $eq: 'new' } }, { score: { $gte: 10, $lt: 50 } }, { 'contact.email': { $exists: true } }],
    });
  });

  test('given MongoDB operators smuggled into the filter, when parsed, then each is refused with its path', () => {
    const paths = issuesOf({
      filter: {
        $where: 'sleep(1000)',
        status: { $ne: 'x' },
        'a.$function': 1,
        owner: { in: [{ $gt: '' }] },
        ['b\0']: 1,
      },
      set: { owner: 'x' },
    }).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['filter.$where', 'filter.status', 'filter.a.$function', 'filter.owner', 'filter.b\0']),
    );
  });

  test('given a field name with "$" inside it, when parsed, then the message says why', () => {
    const [issue] = issuesOf({ filter: { pri$ce: 1 }, set: { a: 1 } });
    expect(issue).toEqual({ path: 'filter.pri$ce', message: 'segment "pri$ce" must not contain "$"' });
  });

  test('given an empty filter, when parsed, then it is refused instead of selecting every lead', () => {
    expect(issuesOf({ filter: {}, set: { a: 1 } }).map((i) => i.path)).toEqual(['filter']);
  });

  test('given bad written fields, when parsed, then _id, $ keys, overlapping paths and a no-op spec are refused', () => {
    expect(issuesOf({ filter: { a: 1 }, set: { _id: 'x' } }).map((i) => i.path)).toEqual(['set._id']);
    expect(issuesOf({ filter: { a: 1 }, set: { $set: { owner: 'x' } } }).map((i) => i.path)).toEqual(['set.$set']);
    expect(issuesOf({ filter: { a: 1 }, set: { profile: { $where: 1 } } }).map((i) => i.path)).toEqual([
      'set.profile.$where',
    ]);
    expect(issuesOf({ filter: { a: 1 }, set: { contact: {} }, unset: ['contact.email'] })).toEqual([
      { path: 'unset', message: 'fields "contact" and "contact.email" overlap; write each field once' },
    ]);
    expect(issuesOf({ filter: { a: 1 } }).map((i) => i.path)).toEqual(['set']);
    expect(issuesOf({ filter: { a: 1 }, unset: ['0'] }).map((i) => i.path)).toEqual(['unset.0']);
  });

  test('given a system or bookkeeping collection, when parsed, then the collection is refused', () => {
    expect(issuesOf({ ...valid, collection: 'system.users' }).map((i) => i.path)).toEqual(['collection']);
    expect(issuesOf({ ...valid, collection: 'lead_journal' }).map((i) => i.path)).toEqual(['collection']);
    expect(issuesOf({ ...valid, collection: 'le$ds' }).map((i) => i.path)).toEqual(['collection']);
  });

  test('given an unknown key, when parsed, then it is refused instead of ignored', () => {
    expect(issuesOf({ ...valid, where: 'x' }).map((i) => i.path)).toEqual(['']);
  });
});
