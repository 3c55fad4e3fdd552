import { changeRequestSchema } from '../../src/domain/change-request';
import { parseOrThrow, ValidationError } from '../../src/domain/validation';

const valid = {
  title: 'Raise cap',
  requestedBy: 'ops@example.com',
  steps: [
    {
      id: 'raise-cap',
      target: 'flow-config',
      spec: { flowId: 'solar', patch: [{ op: 'replace', path: '/pricing/cap', value: 30 }] },
    },
  ],
};

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseOrThrow(changeRequestSchema, input, 'change request');
  } catch (err) {
    if (err instanceof ValidationError) return err.issues;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('change request schema', () => {
  test('given a valid request, when parsed, then defaults are filled in', () => {
    expect(parseOrThrow(changeRequestSchema, valid, 'change request').risk).toBe('low');
  });

  test('given several bad fields, when parsed, then every bad field is named by its path', () => {
    const paths = issuesOf({
      title: '',
      requestedBy: 'ops',
      steps: [
        {
          id: 'Bad Id',
          target: 'flow-config',
          spec: { flowId: 'solar', patch: [{ op: 'replace', path: 'pricing/cap', value: 1 }] },
        },
        { id: 'two', target: 'flow-config', spec: { flowId: 'solar', patch: [] } },
      ],
    }).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['title', 'steps.0.id', 'steps.0.spec.patch.0.path', 'steps.1.spec.patch']),
    );
  });

  test('given an unknown target kind, when parsed, then the target field is refused', () => {
    const issues = issuesOf({ ...valid, steps: [{ ...valid.steps[0], target: 'ftp-server' }] });
    expect(issues.map((i) => i.path)).toContain('steps.0.target');
  });

  test('given duplicate step ids, when parsed, then the second id is refused', () => {
    const issues = issuesOf({ ...valid, steps: [valid.steps[0], valid.steps[0]] });
    expect(issues).toEqual([{ path: 'steps.1.id', message: 'duplicate step id "raise-cap"' }]);
  });

  test('given an unknown key in a patch operation, when parsed, then it is refused instead of ignored', () => {
    const issues = issuesOf({
      ...valid,
      steps: [{ ...valid.steps[0], spec: { flowId: 'solar', patch: [{ op: 'remove', path: '/a', value: 1 }] } }],
    });
    expect(issues[0]!.path).toBe('steps.0.spec.patch.0');
  });

  test('given a flow id with a MongoDB operator, when parsed, then it is refused', () => {
    const issues = issuesOf({
      ...valid,
      steps: [{ ...valid.steps[0], spec: { flowId: '$where', patch: valid.steps[0]!.spec.patch } }],
    });
    expect(issues.map((i) => i.path)).toEqual(['steps.0.spec.flowId']);
  });
});
