/**
 * Synthetic change reports for the insights benchmark: a seeded mix of completed, rolled-back,
 * rejected and rollback-later runs spread over a range, with recoveries, answered questions,
 * escalations, triggers and reason categories, so every aggregation of the insights has rows.
 * The same seed gives the same reports, so two runs' answers can be compared by digest.
 */
import { CauseType } from '../src/domain/causes';
import { rollbackCategories } from '../src/domain/decisions';
import type { ChangeReport, TimelineEvent } from '../src/domain/status';
import { targetKinds } from '../src/domain/targets/index';
import { TimelineEventName } from '../src/domain/timeline-events';
import { Random } from '../tools/chaos/random';

export function syntheticReports(count: number, from: Date, to: Date, seed = 15): ChangeReport[] {
  // The crash campaign's seeded source: the same reports for the same seed.
  const source = new Random(seed);
  const random = () => source.next();
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const span = to.getTime() - from.getTime();
  const reports: ChangeReport[] = [];
  for (let i = 0; i < count; i++) {
    const finished = from.getTime() + Math.floor(random() * span);
    const iso = (ms: number) => new Date(ms).toISOString();
    const kinds = [pick(targetKinds), pick(targetKinds)];
    const steps = kinds.map((target, n) => ({ id: `step-${n}-${Math.floor(random() * 6)}`, target, state: 'applied' }));
    const roll = random();
    const phase = roll < 0.55 ? 'completed' : roll < 0.85 ? 'rolled-back' : 'rejected';
    const timeline: TimelineEvent[] = [];
    const decisions: ChangeReport['decisions'] = [];
    // Up to three questions, each asked, maybe escalated, then answered.
    for (let q = 0, questions = Math.floor(random() * 4); q < questions; q++) {
      const asked = finished - 3_600_000 + q * 60_000;
      const stepId = steps[q % steps.length]!.id + `-q${q}`;
      timeline.push({ at: iso(asked), event: TimelineEventName.DecisionAsked, stepId });
      if (random() < 0.2) timeline.push({ at: iso(asked + 1000), event: TimelineEventName.Escalated, stepId });
      const answered = asked + Math.floor(random() * 3_000_000);
      decisions.push({
        questionId: `q${q}`,
        kind: 'approval',
        stepId,
        decision: 'approve',
        actor: 'sre@example.com',
        level: 0,
        at: iso(answered),
      });
    }
    const report: ChangeReport = {
      changeId: `bench-${seed}-${i}`,
      title: 'Synthetic change',
      phase,
      requestedBy: 'ops@example.com',
      startedAt: iso(finished - 7_200_000),
      finishedAt: iso(finished),
      steps: steps as ChangeReport['steps'],
      pendingDecisions: [],
      decisions,
      timeline,
    };
    if (phase === 'rolled-back') {
      const kind = random();
      if (kind < 0.4) {
        report.cause = { stepId: steps[1]!.id, type: 'FlowVersionConflict', message: 'failed' };
      } else if (kind < 0.7) {
        report.cause = { type: CauseType.ManualRollback, message: 'asked' };
        report.rollbackRequest = {
          actor: 'ops@example.com',
          reason: 'slow',
          category: pick(rollbackCategories),
          at: iso(finished),
        };
      } else {
        report.cause = { type: CauseType.TriggerFired, message: 'fired' };
        report.trigger = {
          name: pick(['accept-drop', 'error-spike', 'latency']),
          metric: pick(['lead-events: acceptance-rate', 'prometheus: rate(errors[5m])']),
          comparison: 'decrease by 0.2',
          value: 0.4,
          samples: 80,
          consecutive: 2,
          firedAt: iso(finished),
        };
      }
      timeline.push({ at: iso(finished - 1000), event: TimelineEventName.StepFailed, stepId: steps[0]!.id });
      if (random() < 0.9) report.timeToRecoverMs = 200 + Math.floor(random() * 10_000);
      // Some rollbacks are runs later over an earlier completed change.
      if (random() < 0.15 && i > 0) report.rollsBack = `bench-${seed}-${Math.floor(random() * i)}`;
    }
    reports.push(report);
  }
  return reports;
}
