import { changeRequestSchema } from '../../src/domain/change-request';
import { lockKeys } from '../../src/domain/locks';

const stepsOf = (steps: unknown[]) => changeRequestSchema.parse({ title: 't', requestedBy: 'ops', steps }).steps;

describe('locks of the MongoDB-backed target kinds', () => {
  test('given a lead batch, when its locks are named, then there is one per collection and written top-level field', () => {
    const [step] = stepsOf([
      {
        id: 'a',
        target: 'lead-data',
        spec: {
          filter: { status: 'new' },
          set: { owner: 'x', 'routing.tier': 'g', 'routing.zone': 'e' },
          unset: ['score'],
        },
      },
    ]);
    expect(lockKeys(step!)).toEqual(['lead-data:leads:owner', 'lead-data:leads:routing', 'lead-data:leads:score']);
  });

  test('given a document step, when its lock is named, then it names the collection, id type and id', () => {
    const [step] = stepsOf([
      {
        id: 'b',
        target: 'mongo-document',
        spec: { collection: 'partners', id: 'acme', op: 'unset', fields: ['note'] },
      },
    ]);
    expect(lockKeys(step!)).toEqual(['mongo-document:partners:string:acme']);
  });
});
