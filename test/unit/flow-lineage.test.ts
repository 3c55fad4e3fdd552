import { diffFlowVersions } from '../../src/client/flow-diff';
import { flowDocumentSchema } from '../../src/domain/flow-document';
import { flowLineage } from '../../src/domain/flow-lineage';
import { sampleFlowConfig } from '../helpers/flows';

const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, n));

describe('flow lineage and diffs', () => {
  test('given a change, its rollback and a later restore-to, then each version names the first write that undid it', () => {
    const lines = flowLineage([
      {
        version: 3,
        writtenAt: at(3),
        writtenBy: { action: 'restore', changeId: 'a', stepId: 's', restoresVersion: 1 },
      },
      { version: 1, writtenAt: at(1), writtenBy: { action: 'create', actor: 'ops@example.com' } },
      { version: 2, writtenAt: at(2), writtenBy: { action: 'apply', changeId: 'a', stepId: 's' } },
      { version: 4, writtenAt: at(4), writtenBy: { action: 'apply', changeId: 'b', stepId: 's' } },
      { version: 5, writtenAt: at(5), writtenBy: { action: 'edit', actor: 'teammate@example.com' } },
      {
        version: 6,
        writtenAt: at(6),
        writtenBy: { action: 'apply', changeId: 'r', restoresVersion: 3, undoesChanges: ['b'] },
      },
    ]);

    expect(lines.map((l) => [l.version, l.undoneBy])).toEqual([
      [1, undefined],
      [2, { version: 3, action: 'restore', changeId: 'a' }],
      [3, undefined],
      [4, { version: 6, action: 'apply', changeId: 'r' }],
      [5, { version: 6, action: 'apply', changeId: 'r' }],
      [6, undefined],
    ]);
    expect(lines[0]!.writtenAt).toBe('2026-01-01T00:01:00.000Z');
  });

  test('given two versions, then the diff is JSON Patch with one readable line per operation, old and new values shown', () => {
    const before = sampleFlowConfig('f');
    const after = { ...before, enabled: false, pricing: { cap: 35, currency: 'USD' }, description: 'summer' };
    delete (after as { steps?: unknown }).steps;

    const diff = diffFlowVersions('f', { version: 1, config: before }, { version: 2, config: after });

    expect(diff).toMatchObject({ flowId: 'f', from: 1, to: 2 });
    expect(diff.lines).toEqual(
      expect.arrayContaining([
        'replace /enabled: true → false',
        'replace /pricing/cap: 20 → 35',
        'add /description: "summer"',
        expect.stringMatching(/^remove \/steps \(was \[\{"type":"filter"/),
      ]),
    );
    expect(diff.lines).toHaveLength(diff.operations.length);
  });

  test('given the sample flow of the tests, then it fits the flow document schema; a bad one is refused field by field', () => {
    expect(flowDocumentSchema.safeParse(sampleFlowConfig('f')).success).toBe(true);
    const bad = flowDocumentSchema.safeParse({
      name: 'x',
      enabled: true,
      steps: [{ type: 'filter', rules: [] }],
      other: 1,
    });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['', 'steps.0.rules']);
  });
});
