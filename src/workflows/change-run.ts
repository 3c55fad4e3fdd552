import { patched } from '@temporalio/workflow';
import type { StepInput } from '../domain/outcomes';
import type { ApplyOutcome } from '../domain/outcomes';
import type { RollbackRequest, RollbackRequestOutcome } from '../domain/decisions';
import type { NotificationEvent } from '../domain/notifications';
import { DECISION_REPEATS } from '../domain/history-budget';
import type { EscalationLevel } from '../domain/policy';
import type { FloorRecord } from '../domain/policy-floor';
import { ChangeTracker } from './change-tracker';
import { compensateStep, compensationUnits } from './compensation';
import { DecisionDesk } from './decision-desk';
import { Notifier } from './notifier';
import { stepActivities, stepOptions, verifiesInTheSameActivity } from './step-activities';
import { describeFailures, validateRollback } from './validation';
import { terminalPhases, type ObservationReport, type TriggerReport, type ValidationReport, type RecoveryTimes, type ChangeReport, type ChangeStatus, type ChangeWorkflowInput, type FailureInfo, type RollbackRequestRecord, type Step } from '../domain/status';

/** When a policy names no escalation, the requester (and admins) decide, e.g. on a failed compensation. */
function defaultLevels(requestedBy: string): EscalationLevel[] {
  return [{ name: 'requester', deciders: { actors: [requestedBy], groups: ['admin'] }, notify: [], deadline: '1h' }];
}

/** Everything one change holds while it runs; the workflow function drives it. */
export class ChangeRun {
  readonly changeId: string;
  readonly tracker: ChangeTracker;
  readonly desk: DecisionDesk;
  readonly levels: EscalationLevel[];
  /** Steps whose compensation is registered, in registration order. */
  readonly registered: Step[] = [];
  private readonly notifier: Notifier;
  rollbackRequest?: RollbackRequestRecord;
  cause?: FailureInfo & { stepId?: string };
  rollingBack = false;
  /** When the problem that leads to the rollback was detected (failure, trigger, request). */
  detectedAt?: string;
  recovery?: RecoveryTimes;
  observation?: ObservationReport;
  /** Target locks this change holds; released when it ends, whatever happens. */
  heldLocks: string[] = [];
  trigger?: TriggerReport;
  validation?: ValidationReport;
  cancelled = false;
  /** The change passed its approval gate (the floor's size rules bind a change that did not). */
  approved = false;
  /** The operator's floor the worker checked this change against. */
  floor?: FloorRecord;
  /** Set when the run follows the policy floor's rules (runs older than the floor do not). */
  private floorRules = false;
  /**
   * Whether this run keeps to the history budget (src/domain/history-budget.ts): one sampling
   * activity per interval, lock polls spread over the wait, repeated decisions bounded. Decided
   * once, at the start: runs recorded before replay the old way from beginning to end.
   */
  readonly budgeted: boolean;

  constructor(readonly input: ChangeWorkflowInput) {
    const { request } = input;
    this.budgeted = patched('history-budget');
    this.changeId = input.changeId;
    this.tracker = new ChangeTracker(input);
    this.levels = request.policy.escalation?.levels ?? defaultLevels(request.requestedBy);
    this.notifier = new Notifier(input.changeId, request.title, this.tracker);
    this.desk = new DecisionDesk(this.levels, request.requestedBy, this.tracker, {
      onLevelAsked: (question, level) => {
        const event: NotificationEvent = question.level > 0 ? 'escalated' : question.kind === 'approval' ? 'approval-needed' : 'decision-needed';
        this.notifier.send(event, question.prompt, { channels: level.notify, level: { index: question.level, name: level.name }, question });
      },
      interrupted: () => this.rollbackRequest !== undefined && !this.rollingBack,
    }, this.budgeted ? DECISION_REPEATS : undefined);
  }

  status(): ChangeStatus {
    return this.tracker.status({ pendingDecisions: this.desk.pending, decisions: this.desk.decisions, rollbackRequest: this.rollbackRequest, floor: this.floor });
  }

  /**
   * From here on: segregation of duties over every risk-accepting decision and actors compared
   * case-insensitively; break-glass groups once the worker's floor is known (`applyFloor`).
   */
  useFloorRules(): void {
    this.floorRules = true;
    this.desk.useRules({ strict: true, breakGlassGroups: [] });
  }

  applyFloor(floor: FloorRecord): void {
    this.floor = floor;
    this.desk.useRules({ strict: true, breakGlassGroups: floor.breakGlassGroups });
    this.tracker.record('policy floor checked', { detail: `${floor.name} (${floor.source}): ${floor.rules.join('; ') || 'no rule applies to this change'}` });
  }

  notify(event: NotificationEvent, summary: string): void {
    this.notifier.send(event, summary, { channels: this.levels[0]!.notify, level: { index: 0, name: this.levels[0]!.name } });
  }

  /** Checks a manual rollback request without changing anything (the update validator uses it). */
  checkRollback(request: RollbackRequest): RollbackRequestOutcome {
    const phase = this.tracker.phase;
    if ((terminalPhases as readonly string[]).includes(phase)) {
      return { status: 'refused', reason: `change is ${phase}; roll back a finished change with a restore` };
    }
    const allowed = this.desk.same(request.actor, this.input.request.requestedBy) || this.desk.isDecider(request.actor, request.groups);
    if (!allowed) return { status: 'refused', reason: `${request.actor} may not roll back this change` };
    if (this.rollbackRequest || this.rollingBack) return { status: 'already-requested' };
    return { status: 'accepted' };
  }

  requestRollback(request: RollbackRequest): RollbackRequestOutcome {
    const outcome = this.checkRollback(request);
    const detail = `${request.category}: ${request.reason}`;
    if (outcome.status === 'refused') this.tracker.record('rollback request refused', { actor: request.actor, detail: `${detail} (${outcome.reason})` });
    else if (outcome.status === 'already-requested') this.tracker.record('rollback already requested', { actor: request.actor, detail });
    else {
      this.rollbackRequest = { actor: request.actor, reason: request.reason, category: request.category, at: new Date().toISOString() };
      this.tracker.record('rollback requested', { actor: request.actor, detail });
    }
    return outcome;
  }

  /** Recovery point → compensation registered → apply → verify. Idempotent: a retried step reuses its recovery point. */
  async applyStep(step: Step): Promise<void> {
    // Older runs send no approval state: their activity inputs stay as they were recorded.
    const input: StepInput = { changeId: this.changeId, step, ...(this.floorRules ? { approved: this.approved } : {}) };
    const activities = stepActivities(step);
    this.tracker.updateStep(step.id, { state: 'applying', error: undefined }, 'step applying');
    this.tracker.time(step.id, 'applyStartedAt', true);
    const recoveryPoint = await activities.snapshotStep.executeWithOptions(stepOptions(step, 'recovery point for'), [input]);
    this.tracker.updateStep(step.id, { recoveryPoint }, 'recovery point captured', recoveryPoint.summary);
    // Registered before apply: a step that half-applied is restored too.
    if (!this.registered.includes(step)) this.registered.push(step);
    // Added after earlier histories were recorded: they replay with apply and verify as two activities.
    let applied: ApplyOutcome;
    if (verifiesInTheSameActivity(step)) {
      applied = await activities.applyAndVerifyStep.executeWithOptions(stepOptions(step, 'apply and verify'), [input]);
    } else {
      applied = await activities.applyStep.executeWithOptions(stepOptions(step, 'apply'), [input]);
      await activities.verifyStep.executeWithOptions(stepOptions(step, 'verify'), [input]);
    }
    this.tracker.time(step.id, 'appliedAt');
    this.tracker.updateStep(step.id, { state: 'applied', applied }, 'step applied and verified', applied.summary);
  }

  /** Compensates every registered step, in reverse, independent groups in parallel; each restore verified. */
  async rollback(): Promise<void> {
    this.rollingBack = true;
    const rollbackStartedAt = new Date().toISOString();
    const detectedAt = (this.detectedAt ??= rollbackStartedAt);
    this.tracker.setPhase('rolling-back', this.cause?.message);
    this.notify('rollback-started', `Rolling back ${this.registered.length} step(s): ${this.cause?.message ?? 'requested'}`);
    for (const unit of compensationUnits(this.registered, this.input.request.policy.compensation.independentGroups)) {
      await Promise.all(unit.map((step) => compensateStep(this, step)));
    }
    const restoredAt = new Date().toISOString();
    this.recovery = { detectedAt, rollbackStartedAt, restoredAt, timeToRecoverMs: Date.parse(restoredAt) - Date.parse(detectedAt) };
    // Added after the first histories were recorded: older runs replay without the validation pass.
    if (patched('post-rollback-validation')) {
      this.validation = await validateRollback(this);
      this.recovery.validatedAt = this.validation.validatedAt;
      this.recovery.timeToRecoverMs = Date.parse(this.validation.validatedAt) - Date.parse(detectedAt);
      if (!this.validation.ok) await this.escalateValidation(this.validation);
    }
    this.tracker.setPhase('rolled-back');
    this.notify('rollback-finished', `Rolled back: ${this.recovery.timeToRecoverMs} ms from detection to every target restored`);
  }

  /** A failed validation needs a person to acknowledge it; after the last level it waits without deadline. */
  private async escalateValidation(validation: ValidationReport): Promise<void> {
    this.notify('validation-failed', `Rollback validation failed: ${describeFailures(validation)}`);
    let mode: 'escalate' | 'hold' = 'escalate';
    for (;;) {
      const answer = await this.desk.ask({
        kind: 'validation',
        mode,
        startLevel: mode === 'hold' ? this.levels.length - 1 : 0,
        prompt: `The rollback did not validate: ${describeFailures(validation)}. Look into it and acknowledge.`,
      });
      if ('decision' in answer) return;
      mode = 'hold';
    }
  }

  causeFromRollbackRequest(): void {
    const request = this.rollbackRequest!;
    this.detectedAt ??= request.at;
    this.cause ??= { type: 'ManualRollback', message: `rollback requested by ${request.actor} (${request.category}): ${request.reason}` };
  }

  report(): ChangeReport {
    return {
      ...this.status(),
      requestedBy: this.input.request.requestedBy,
      startedAt: this.tracker.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      cause: this.cause,
      timeToRecoverMs: this.recovery?.timeToRecoverMs,
      recovery: this.recovery,
      observation: this.observation,
      trigger: this.trigger,
      validation: this.validation,
      cancelled: this.cancelled || undefined,
    };
  }

  drainNotifications(): Promise<void> {
    return this.notifier.drain();
  }
}
