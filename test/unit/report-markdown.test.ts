import type { ReportAnnotations } from '../../src/domain/root-cause';
import { mermaidText } from '../../src/report/gantt';
import { renderReportMarkdown } from '../../src/report/markdown';
import { renderReportText } from '../../src/report/text';
import type { ChangeReport } from '../../src/domain/status';

const t0 = Date.parse('2026-02-03T10:00:00.000Z');
const t = (ms: number) => new Date(t0 + ms).toISOString();

type Report = ChangeReport & ReportAnnotations;

/**
 * Adds the observation and validation sections as loose data: the renderers read them defensively,
 * and the fixture stays valid whatever exact types the report gives those sections.
 */
function withSections(report: Report, sections: Record<string, unknown>): Report {
  return { ...report, ...sections } as unknown as Report;
}

const trigger = {
  name: 'acceptance-drop',
  metric: 'acceptance_rate',
  value: 0.42,
  baseline: 0.61,
  samples: 120,
  firedAt: t(870),
  comparison: 'relative',
};
const validation = {
  targets: [
    { stepId: 'raise-cap', ok: true, detail: 'checksum matches' },
    { stepId: 'section', ok: false, detail: 'conflict left in place' },
  ],
  metrics: { acceptance_rate: 0.6 },
};

/** A rolled-back change: two steps applied then restored (one with a conflict), the third failed, one never reached. */
function fixture(): Report {
  return withSections(baseFixture(), { trigger, validation });
}

function baseFixture(): Report {
  return {
    changeId: 'c-fixture',
    title: 'Raise caps: #1; 50% off\nfor *solar*',
    phase: 'rolled-back',
    requestedBy: 'ops@example.com',
    startedAt: t(0),
    finishedAt: t(2500),
    cause: { stepId: 'add-filter', type: 'InvalidStepError', message: 'patch cannot be applied to flow home' },
    recovery: {
      detectedAt: t(900),
      rollbackStartedAt: t(950),
      restoredAt: t(1800),
      validatedAt: t(2400),
      timeToRecoverMs: 1500,
    },
    steps: [
      {
        id: 'raise-cap',
        target: 'flow-config',
        state: 'restored',
        recoveryPoint: {
          id: 'c-fixture/raise-cap/before-apply',
          target: 'flow-config',
          purpose: 'before-apply',
          checksum: 'aa',
          summary: 'flow solar at version 4',
          capturedAt: t(10),
        },
        applied: { status: 'applied', summary: 'flow solar version 4 → 5' },
        restore: {
          status: 'restored',
          summary: 'flow solar version 6 restores version 4',
          recoveryPointId: 'c-fixture/raise-cap/before-apply',
        },
        timings: { applyStartedAt: t(5), appliedAt: t(300), compensationStartedAt: t(1400), compensatedAt: t(1800) },
      },
      {
        id: 'section',
        target: 'crm',
        state: 'conflict',
        recoveryPoint: {
          id: 'c-fixture/section/before-apply',
          target: 'crm',
          purpose: 'before-apply',
          checksum: 'bb',
          summary: 'contacts/42: 2 value(s)',
          capturedAt: t(310),
        },
        applied: { status: 'applied', summary: 'set contacts/42' },
        restore: {
          status: 'conflict',
          summary: 'contacts/42 was changed after this step; left as is',
          recoveryPointId: 'c-fixture/section/before-apply',
          conflicts: {
            count: 3,
            sample: [{ item: 'contacts/42.lead_tier', before: 'silver', written: 'gold|vip', now: 'platinum' }],
            ref: 'lead_conflicts?changeId=c-fixture',
          },
        },
        timings: { applyStartedAt: t(305), appliedAt: t(600), compensationStartedAt: t(950), compensatedAt: t(1390) },
      },
      {
        id: 'add-filter',
        target: 'flow-config',
        state: 'failed',
        error: { type: 'InvalidStepError', message: 'patch cannot be applied to flow home' },
        timings: { applyStartedAt: t(605) },
      },
      { id: 'never-reached', target: 'webhook', state: 'pending' },
    ],
    pendingDecisions: [],
    decisions: [
      {
        questionId: 'q1',
        kind: 'step-failure',
        stepId: 'add-filter',
        decision: 'rollback',
        actor: 'oncall@example.com',
        comment: 'roll | it back',
        level: 1,
        at: t(890),
      },
    ],
    rollbackRequest: {
      actor: 'lead@example.com',
      reason: 'acceptance dropped',
      category: 'business-impact',
      at: t(880),
    },
    timeline: [
      { at: t(0), event: 'change started', actor: 'ops@example.com', detail: 'Raise caps' },
      { at: t(900), event: 'step failed', stepId: 'add-filter', detail: 'patch cannot be applied | test op' },
      { at: t(2500), event: 'phase rolled-back' },
    ],
    rootCause: { note: 'A stale price table.\nFixed in pricing 2.3.', author: 'sre@example.com', at: t(90_000) },
    rootCauseHistory: [
      { note: 'Unknown yet', author: 'oncall@example.com', at: t(60_000) },
      { note: 'A stale price table.\nFixed in pricing 2.3.', author: 'sre@example.com', at: t(90_000) },
    ],
  };
}

function mermaidBlock(markdown: string): string[] {
  const match = /```mermaid\n([\s\S]*?)\n```/.exec(markdown);
  if (!match) throw new Error('no mermaid block');
  return match[1]!.split('\n');
}

const taskLine = /^ {4}([^:\n]+) :(done|crit|active), ([ac]\d+), (\d{13}), (\d{13})$/;

describe('report as Markdown', () => {
  test('given a rolled-back report, when rendered, then the Mermaid block is a gantt in epoch ms with an apply and a compensate section and one task per timed step', () => {
    const lines = mermaidBlock(renderReportMarkdown(fixture()));

    expect(lines[0]).toBe('gantt');
    expect(lines).toContain('    dateFormat x');
    const apply = lines.indexOf('    section apply');
    const compensate = lines.indexOf('    section compensate');
    expect(apply).toBeGreaterThan(0);
    expect(compensate).toBeGreaterThan(apply);
    const applyTasks = lines.slice(apply + 1, compensate).map((l) => taskLine.exec(l));
    const compensateTasks = lines.slice(compensate + 1).map((l) => taskLine.exec(l));
    expect(applyTasks.every(Boolean) && compensateTasks.every(Boolean)).toBe(true);
    expect(applyTasks.map((m) => [m![1], m![2], Number(m![4]) - t0, Number(m![5]) - t0])).toEqual([
      ['raise-cap', 'done', 5, 300],
      ['step section', 'done', 305, 600],
      // No appliedAt: the bar ends where the timeline says the step failed.
      ['add-filter', 'crit', 605, 900],
    ]);
    expect(compensateTasks.map((m) => [m![1], m![2], Number(m![4]) - t0, Number(m![5]) - t0])).toEqual([
      ['raise-cap', 'done', 1400, 1800],
      ['step section', 'crit', 950, 1390],
    ]);
    expect(new Set([...applyTasks, ...compensateTasks].map((m) => m![3])).size).toBe(5);
  });

  test('given a title with ":", "#", ";", "%" and a line break, when charted, then the title line is one line with those written as Mermaid entity codes', () => {
    const lines = mermaidBlock(renderReportMarkdown(fixture()));
    const title = lines.find((l) => l.startsWith('    title '))!;

    expect(title).toBe('    title Raise caps#58; #35;1#59; 50#37; off for *solar*');
    expect(mermaidText('a:b#c;d%e\r\nf')).toBe('a#58;b#35;c#59;d#37;e f');
    expect(lines.filter((l) => l.includes('title'))).toHaveLength(1);
  });

  test('given the report, when rendered, then outcome, cause, recovery times, trigger, validation, steps, conflicts, decisions, request, root cause and timeline are all there', () => {
    const markdown = renderReportMarkdown(fixture());

    expect(markdown.split('\n')[0]).toBe('# Change `c-fixture`: Raise caps: \\#1; 50% off for \\*solar\\*');
    expect(markdown).toContain('**Outcome:** rolled-back · requested by ops@example.com');
    expect(markdown).toContain('**Cause:** step `add-filter`: InvalidStepError: patch cannot be applied to flow home');
    expect(markdown).toContain('**Time to recover: 1.50 s** (detection → validated)');
    expect(markdown).toContain('| rollback started | `2026-02-03T10:00:00.950Z` | +50 ms |');
    expect(markdown).toContain('| all restored | `2026-02-03T10:00:01.800Z` | +900 ms |');
    expect(markdown).toContain('| validated | `2026-02-03T10:00:02.400Z` | +1.50 s |');
    expect(markdown).toContain('| metric | acceptance\\_rate |');
    expect(markdown).toContain('| value | 0.42 |');
    expect(markdown).toContain('| baseline | 0.61 |');
    expect(markdown).toContain('| samples | 120 |');
    expect(markdown).toContain('| comparison | relative |');
    expect(markdown).toContain('| `section` | **no** | conflict left in place |');
    expect(markdown).toContain(
      '| `raise-cap` | flow-config | restored | `c-fixture/raise-cap/before-apply`<br>flow solar at version 4 | flow solar version 4 → 5 | restored: flow solar version 6 restores version 4 |',
    );
    expect(markdown).toContain(
      '### Conflicts in `section`: 3 item(s) changed by someone else, left as they are (sample of 1; all in `lead_conflicts?changeId=c-fixture`)',
    );
    expect(markdown).toContain('| contacts/42.lead\\_tier | `silver` | `gold\\|vip` | `platinum` |');
    expect(markdown).toContain(
      '| `add-filter` | flow-config | failed |  | **InvalidStepError**: patch cannot be applied to flow home |  |',
    );
    expect(markdown).toContain(
      '| `2026-02-03T10:00:00.890Z` | step-failure | `add-filter` | **rollback** | oncall@example.com | 1 | roll \\| it back |',
    );
    expect(markdown).toContain(
      'Requested by lead@example.com at `2026-02-03T10:00:00.880Z`, category **business-impact**: acceptance dropped',
    );
    expect(markdown).toContain(
      '> A stale price table.\n> Fixed in pricing 2.3.\n\n— sre@example.com, `2026-02-03T10:01:30.000Z`',
    );
    expect(markdown).toContain('- `2026-02-03T10:01:00.000Z` oncall@example.com: Unknown yet');
    expect(markdown).toContain(
      '| `2026-02-03T10:00:00.900Z` | +900 ms | step failed | `add-filter` |  | patch cannot be applied \\| test op |',
    );
  });

  test('given every table row, when rendered, then each has as many cells as its header (no stray pipes)', () => {
    const markdown = renderReportMarkdown(fixture());
    const cells = (line: string) => line.replace(/\\\|/g, '').split('|').length;
    const blocks = markdown.split('\n\n').map((b) => b.split('\n').filter((l) => l.startsWith('|')));
    for (const rows of blocks.filter((b) => b.length > 0)) {
      expect(rows.map(cells)).toEqual(rows.map(() => cells(rows[0]!)));
    }
  });

  test('given a compensation resolved by hand, when rendered, then the restore end and the answer are apart and the wait on people is said', () => {
    const report = fixture();
    report.recovery = {
      ...report.recovery!,
      lastRestoreAt: t(1200),
      resolvedManuallyAt: t(1800),
      waitedOnPeopleMs: 590,
      measuredTo: 'validated',
    };
    const markdown = renderReportMarkdown(report);

    expect(markdown).toContain(
      '**Time to recover: 1.50 s** (detection → validated, of which 590 ms waiting on people)',
    );
    expect(markdown).toContain('| last restore finished | `2026-02-03T10:00:01.200Z` | +300 ms |');
    expect(markdown).toContain('| last resolved by hand | `2026-02-03T10:00:01.800Z` | +900 ms |');
    expect(renderReportText(report)).toContain(
      '  time to recover: 1500 ms to validated (detected → rollback started +50 ms, last restore finished +300 ms, last resolved by hand +900 ms, all restored +900 ms, validated +1500 ms); 590 ms of it waiting on people',
    );
  });

  test('given a completed report with no recovery, trigger, validation or notes, when rendered, then those sections are left out and nothing throws', () => {
    const {
      recovery: _r,
      rootCause: _c,
      rootCauseHistory: _h,
      rollbackRequest: _q,
      cause: _k,
      ...rest
    } = baseFixture();
    const markdown = renderReportMarkdown({ ...rest, phase: 'completed', decisions: [] });

    expect(markdown).not.toMatch(/## (Recovery|Trigger|Validation|Root cause|Rollback request|Decisions)/);
    expect(markdown).toContain('## Steps');
    expect(markdown).toContain('## Timeline');
  });

  test('given malformed trigger and validation fields, when rendered, then they are skipped or shown as text without throwing', () => {
    const odd = withSections(baseFixture(), {
      trigger: 'fired',
      validation: { targets: [null, { stepId: 'x', ok: 'yes' }], metrics: [1, 2] },
    });
    const markdown = renderReportMarkdown(odd);
    expect(markdown).not.toContain('## Trigger that fired');
    expect(markdown).toContain('| `x` | **no** |  |');
    const withObject = renderReportMarkdown(
      withSections(baseFixture(), { trigger: { metric: 'p95', value: { ms: 900 } } }),
    );
    expect(withObject).toContain('| value | {"ms":900} |');
  });

  test('given a report rejected before any step ran, when rendered, then there is no chart', () => {
    const { steps, ...rest } = fixture();
    const markdown = renderReportMarkdown({
      ...rest,
      phase: 'rejected',
      steps: steps.map((s) => ({ id: s.id, target: s.target, state: 'pending' as const })),
    });
    expect(markdown).not.toContain('```mermaid');
  });
});

describe('report as text', () => {
  test('given trigger, request, validation and root cause, when rendered, then each has its line', () => {
    const text = renderReportText(fixture());
    expect(text).toContain('  cause: step add-filter failed: InvalidStepError: patch cannot be applied to flow home');
    expect(text).toContain(
      '  trigger: acceptance-drop fired at 2026-02-03T10:00:00.870Z: acceptance_rate = 0.42 against baseline 0.61 over 120 samples',
    );
    expect(text).toContain('  validation: 1/2 target(s) match their recovery points; mismatch: section');
    expect(text).toContain(
      '  rollback requested by lead@example.com at 2026-02-03T10:00:00.880Z (business-impact): acceptance dropped',
    );
    expect(text).toContain(
      '  root cause (sre@example.com, 2026-02-03T10:01:30.000Z; 1 earlier note(s)): A stale price table. / Fixed in pricing 2.3.',
    );
  });

  test('given a cause without a step, when rendered, then the cause line does not name a step', () => {
    const text = renderReportText({
      ...fixture(),
      cause: { type: 'ManualRollback', message: 'rollback requested by lead' },
    });
    expect(text).toContain('  cause: ManualRollback: rollback requested by lead');
  });
});

describe('the policy floor in the report', () => {
  const floor = {
    name: 'production',
    source: 'POLICY_FLOOR_FILE /etc/lead-rollback/floor.yaml',
    rules: [
      'approval required: risk medium (approval.risks)',
      'break-glass: group admin may decide at every level and roll back (breakGlass.groups)',
    ],
    breakGlassGroups: ['admin'],
  };

  test('given a report with the floor that applied, when rendered as Markdown and text, then both name the floor, its source and every rule', () => {
    const report = { ...baseFixture(), floor };
    const markdown = renderReportMarkdown(report);
    expect(markdown).toContain('## Policy floor');
    expect(markdown).toContain('production (from POLICY\\_FLOOR\\_FILE /etc/lead-rollback/floor.yaml)');
    expect(markdown).toContain('- approval required: risk medium (approval.risks)');
    const text = renderReportText(report);
    expect(text).toContain('  floor: production (POLICY_FLOOR_FILE /etc/lead-rollback/floor.yaml)');
    expect(text).toContain(
      '    - break-glass: group admin may decide at every level and roll back (breakGlass.groups)',
    );
  });

  test('given a report of a run older than the floor, when rendered, then there is no floor section', () => {
    expect(renderReportMarkdown(baseFixture())).not.toContain('Policy floor');
    expect(renderReportText(baseFixture())).not.toContain('floor:');
  });
});
