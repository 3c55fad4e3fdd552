import { readDecisionAction } from '../../src/slack/action-value';
import { changeRequestSchema, MAX_REQUEST_BYTES } from '../../src/domain/change-request';
import { findUnstorableKey } from '../../src/domain/mongo-keys';
import { MAX_INPUT_DEPTH, pathTooDeep } from '../../src/domain/nesting';
import { parseOrThrow, ValidationError } from '../../src/domain/validation';

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseOrThrow(changeRequestSchema, input, 'change request');
  } catch (err) {
    if (err instanceof ValidationError) return err.issues;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

const request = (patch: unknown[]) => ({
  title: 't',
  requestedBy: 'ops@example.com',
  steps: [{ id: 'edit', target: 'flow-config', spec: { flowId: 'solar', patch } }],
});

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('input limits: what no schema should have to walk, and what MongoDB cannot store', () => {
  test('given values at and past the depth limit, then only the deeper one is reported, with its path', () => {
    expect(pathTooDeep({ a: nested(MAX_INPUT_DEPTH - 1) })).toBeUndefined();
    expect(pathTooDeep({ a: nested(MAX_INPUT_DEPTH + 5) })).toEqual(['a', ...Array(MAX_INPUT_DEPTH).fill(0)]);
  });

  test('given a cyclic object, then it is reported too deep instead of looping', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(pathTooDeep(cyclic)?.length).toBe(MAX_INPUT_DEPTH + 1);
  });

  test('given a request nested far past what the schema can recurse through, then parseOrThrow refuses it naming the path instead of overflowing the stack', () => {
    const issues = issuesOf(request([{ op: 'add', path: '/x', value: nested(50_000) }]));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toMatch(/^steps\.0\.spec\.patch\.0\.value\.0\.0/);
    expect(issues[0]!.message).toBe(`is nested deeper than ${MAX_INPUT_DEPTH} levels`);
  });

  test('given a request larger than the limit, then the largest step is named with both sizes', () => {
    const big = request([{ op: 'add', path: '/notes', value: 'x'.repeat(MAX_REQUEST_BYTES) }]);
    expect(issuesOf(big)).toEqual([
      {
        path: 'steps.0',
        message: expect.stringMatching(/request is 257 KiB as JSON, at most 256 KiB; this step alone is 257 KiB/),
      },
    ]);
  });

  test('given keys MongoDB cannot store, then the first is found with its path', () => {
    expect(findUnstorableKey({ rules: [{ field: 'state' }, { filter: { $where: 'x' } }] })).toEqual({
      path: ['rules', 1, 'filter', '$where'],
      problem: expect.stringMatching(/starts with "\$"/),
    });
    expect(findUnstorableKey({ mapping: { 'email.address': 'e' } })?.path).toEqual(['mapping', 'email.address']);
    expect(findUnstorableKey({ price: '$5', note: 'a.b' })).toBeUndefined();
  });

  test('given flow-config patches that write the root, prototypes or operator keys, then each is refused at its path; a test op at the root is fine', () => {
    expect(issuesOf(request([{ op: 'remove', path: '' }]))).toEqual([
      { path: 'steps.0.spec.patch.0.path', message: expect.stringMatching(/whole document/) },
    ]);
    expect(issuesOf(request([{ op: 'add', path: '/a/__proto__/b', value: 1 }]))[0]!.path).toBe(
      'steps.0.spec.patch.0.path',
    );
    expect(issuesOf(request([{ op: 'add', path: '/$inc', value: 1 }]))[0]!.message).toMatch(/operator/);
    expect(issuesOf(request([{ op: 'replace', path: '/steps/0', value: { rules: { $gt: '' } } }]))[0]!.path).toBe(
      'steps.0.spec.patch.0.value.rules.$gt',
    );
    expect(() =>
      parseOrThrow(
        changeRequestSchema,
        request([
          { op: 'test', path: '', value: {} },
          { op: 'replace', path: '/pricing/cap', value: 3 },
        ]),
        'change request',
      ),
    ).not.toThrow();
  });

  test('given malformed Slack button values, then the problem names the field', () => {
    expect(readDecisionAction(undefined)).toEqual({ problem: 'value: missing' });
    expect(readDecisionAction('{oops')).toEqual({ problem: 'value: not JSON' });
    expect(readDecisionAction(JSON.stringify({ changeId: { $gt: '' }, questionId: 'q', decision: 'approve' }))).toEqual(
      { problem: expect.stringMatching(/^value\.changeId: /) },
    );
    expect(readDecisionAction(JSON.stringify({ changeId: 'c-1', questionId: 'q', decision: 'approve' }))).toEqual({
      action: { changeId: 'c-1', questionId: 'q', decision: 'approve' },
    });
  });
});
