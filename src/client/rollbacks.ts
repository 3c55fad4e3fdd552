import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import { checksum } from '../domain/canonical';
import { changeIdSchema } from '../domain/change-request';
import { rollbackLaterRequestSchema } from '../domain/decision-schemas';
import type { RollbackLaterInput, RollbackPreview } from '../domain/status';
import { parseOrThrow, ValidationError } from '../domain/validation';
import { loadReport } from '../store/reports';
import type { previewRollbackWorkflow } from '../workflows/preview';
import type { rollbackLaterWorkflow } from '../workflows/rollback-later';
import {
  PREVIEW_WORKFLOW_TYPE,
  previewWorkflowId,
  ROLLBACK_LATER_WORKFLOW_TYPE,
  rollbackLaterWorkflowId,
} from '../workflows/definitions';
import { ChangeIdKey, EscalationLevelKey, RequestedByKey, TargetsKey } from '../workflows/search-attributes';
import type { Changes, StartedChange } from './changes';
import { ChangeIdConflictError, ChangeNotFoundError, RequestRefusedError } from './errors';
import { innermostMessage } from './failure-message';

/** A rollback later, started: a change of its own (`changeId` is the rollback's id) that rolls back `rollsBack`. */
export type StartedRollback = StartedChange & { rollsBack: string };

/**
 * Undoing a change after the fact, from the recovery points it kept: a preview of what a rollback
 * would do (and what it would leave because someone changed it since), and the rollback itself,
 * later, as a change of its own — approved as the change's policy says, with its own id, status,
 * decisions and report through every other method of the client.
 */
export class Rollbacks {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly changes: Changes,
    /** Where stored reports are read: a change whose workflow is past retention is still found by its report. */
    private readonly db?: Db,
  ) {}

  /**
   * What rolling back the change would do now, per target, newest step first: the operations back
   * to each recovery point, counts for targets with many items, and the items changed since the
   * change wrote them (a rollback leaves those and asks). Nothing is changed. The worker reads the
   * targets (it holds their credentials); RequestRefusedError when the change kept no request to
   * preview from (rejected below the floor, or from before requests were stored).
   */
  async preview(changeId: string): Promise<RollbackPreview> {
    const id = parseOrThrow(changeIdSchema, changeId, 'change id');
    await this.targetsOf(id, { running: 'allowed' });
    try {
      return await this.client.workflow.execute<typeof previewRollbackWorkflow>(PREVIEW_WORKFLOW_TYPE, {
        workflowId: previewWorkflowId(id, randomUUID().slice(0, 8)),
        taskQueue: this.taskQueue,
        args: [{ changeId: id }],
        staticSummary: `Preview of a rollback of change ${id}: nothing is changed`,
      });
    } catch (err) {
      if (err instanceof WorkflowFailedError) throw new RequestRefusedError(id, `no preview: ${innermostMessage(err)}`);
      throw err;
    }
  }

  /**
   * Rolls back a finished change later, as a change of its own with id `rollbackId`, and says what
   * it does first (`admission`: its approval question, a lock wait, rolling back), as `start` does.
   * Asking again with the same id and request returns it (`created: false`), with another request
   * ChangeIdConflictError. RequestRefusedError while the change still runs (request a rollback
   * of the running change instead); ChangeNotFoundError for an unknown change.
   */
  async later(changeId: string, request: unknown, options: { rollbackId: string }): Promise<StartedRollback> {
    const id = parseOrThrow(changeIdSchema, changeId, 'change id');
    const rollbackId = parseOrThrow(changeIdSchema, options.rollbackId, 'rollback id');
    const asked = parseOrThrow(rollbackLaterRequestSchema, request, 'rollback');
    if (rollbackId === id)
      throw new ValidationError('rollback', [
        { path: 'rollbackId', message: 'must differ from the change it rolls back' },
      ]);
    const targets = await this.targetsOf(id);
    const input: RollbackLaterInput = { changeId: id, rollbackId, ...asked };
    const workflowId = rollbackLaterWorkflowId(rollbackId);
    const requestChecksum = checksum(input);
    try {
      await this.client.workflow.start<typeof rollbackLaterWorkflow>(ROLLBACK_LATER_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: this.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: { title: `Roll back ${id}`, rollsBack: id, requestChecksum },
        staticSummary: `Roll back change ${id} — requested by ${asked.requestedBy} (${asked.category})`,
        staticDetails: `${asked.reason}\n\nRestores the recovery points change \`${id}\` kept, newest step first; conflicts with later edits are asked about, never overwritten.`,
        typedSearchAttributes: [
          { key: ChangeIdKey, value: rollbackId },
          { key: TargetsKey, value: targets },
          { key: RequestedByKey, value: asked.requestedBy },
          { key: EscalationLevelKey, value: 0 },
        ],
      });
      return this.changes.withAdmission(
        { changeId: rollbackId, workflowId, created: true, rollsBack: id },
        { handlersLate: true },
      );
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const existing = await this.client.workflow.getHandle(workflowId).describe();
      if (existing.memo?.requestChecksum !== requestChecksum) throw new ChangeIdConflictError(rollbackId);
      return this.changes.withAdmission({ changeId: rollbackId, workflowId, created: false, rollsBack: id });
    }
  }

  /**
   * The change's target kinds, from its workflow or (past retention) its stored report; refused
   * while it runs unless `running` is allowed, not found when neither exists.
   */
  private async targetsOf(changeId: string, options: { running?: 'allowed' } = {}): Promise<string[]> {
    try {
      const summary = await this.changes.describe(changeId);
      if (summary.executionStatus === 'RUNNING' && options.running !== 'allowed')
        throw new RequestRefusedError(
          changeId,
          `the change is still ${summary.phase ?? 'running'}; request a rollback of the running change instead`,
        );
      return summary.targets;
    } catch (err) {
      if (!(err instanceof ChangeNotFoundError) || !this.db) throw err;
      const report = await loadReport(this.db, changeId);
      if (!report) throw err;
      return [...new Set(report.steps.map((s) => s.target))];
    }
  }
}
