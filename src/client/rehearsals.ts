import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { changeIdSchema, changeRequestSchema, type ChangeRequestInput } from '../domain/change-request';
import { parseOrThrow, ValidationError } from '../domain/validation';
import {
  REHEARSAL_WORKFLOW_TYPE,
  rehearsalWorkflowId,
  type RehearsalInput,
  type RehearsalReport,
} from '../domain/rehearsal';
import type { rehearsalWorkflow } from '../workflows/rehearsal';
import type { Changes } from './changes';
import { RehearsalNotAvailableError, RehearsalNotFoundError } from './errors';
import { innermostMessage } from './failure-message';
import { noGuard, type RequestGuard } from './request-guard';

export interface StartedRehearsal {
  rehearsalId: string;
  workflowId: string;
  /** False when a rehearsal with this id already existed and was returned instead. */
  created: boolean;
}

/** What to rehearse: a stored change (by id) or a change request that has not run. */
export type RehearsalSubject = { changeId: string } | { request: ChangeRequestInput };

/**
 * Rehearsals on the client's task queue. Input is validated like a change; the workflow runs the
 * steps against the sandbox only. `ChangeClient` exposes these as `startRehearsal`, `rehearse`,
 * `rehearsal` and `rehearsalResult`.
 */
export class Rehearsals {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    /** A stored change is looked up before it is rehearsed (ChangeNotFoundError for an unknown one). */
    private readonly changes: Changes,
    /** The operator's checks, as for changes: a request a change could not run is not rehearsed either. */
    private readonly guard: RequestGuard = noGuard,
  ) {}

  /**
   * Starts a rehearsal of a stored change (by id) or of a request that has not run: its steps are
   * applied, rolled back and compared in the sandbox; production is only read. Starting again with
   * the same rehearsal id returns the existing rehearsal.
   */
  async start(subject: RehearsalSubject, options: { rehearsalId: string }): Promise<StartedRehearsal> {
    if ('changeId' in subject) await this.changes.describe(subject.changeId);
    const rehearsalId = parseOrThrow(changeIdSchema, options.rehearsalId, 'rehearsal id');
    const input: RehearsalInput =
      'changeId' in subject
        ? { rehearsalId, changeId: parseOrThrow(changeIdSchema, subject.changeId, 'change id') }
        : { rehearsalId, request: parseOrThrow(changeRequestSchema, subject.request, 'change request') };
    if (input.request) {
      const issues = await this.guard.check(input.request);
      if (issues.length > 0) throw new ValidationError('change request', issues);
    }
    const workflowId = rehearsalWorkflowId(rehearsalId);
    const what = input.request ? `"${input.request.title}"` : `change ${input.changeId}`;
    try {
      await this.client.workflow.start<typeof rehearsalWorkflow>(REHEARSAL_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: this.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `Rehearsal of ${what}: apply, roll back and compare in the sandbox`,
      });
      return { rehearsalId, workflowId, created: true };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { rehearsalId, workflowId, created: false };
      throw err;
    }
  }

  /** Rehearses a change request, or a stored change when given its id, and waits for the report. */
  async rehearse(subject: ChangeRequestInput | string, options: { rehearsalId: string }): Promise<RehearsalReport> {
    const started = await this.start(
      typeof subject === 'string' ? { changeId: subject } : { request: subject },
      options,
    );
    return this.result(started.rehearsalId);
  }

  /** Waits for the rehearsal and returns its report. */
  async result(rehearsalId: string): Promise<RehearsalReport> {
    const handle = this.client.workflow.getHandle<typeof rehearsalWorkflow>(
      rehearsalWorkflowId(parseOrThrow(changeIdSchema, rehearsalId, 'rehearsal id')),
    );
    try {
      return await handle.result();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new RehearsalNotFoundError(rehearsalId);
      if (err instanceof WorkflowFailedError)
        throw new RehearsalNotAvailableError(rehearsalId, `it could not run to the end: ${innermostMessage(err)}`);
      throw err;
    }
  }

  /** The report when the rehearsal has finished; RehearsalNotAvailableError while it runs. */
  async report(rehearsalId: string): Promise<RehearsalReport> {
    const handle = this.client.workflow.getHandle(
      rehearsalWorkflowId(parseOrThrow(changeIdSchema, rehearsalId, 'rehearsal id')),
    );
    let status: string;
    try {
      status = (await handle.describe()).status.name;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new RehearsalNotFoundError(rehearsalId);
      throw err;
    }
    if (status === 'RUNNING') throw new RehearsalNotAvailableError(rehearsalId, 'it is still running');
    return this.result(rehearsalId);
  }
}
