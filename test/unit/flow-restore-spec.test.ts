import { changeRequestSchema } from '../../src/domain/change-request';
import { parseOrThrow, ValidationError } from '../../src/domain/validation';

function request(spec: unknown) {
  return {
    title: 'Restore solar',
    requestedBy: 'ops@example.com',
    steps: [{ id: 'restore', target: 'flow-config', spec }],
  };
}

function issuesOf(spec: unknown): { path: string; message: string }[] {
  try {
    parseOrThrow(changeRequestSchema, request(spec), 'change request');
  } catch (err) {
    if (err instanceof ValidationError) return err.issues;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('flow-config restore-to step form', () => {
  test('given restoreTo a version or a zoned timestamp, when parsed, then both forms are accepted beside the patch form', () => {
    for (const restoreTo of [{ version: 3 }, { at: '2025-03-01T12:00:00Z' }, { at: '2025-03-01T12:00:00.250+02:00' }]) {
      const parsed = parseOrThrow(
        changeRequestSchema,
        request({ flowId: 'solar', restoreTo, expectedVersion: 7 }),
        'change request',
      );
      expect(parsed.steps[0]!.spec).toEqual({ flowId: 'solar', restoreTo, expectedVersion: 7 });
    }
  });

  test('given version 0, when parsed, then the version field is named', () => {
    expect(issuesOf({ flowId: 'solar', restoreTo: { version: 0 } }).map((i) => i.path)).toEqual([
      'steps.0.spec.restoreTo.version',
    ]);
  });

  test('given a timestamp without a zone or not a timestamp, when parsed, then the at field is named with what is expected', () => {
    for (const at of ['2025-03-01T12:00:00', 'yesterday']) {
      expect(issuesOf({ flowId: 'solar', restoreTo: { at } })).toEqual([
        { path: 'steps.0.spec.restoreTo.at', message: expect.stringContaining('ISO 8601 timestamp with a zone') },
      ]);
    }
  });

  test('given restoreTo with both version and at, or neither, when parsed, then restoreTo is named and told to give exactly one', () => {
    for (const restoreTo of [{ version: 2, at: '2025-03-01T12:00:00Z' }, {}]) {
      expect(issuesOf({ flowId: 'solar', restoreTo })).toEqual([
        { path: 'steps.0.spec.restoreTo', message: expect.stringContaining('exactly one of version') },
      ]);
    }
  });

  test('given both patch and restoreTo, or neither, when parsed, then the spec is refused naming both forms', () => {
    const both = issuesOf({ flowId: 'solar', patch: [{ op: 'remove', path: '/a' }], restoreTo: { version: 1 } });
    const neither = issuesOf({ flowId: 'solar' });
    for (const issues of [both, neither]) {
      expect(issues).toEqual([
        { path: 'steps.0.spec', message: expect.stringMatching(/either patch .* or restoreTo/) },
      ]);
    }
  });

  test('given a restore-to step with a bad flow id and an unknown key, when parsed, then each is named', () => {
    const issues = issuesOf({ flowId: '$where', restoreTo: { version: 1 }, force: true });
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['steps.0.spec']));
    const bad = issuesOf({ flowId: '$where', restoreTo: { version: 1 } });
    expect(bad.map((i) => i.path)).toEqual(['steps.0.spec.flowId']);
  });
});
