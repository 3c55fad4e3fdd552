import { ActivityFailure, ApplicationFailure, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { ChangeStatusKey, EscalationLevelKey } from './search-attributes';
import type {
  ChangePhase,
  ChangeStatus,
  ChangeWorkflowInput,
  FailureInfo,
  StepStatus,
  TimelineEvent,
} from '../domain/status';

/** What the tracker's status needs from elsewhere (the decision desk, the rollback request, the floor). */
export type StatusExtras = Pick<ChangeStatus, 'pendingDecisions' | 'decisions' | 'rollbackRequest' | 'floor'>;

/**
 * The change's visible state: phase, each step's state and the audit trail. Every mutation goes
 * through here so the status query, the search attributes and the UI details never disagree.
 */
export class ChangeTracker {
  readonly startedAt = new Date();
  private currentPhase: ChangePhase = 'applying';
  private readonly steps: StepStatus[];
  private readonly timeline: TimelineEvent[] = [];
  private escalationLevel = 0;

  constructor(private readonly input: ChangeWorkflowInput) {
    this.steps = input.request.steps.map((step) => ({ id: step.id, target: step.target, state: 'pending' }));
  }

  get phase(): ChangePhase {
    return this.currentPhase;
  }

  setPhase(phase: ChangePhase, detail?: string): void {
    if (phase === this.currentPhase) return;
    this.currentPhase = phase;
    upsertSearchAttributes([{ key: ChangeStatusKey, value: phase }]);
    this.record(`phase: ${phase}`, { detail });
  }

  /**
   * Shows how far the change has escalated. With `highestReached` the level never goes down, so a
   * finished change stays findable by `EscalationLevel >= 1`; without it (runs from before the
   * patch) it follows the open questions back to 0.
   */
  setEscalationLevel(level: number, highestReached = false): void {
    const shown = highestReached ? Math.max(level, this.escalationLevel) : level;
    if (shown === this.escalationLevel) return;
    this.escalationLevel = shown;
    upsertSearchAttributes([{ key: EscalationLevelKey, value: shown }]);
  }

  step(id: string): StepStatus {
    const step = this.steps.find((s) => s.id === id);
    if (!step) throw ApplicationFailure.nonRetryable(`unknown step ${id}`, 'InternalError');
    return step;
  }

  updateStep(id: string, update: Partial<Omit<StepStatus, 'id' | 'target'>>, event?: string, detail?: string): void {
    Object.assign(this.step(id), update);
    if (event) this.record(event, { stepId: id, detail });
  }

  /** Notes a workflow time in the step's timings (kept for the report's Gantt chart). */
  time(id: string, key: keyof NonNullable<StepStatus['timings']>, onlyFirst = false): void {
    const step = this.step(id);
    step.timings ??= {};
    if (onlyFirst && step.timings[key]) return;
    step.timings[key] = new Date().toISOString();
  }

  record(event: string, extra: Omit<TimelineEvent, 'at' | 'event'> = {}): void {
    this.timeline.push({ at: new Date().toISOString(), event, ...withoutUndefined(extra) });
    setCurrentDetails(this.details());
  }

  status(extras: StatusExtras): ChangeStatus {
    return {
      changeId: this.input.changeId,
      title: this.input.request.title,
      phase: this.currentPhase,
      steps: this.steps.map((s) => ({ ...s })),
      ...extras,
      timeline: [...this.timeline],
    };
  }

  /** Markdown shown as the workflow's current details in the Temporal UI. */
  private details(): string {
    const rows = this.steps.map((s) => `| ${s.id} | ${s.target} | ${s.state} |`).join('\n');
    const last = this.timeline[this.timeline.length - 1];
    return `**${this.currentPhase}** — ${last?.event ?? ''}\n\n| step | target | state |\n|---|---|---|\n${rows}`;
  }
}

/** The useful part of an activity failure: the typed cause, not the wrapper. */
export function failureInfo(err: unknown): FailureInfo {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? undefined, message: cause.message };
  if (cause instanceof Error) return { type: cause.name, message: cause.message };
  return { message: String(cause) };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
