import { mongoDocumentSpecSchema } from '../../src/domain/targets/mongo-document';
import { changeRequestSchema } from '../../src/domain/change-request';
import { parseOrThrow, ValidationError } from '../../src/domain/validation';

function issuesOf(
  input: unknown,
  schema: typeof mongoDocumentSpecSchema | typeof changeRequestSchema = mongoDocumentSpecSchema,
): string[] {
  try {
    parseOrThrow(schema, input, 'spec');
  } catch (err) {
    if (err instanceof ValidationError) return err.issues.map((i) => i.path);
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('mongo-document step spec', () => {
  test('given each op, when parsed, then the id type defaults to string', () => {
    for (const spec of [
      { collection: 'partners', id: 'acme', op: 'set', fields: { 'limits.daily': 500 } },
      { collection: 'partners', id: 'acme', op: 'unset', fields: ['limits.daily'] },
      {
        collection: 'partners',
        id: '65a1b2c3d4e5f60718293a4b',
        idType: 'objectId',
        op: 'replace',
        document: { name: 'Acme', limits: { daily: 5 } },
      },
    ]) {
      expect(parseOrThrow(mongoDocumentSpecSchema, spec, 'spec').idType).toBe(spec.idType ?? 'string');
    }
  });

  test('given bad collections, ids and paths, when parsed, then each is refused by its path', () => {
    expect(issuesOf({ collection: 'system.profile', id: 'a', op: 'set', fields: { a: 1 } })).toEqual(['collection']);
    expect(issuesOf({ collection: 'recovery_points', id: 'a', op: 'set', fields: { a: 1 } })).toEqual(['collection']);
    expect(issuesOf({ collection: 'partners', id: 'nothex', idType: 'objectId', op: 'set', fields: { a: 1 } })).toEqual(
      ['id'],
    );
    expect(issuesOf({ collection: 'partners', id: 'a', op: 'set', fields: { $rename: { a: 'b' } } })).toEqual([
      'fields.$rename',
    ]);
    expect(issuesOf({ collection: 'partners', id: 'a', op: 'set', fields: {} })).toEqual(['fields']);
    expect(issuesOf({ collection: 'partners', id: 'a', op: 'unset', fields: ['ok', '_id'] })).toEqual(['fields.1']);
    expect(issuesOf({ collection: 'partners', id: 'a', op: 'replace', document: { _id: 'b', name: 'x' } })).toEqual([
      'document._id',
    ]);
    expect(issuesOf({ collection: 'partners', id: 'a', op: 'replace', document: { nested: { 'a.b': 1 } } })).toEqual([
      'document.nested.a.b',
    ]);
    expect(issuesOf({ collection: 'partners', id: 'a', op: 'drop' })).toEqual(['op']);
  });

  test('given a change request with a mongo-document step, when it is bad, then the path names the step', () => {
    const request = {
      title: 't',
      requestedBy: 'ops',
      steps: [
        {
          id: 's',
          target: 'mongo-document',
          spec: { collection: 'partners', id: 'a', op: 'set', fields: { $inc: 1 } },
        },
      ],
    };
    expect(issuesOf(request, changeRequestSchema)).toEqual(['steps.0.spec.fields.$inc']);
  });
});
