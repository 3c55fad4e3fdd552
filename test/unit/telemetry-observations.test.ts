import fs from 'node:fs';
import path from 'node:path';
import type { ChangeNotification } from '../../src/domain/notifications';
import type { ChangeReport, PendingQuestion } from '../../src/domain/status';
import {
  labelValues,
  productMetrics,
  type LabelName,
  type Observation,
  type ProductMetricName,
} from '../../src/domain/telemetry';
import {
  channelFailureObservation,
  compensationFailureEvents,
  notificationObservations,
  reportObservations,
} from '../../src/domain/telemetry-observations';
import { ProductMetrics } from '../../src/telemetry/product-metrics';
import { repoRoot } from '../helpers/markdown';

const t0 = Date.parse('2026-02-03T10:00:00.000Z');
const t = (ms: number) => new Date(t0 + ms).toISOString();

/** A change that applied a flow step and a lead-data step, then rolled back when a Prometheus trigger fired. */
function rolledBack(): ChangeReport {
  return {
    changeId: 'chg-7f3a',
    title: 'Raise the cap',
    phase: 'rolled-back',
    requestedBy: 'alice@example.com',
    startedAt: t(0),
    finishedAt: t(120_000),
    pendingDecisions: [],
    steps: [
      { id: 'cap', target: 'flow-config', state: 'restored' },
      {
        id: 'owners',
        target: 'lead-data',
        state: 'conflict',
        restore: {
          status: 'partial',
          summary: '3 restored, 1 conflict',
          recoveryPointId: 'rp-1',
          restoredCount: 3,
          conflicts: { count: 1, sample: [] },
        },
      },
    ],
    decisions: [
      { questionId: 'q-1', kind: 'trigger', decision: 'rollback', actor: 'bob', level: 0, at: t(90_000) },
      {
        questionId: 'q-2',
        kind: 'compensation',
        stepId: 'owners',
        decision: 'resolved-manually',
        actor: 'bob',
        comment: 'fixed by hand',
        level: 1,
        at: t(115_000),
      },
    ],
    timeline: [
      { at: t(0), event: 'change started', actor: 'alice@example.com' },
      { at: t(95_000), event: 'restore conflict', stepId: 'owners', detail: '1 lead changed since' },
      { at: t(100_000), event: 'compensation failed', stepId: 'cap', detail: 'flow gone' },
    ],
    cause: { type: 'TriggerFired', message: 'acceptance fell' },
    trigger: {
      name: 'acceptance',
      metric: 'prometheus: sum(rate(x[5m]))',
      comparison: 'below 0.5',
      value: 0.2,
      samples: 40,
      consecutive: 2,
      firedAt: t(80_000),
    },
    timeToRecoverMs: 34_500,
  };
}

const find = (observations: Observation[], metric: ProductMetricName) =>
  observations.filter((o) => o.metric === metric);

describe('product metrics from a stored report', () => {
  test('given a change rolled back by a Prometheus trigger, then it counts the outcome, the rollback, its steps, lead rows and time to recover', () => {
    const observations = reportObservations(
      rolledBack(),
      new Map([
        ['q-1', t(60_000)],
        ['q-2', t(100_000)],
      ]),
    );
    expect(find(observations, 'lead_rollback_changes_settled_total')).toEqual([
      {
        metric: 'lead_rollback_changes_settled_total',
        value: 1,
        labels: { outcome: 'rolled-back', run_kind: 'change' },
      },
    ]);
    expect(find(observations, 'lead_rollback_rollbacks_total')).toEqual([
      {
        metric: 'lead_rollback_rollbacks_total',
        value: 1,
        labels: { reason_category: 'none', trigger: 'prometheus', cause: 'TriggerFired' },
      },
    ]);
    expect(find(observations, 'lead_rollback_time_to_recover_seconds').map((o) => o.value)).toEqual([34.5]);
    expect(find(observations, 'lead_rollback_change_duration_seconds').map((o) => o.value)).toEqual([120]);
    expect(find(observations, 'lead_rollback_steps_settled_total').map((o) => o.labels)).toEqual([
      { target_kind: 'flow-config', state: 'restored' },
      { target_kind: 'lead-data', state: 'conflict' },
    ]);
    expect(find(observations, 'lead_rollback_compensation_failures_total').map((o) => o.labels)).toEqual([
      { target_kind: 'lead-data', reason: 'conflict' },
      { target_kind: 'flow-config', reason: 'failed' },
    ]);
    expect(find(observations, 'lead_rollback_lead_rows_restored_total').map((o) => o.value)).toEqual([3]);
    expect(find(observations, 'lead_rollback_lead_conflicts_total').map((o) => o.value)).toEqual([1]);
    expect(find(observations, 'lead_rollback_decision_wait_seconds')).toEqual([
      { metric: 'lead_rollback_decision_wait_seconds', value: 30, labels: { question_kind: 'trigger' } },
      { metric: 'lead_rollback_decision_wait_seconds', value: 15, labels: { question_kind: 'compensation' } },
    ]);
  });

  test('given a completed change, then it counts the outcome and steps and no rollback, recovery or lead rows', () => {
    const report: ChangeReport = {
      ...rolledBack(),
      phase: 'completed',
      steps: [{ id: 'cap', target: 'flow-config', state: 'applied' }],
      decisions: [],
      timeline: [],
      cause: undefined,
      trigger: undefined,
      timeToRecoverMs: undefined,
    };
    expect(reportObservations(report).map((o) => o.metric)).toEqual([
      'lead_rollback_changes_settled_total',
      'lead_rollback_change_duration_seconds',
      'lead_rollback_steps_settled_total',
    ]);
  });

  test('given a manual rollback later of a finished change, then the run kind, category and cause say so', () => {
    const report: ChangeReport = {
      ...rolledBack(),
      rollsBack: 'chg-1',
      trigger: undefined,
      rollbackRequest: { actor: 'carol', reason: 'partner complained', category: 'user-feedback', at: t(1) },
      cause: { type: 'ManualRollback', message: 'partner complained' },
    };
    const observations = reportObservations(report);
    expect(find(observations, 'lead_rollback_changes_settled_total')[0]!.labels).toEqual({
      outcome: 'rolled-back',
      run_kind: 'rollback-later',
    });
    expect(find(observations, 'lead_rollback_rollbacks_total')[0]!.labels).toEqual({
      reason_category: 'user-feedback',
      trigger: 'none',
      cause: 'ManualRollback',
    });
  });

  test('given a question two approvers settled, then its wait counts once, to the last approval; a question never asked by notification has no wait', () => {
    const report: ChangeReport = {
      ...rolledBack(),
      decisions: [
        { questionId: 'a', kind: 'approval', decision: 'approve', actor: 'x', level: 0, at: t(10_000) },
        { questionId: 'a', kind: 'approval', decision: 'approve', actor: 'y', level: 0, at: t(40_000) },
        { questionId: 'unknown', kind: 'step-failure', decision: 'rollback', actor: 'y', level: 0, at: t(50_000) },
      ],
    };
    const observations = reportObservations(report, new Map([['a', t(0)]]));
    expect(find(observations, 'lead_rollback_decision_wait_seconds').map((o) => o.value)).toEqual([40]);
    expect(find(observations, 'lead_rollback_decisions_total')).toHaveLength(3);
  });

  test('given hostile values everywhere a label is derived from, then every label value is from its closed list or "other", never the change id, an actor or free text', () => {
    const report = {
      ...rolledBack(),
      phase: 'chg-7f3a',
      steps: [{ id: 'cap', target: 'chg-7f3a', state: 'alice@example.com' }],
      rollbackRequest: { actor: 'alice@example.com', reason: 'x', category: 'chg-7f3a', at: t(1) },
      cause: { stepId: 'cap', type: 'chg-7f3a is broken', message: 'lead 555-0100' },
      trigger: { ...rolledBack().trigger!, metric: 'chg-7f3a: lead 555-0100' },
      decisions: [{ questionId: 'q', kind: 'chg-7f3a', decision: 'alice', actor: 'a', level: 0, at: t(2) }],
      timeline: [{ at: t(3), event: 'compensation failed', stepId: 'cap' }],
    } as unknown as ChangeReport;
    const labels = [
      ...reportObservations(report, new Map([['q', t(1)]])),
      ...reportObservations({ ...report, phase: 'rolled-back' }),
      ...notificationObservations(notification({ event: 'escalated', level: { index: 42, name: 'chg-7f3a' } })),
      channelFailureObservation('chg-7f3a:alice', 'send-failed'),
    ].flatMap((o) => Object.entries(o.labels ?? {}) as [LabelName, string][]);
    expect(labels.length).toBeGreaterThan(10);
    for (const [name, value] of labels) {
      expect(value).not.toMatch(/chg-7f3a|alice|555/);
      expect([...(labelValues[name] ?? []), 'other']).toContain(value);
    }
    expect(labels).toContainEqual(['cause', 'StepFailed']);
  });
});

function notification(extra: Partial<ChangeNotification>): ChangeNotification {
  return {
    id: 'chg-7f3a/notification/1',
    changeId: 'chg-7f3a',
    workflowId: 'change-chg-7f3a',
    event: 'decision-needed',
    title: 't',
    summary: 's',
    channels: [],
    at: t(0),
    ...extra,
  };
}

describe('product metrics from notifications', () => {
  const question = { id: 'q', kind: 'approval' } as PendingQuestion;

  test('given the first ask of a question, then it counts the notification and the question asked', () => {
    expect(
      notificationObservations(
        notification({ event: 'approval-needed', level: { index: 0, name: 'team' }, question }),
      ).map((o) => [o.metric, o.labels]),
    ).toEqual([
      ['lead_rollback_notifications_total', { event: 'approval-needed' }],
      ['lead_rollback_questions_asked_total', { question_kind: 'approval' }],
    ]);
  });

  test('given an escalation, then it counts the level reached and no new question', () => {
    expect(
      notificationObservations(
        notification({ event: 'escalated', level: { index: 2, name: 'on-call' }, question }),
      ).map((o) => [o.metric, o.labels]),
    ).toEqual([
      ['lead_rollback_notifications_total', { event: 'escalated' }],
      ['lead_rollback_escalations_total', { level: '2' }],
    ]);
  });

  test('given a channel that failed, then its kind is the part before the colon', () => {
    expect(channelFailureObservation('slack:#ops', 'send-failed').labels).toEqual({
      channel_kind: 'slack',
      reason: 'send-failed',
    });
    expect(channelFailureObservation('webhook:pager', 'not-configured').labels).toEqual({
      channel_kind: 'webhook',
      reason: 'not-configured',
    });
  });
});

describe('the metric catalogue', () => {
  test('given every product metric, then its name, type and labels follow Prometheus conventions', () => {
    for (const [name, spec] of Object.entries(productMetrics)) {
      expect(name).toMatch(/^lead_rollback_[a-z_]+$/);
      if (spec.type === 'counter') expect(name).toMatch(/_total$/);
      if (spec.type === 'histogram') expect(name).toMatch(/_seconds$/);
      if (spec.type !== 'counter') expect(name).not.toMatch(/_total$/);
      for (const label of spec.labels) expect(Object.keys(labelValues)).toContain(label);
    }
  });

  test('given the compensation events the observations read, then the workflow records exactly those', () => {
    const source = fs.readFileSync(path.join(repoRoot, 'src/workflows/compensation.ts'), 'utf8');
    for (const event of Object.keys(compensationFailureEvents)) expect(source).toContain(`'${event}'`);
  });

  test('given docs/metrics.md, then it names every product metric and every label', () => {
    const doc = fs.readFileSync(path.join(repoRoot, 'docs/metrics.md'), 'utf8');
    const missing = Object.entries(productMetrics).flatMap(([name, spec]) => [
      ...(doc.includes(`\`${name}\``) ? [] : [name]),
      ...spec.labels.filter((label) => !doc.includes(`\`${label}\``)),
    ]);
    expect(missing).toEqual([]);
  });

  test('given observations recorded in the worker registry, then the exposition shows them, and a metric of the API is refused', async () => {
    const metrics = new ProductMetrics('worker');
    metrics.record(reportObservations(rolledBack()));
    metrics.record(reportObservations(rolledBack()));
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'lead_rollback_rollbacks_total{reason_category="none",trigger="prometheus",cause="TriggerFired"} 2',
    );
    expect(text).toContain('lead_rollback_lead_rows_restored_total 6');
    expect(text).toContain('lead_rollback_time_to_recover_seconds_bucket{le="60"} 2');
    expect(() =>
      metrics.record([{ metric: 'lead_rollback_http_request_duration_seconds', value: 1, labels: {} }]),
    ).toThrow(/not a metric of this process/);
  });
});
