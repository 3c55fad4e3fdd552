import { patched } from '@temporalio/workflow';
import type { ApplyOutcome, StepInput } from '../domain/outcomes';
import { CauseType, type ChangeCause, type RunCause } from '../domain/causes';
import type { RollbackRequest, RollbackRequestOutcome } from '../domain/decisions';
import { ErrorType } from '../domain/errors';
import { DECISION_REPEATS } from '../domain/history-budget';
import type { NotificationEvent } from '../domain/notifications';
import type { ObservePolicy } from '../domain/observation';
import type { EscalationLevel } from '../domain/policy';
import type { FloorRecord } from '../domain/policy-floor';
import { TimelineEventName } from '../domain/timeline-events';
import { bookkeeping, stepActivities, stepOptions, verifiesInTheSameActivity } from './activity-proxies';
import { ChangeTracker } from './change-tracker';
import { compensateStep, compensationUnits } from './compensation';
import { DecisionDesk, type Refusal } from './decision-desk';
import { lockTargets, releaseTargetLocks } from './locks';
import { Notifier } from './notifier';
import { BakeWindow } from './observation';
import type { RunScope } from './run-scope';
import { acknowledgeFailedValidation, validateRollback } from './validation';
import {
  terminalPhases,
  type ChangeReport,
  type ChangeRequest,
  type ChangeStatus,
  type ChangeWorkflowInput,
  type RecoveryTimes,
  type RollbackLaterInput,
  type RollbackRequestRecord,
  type Step,
  type TriggerReport,
  type ValidationReport,
} from '../domain/status';

/** When a policy names no escalation, the requester (and admins) decide, e.g. on a failed compensation. */
function defaultLevels(requestedBy: string): EscalationLevel[] {
  return [{ name: 'requester', deciders: { actors: [requestedBy], groups: ['admin'] }, notify: [], deadline: '1h' }];
}

/**
 * Everything one run holds — a change, or the rollback of a finished change later — and the only
 * code that changes it: the workflow functions drive the run through these methods, and the saga's
 * parts (locks, observation, compensation, validation) see it as a RunScope and hand results back.
 */
export class ChangeRun implements RunScope {
  readonly changeId: string;
  readonly tracker: ChangeTracker;
  readonly desk: DecisionDesk;
  /**
   * Whether this run keeps to the history budget (src/domain/history-budget.ts): one sampling
   * activity per interval, lock polls spread over the wait, repeated decisions bounded. Decided
   * once, at the start: runs recorded before replay the old way from beginning to end.
   */
  readonly budgeted: boolean;
  private readonly levels: EscalationLevel[];
  private readonly notifier: Notifier;
  /** Steps whose compensation is registered, in registration order. */
  private readonly registered: Step[] = [];
  private rollbackRequest?: RollbackRequestRecord;
  private cause?: ChangeCause;
  private rollingBack = false;
  /** When the problem that leads to the rollback was detected (failure, trigger, request). */
  private detectedAt?: string;
  private recovery?: RecoveryTimes;
  private bakeWindow?: BakeWindow;
  /** Target locks this run holds; released when it ends, whatever happens. */
  private heldLocks: string[] = [];
  private trigger?: TriggerReport;
  private validation?: ValidationReport;
  private cancelled = false;
  /** The change passed its approval gate (the floor's size rules bind a change that did not). */
  private approved = false;
  /** The operator's floor the worker checked this change against. */
  private floor?: FloorRecord;
  /** Set when the run follows the policy floor's rules (runs older than the floor do not). */
  private floorRules = false;
  /** The change got past its approval gate and its locks: it is applying. */
  private pastTheGate = false;

  /** `later`: this run rolls back a finished change; its locks and report are its own (`rollbackId`). */
  constructor(
    readonly input: ChangeWorkflowInput,
    private readonly later?: RollbackLaterInput,
  ) {
    const { request } = input;
    this.budgeted = patched('history-budget');
    this.changeId = input.changeId;
    this.tracker = new ChangeTracker(input);
    this.levels = request.policy.escalation?.levels ?? defaultLevels(request.requestedBy);
    this.notifier = new Notifier(input.changeId, request.title, this.tracker);
    this.desk = new DecisionDesk(
      this.levels,
      request.requestedBy,
      this.tracker,
      {
        onLevelAsked: (question, level) => {
          const event: NotificationEvent =
            question.level > 0 ? 'escalated' : question.kind === 'approval' ? 'approval-needed' : 'decision-needed';
          this.notifier.send(event, question.prompt, {
            channels: level.notify,
            level: { index: question.level, name: level.name },
            question,
          });
        },
        interrupted: () => this.rollbackRequest !== undefined && !this.rollingBack,
      },
      this.budgeted ? DECISION_REPEATS : undefined,
    );
  }

  get request(): ChangeRequest {
    return this.input.request;
  }

  /** A manual rollback was asked for (it wakes every wait before the rollback starts). */
  get rollbackRequested(): boolean {
    return this.rollbackRequest !== undefined;
  }

  /** Something was detected that the change rolls back for (or ends rejected for). */
  get detected(): boolean {
    return this.cause !== undefined;
  }

  /** The finished change's id when this run rolls it back later; the change's own otherwise. */
  private get ownId(): string {
    return this.later?.rollbackId ?? this.changeId;
  }

  status(): ChangeStatus {
    return this.tracker.status({
      pendingDecisions: this.desk.pending,
      decisions: this.desk.decisions,
      rollbackRequest: this.rollbackRequest,
      floor: this.floor,
    });
  }

  /**
   * Whether the change has got past what it does first, for the admission update: it asks a
   * question (the approval), waits for a lock, has ended, or is applying.
   */
  get admitted(): boolean {
    return this.pastTheGate || this.closed || this.desk.pending.length > 0 || this.tracker.phase === 'waiting-for-lock';
  }

  /** The approval gate and the locks are behind the change: it is applying. */
  passGate(): void {
    this.pastTheGate = true;
  }

  /** Whether the change has reached a terminal phase (it takes no more decisions or rollback requests). */
  get closed(): boolean {
    return (terminalPhases as readonly string[]).includes(this.tracker.phase);
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
    this.tracker.record('policy floor checked', {
      detail: `${floor.name} (${floor.source}): ${floor.rules.join('; ') || 'no rule applies to this change'}`,
    });
  }

  notify(event: NotificationEvent, summary: string): void {
    this.notifier.send(event, summary, {
      channels: this.levels[0]!.notify,
      level: { index: 0, name: this.levels[0]!.name },
    });
  }

  /** The first cause detected is the one the change rolls back for; `at` when it was detected. */
  detect(cause: ChangeCause, at?: string): void {
    this.cause ??= cause;
    if (at !== undefined) this.detectedAt ??= at;
  }

  /** Ends the change with nothing applied: not approved, below the floor, or its targets locked. */
  reject(cause: RunCause): void {
    this.cause = cause;
    this.tracker.setPhase('rejected', cause.message);
  }

  /** The change passed its approval gate. */
  approve(): void {
    this.approved = true;
  }

  /** The workflow was cancelled: what was applied is restored all the same. */
  cancel(): void {
    this.cancelled = true;
    this.detect({ type: CauseType.Cancelled, message: 'the change workflow was cancelled' }, new Date().toISOString());
    this.tracker.record(TimelineEventName.ChangeCancelled);
  }

  /** The manual request becomes the cause, unless something was detected before it. */
  causeFromRollbackRequest(): void {
    const request = this.rollbackRequest!;
    this.detect(
      {
        type: CauseType.ManualRollback,
        message: `rollback requested by ${request.actor} (${request.category}): ${request.reason}`,
      },
      request.at,
    );
  }

  /** A rollback requested while nothing was applied yet (awaiting approval, waiting for a lock). */
  rolledBackBeforeApplying(): void {
    this.causeFromRollbackRequest();
    this.tracker.setPhase('rolled-back', 'rollback requested before anything was applied');
  }

  /**
   * The rollback of a finished change, as its workflow was asked for it: every step may have
   * applied (the restore of one that did not is a no-op and it stays pending).
   */
  requestLaterRollback(event = 'rollback of a finished change requested'): void {
    const later = this.later!;
    this.tracker.record(event, {
      actor: later.requestedBy,
      detail: `${later.category}: ${later.reason}`,
    });
    this.rollbackRequest = {
      actor: later.requestedBy,
      reason: later.reason,
      category: later.category,
      at: new Date().toISOString(),
    };
    this.causeFromRollbackRequest();
    this.registered.push(...this.request.steps);
  }

  /** Refuses a manual rollback request without changing anything (the update validator uses it). */
  checkRollback(request: RollbackRequest): Refusal | undefined {
    const phase = this.tracker.phase;
    if (this.closed)
      return { type: ErrorType.ChangeClosed, reason: `change is ${phase}; roll a finished change back later instead` };
    const allowed =
      this.desk.same(request.actor, this.request.requestedBy) || this.desk.isDecider(request.actor, request.groups);
    if (!allowed) return { type: ErrorType.NotAllowed, reason: `${request.actor} may not roll back this change` };
    // A rollback later awaiting its approval is stopped by rejecting it, not by rolling it back.
    if (this.later && !this.rollbackRequest && !this.rollingBack)
      return {
        type: ErrorType.WrongState,
        reason: `this is the rollback of change ${this.later.changeId}; reject its approval to stop it`,
      };
    if (this.rollbackRequest || this.rollingBack)
      return { type: ErrorType.RollbackAlreadyRequested, reason: 'a rollback was already requested' };
    return undefined;
  }

  requestRollback(request: RollbackRequest): RollbackRequestOutcome {
    const refusal = this.checkRollback(request);
    const detail = `${request.category}: ${request.reason}`;
    if (refusal?.type === ErrorType.RollbackAlreadyRequested) {
      this.tracker.record('rollback already requested', { actor: request.actor, detail });
      return { status: 'already-requested' };
    }
    if (refusal) {
      this.tracker.record('rollback request refused', {
        actor: request.actor,
        detail: `${detail} (${refusal.reason})`,
      });
      return { status: 'refused', reason: refusal.reason };
    }
    this.rollbackRequest = {
      actor: request.actor,
      reason: request.reason,
      category: request.category,
      at: new Date().toISOString(),
    };
    this.tracker.record(TimelineEventName.RollbackRequested, { actor: request.actor, detail });
    return { status: 'accepted' };
  }

  /**
   * Takes the run's target locks. False when it must not go on: refused (the change ends
   * rejected) or a rollback was requested while it waited. A roll-back-later is never interrupted:
   * it is the rollback.
   */
  async lockTargets(keys: string[]): Promise<boolean> {
    const outcome = await lockTargets(this, this.ownId, keys, () => !this.later && this.rollbackRequest !== undefined);
    if ('taken' in outcome) {
      this.heldLocks = keys;
      return true;
    }
    if ('refused' in outcome) this.reject(outcome.refused);
    else this.rolledBackBeforeApplying();
    return false;
  }

  /** Recovery point → compensation registered → apply → verify. Idempotent: a retried step reuses its recovery point. */
  async applyStep(step: Step): Promise<void> {
    // Older runs send no approval state: their activity inputs stay as they were recorded.
    const input: StepInput = { changeId: this.changeId, step, ...(this.floorRules ? { approved: this.approved } : {}) };
    const activities = stepActivities(step);
    this.tracker.updateStep(step.id, { state: 'applying', error: undefined }, 'step applying');
    this.tracker.time(step.id, 'applyStartedAt', true);
    const recoveryPoint = await activities.snapshotStep.executeWithOptions(stepOptions(step, 'recovery point for'), [
      input,
    ]);
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

  /** Opens the bake window: its baselines are taken before anything is applied. */
  async openBakeWindow(policy: ObservePolicy): Promise<void> {
    this.bakeWindow = await BakeWindow.open(this, policy);
  }

  /** Whether the bake window was opened (its baselines taken). */
  get observing(): boolean {
    return this.bakeWindow !== undefined;
  }

  /** Watches the bake window to its end; a manual rollback request ends it early. The trigger that fired, if one did. */
  async watchBakeWindow(): Promise<{
    fired?: TriggerReport;
    outcome: 'healthy' | 'fired' | 'inconclusive' | 'interrupted';
  }> {
    const window = this.bakeWindow!;
    const fired = await window.watch(() => this.rollbackRequest !== undefined);
    if (fired) this.trigger = fired;
    return { fired, outcome: window.outcome };
  }

  /** Compensates every registered step, in reverse, independent groups in parallel; each restore verified. */
  async rollback(): Promise<void> {
    this.rollingBack = true;
    const rollbackStartedAt = new Date().toISOString();
    const detectedAt = (this.detectedAt ??= rollbackStartedAt);
    this.tracker.setPhase('rolling-back', this.cause?.message);
    this.notify(
      'rollback-started',
      `Rolling back ${this.registered.length} step(s): ${this.cause?.message ?? 'requested'}`,
    );
    let waitedOnPeopleMs = 0;
    for (const unit of compensationUnits(this.registered, this.request.policy.compensation.independentGroups)) {
      // Steps of one unit wait side by side: the unit waited as long as its longest wait.
      waitedOnPeopleMs += Math.max(0, ...(await Promise.all(unit.map((step) => compensateStep(this, step)))));
    }
    const restoredAt = new Date().toISOString();
    this.recovery = {
      detectedAt,
      rollbackStartedAt,
      restoredAt,
      ...this.compensationTimes(),
      waitedOnPeopleMs,
      timeToRecoverMs: Date.parse(restoredAt) - Date.parse(detectedAt),
      measuredTo: 'restored',
    };
    // Added after the first histories were recorded: older runs replay without the validation pass.
    if (patched('post-rollback-validation')) {
      this.validation = await validateRollback(this, this.registered, this.bakeWindow?.baselines ?? []);
      this.recovery.validatedAt = this.validation.validatedAt;
      this.recovery.timeToRecoverMs = Date.parse(this.validation.validatedAt) - Date.parse(detectedAt);
      this.recovery.measuredTo = 'validated';
      if (!this.validation.ok) await acknowledgeFailedValidation(this, this.validation);
    }
    this.tracker.setPhase('rolled-back');
    this.notify(
      'rollback-finished',
      `Rolled back: ${this.recovery.timeToRecoverMs} ms from detection to every target restored`,
    );
  }

  /** When the last restore attempt ended and the last resolution by hand came, over the registered steps. */
  private compensationTimes(): Pick<RecoveryTimes, 'lastRestoreAt' | 'resolvedManuallyAt'> {
    const latest = (times: (string | undefined)[]) =>
      times
        .filter((t): t is string => t !== undefined)
        .sort()
        .at(-1);
    const steps = this.registered.map((step) => this.tracker.step(step.id));
    const lastRestoreAt = latest(steps.map((step) => step.timings?.compensatedAt));
    const resolvedManuallyAt = latest(steps.map((step) => step.resolvedManually?.at));
    return { ...(lastRestoreAt && { lastRestoreAt }), ...(resolvedManuallyAt && { resolvedManuallyAt }) };
  }

  /**
   * The one way every workflow built on a run ends, whatever happened before: a cancelled change is
   * compensated, target locks are released, the report is stored and notifications are drained.
   * The caller runs it outside cancellation (CancellationScope.nonCancellable).
   */
  async finish(): Promise<ChangeReport> {
    if (this.cancelled) await this.rollback();
    if (this.heldLocks.length > 0) await releaseTargetLocks(this, this.ownId, this.heldLocks);
    const report = this.report();
    await bookkeeping.saveReport(report);
    await this.notifier.drain();
    return report;
  }

  report(): ChangeReport {
    const report: ChangeReport = {
      ...this.status(),
      requestedBy: this.request.requestedBy,
      startedAt: this.tracker.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      cause: this.cause,
      timeToRecoverMs: this.recovery?.timeToRecoverMs,
      recovery: this.recovery,
      observation: this.bakeWindow?.report(),
      trigger: this.trigger,
      validation: this.validation,
      cancelled: this.cancelled || undefined,
    };
    // Stored under the rollback's own id, naming the change it rolls back.
    return this.later
      ? {
          ...report,
          changeId: this.later.rollbackId,
          requestedBy: this.later.requestedBy,
          rollsBack: this.later.changeId,
        }
      : report;
  }
}
