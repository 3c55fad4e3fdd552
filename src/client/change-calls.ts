import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { changeIdSchema } from '../domain/change-request';
import { parseOrThrow } from '../domain/validation';
import type { changeWorkflow } from '../workflows/change';
import { changeWorkflowId } from '../workflows/definitions';
import { ChangeClosedError, ChangeNotFoundError, refusalError } from './errors';

/** The change workflow's handle; the change id is validated first, so a bad id never reaches Temporal. */
export function changeHandle(client: Client, changeId: string) {
  return client.workflow.getHandle<typeof changeWorkflow>(
    changeWorkflowId(parseOrThrow(changeIdSchema, changeId, 'change id')),
  );
}

/**
 * Runs one Temporal call on a change and turns Temporal's errors into the client's typed ones:
 * a refused update into the error its refusal type names (src/client/errors.ts), a finished change into
 * ChangeClosedError, an unknown one into ChangeNotFoundError.
 */
export async function callChange<T>(client: Client, changeId: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const type = err.cause instanceof ApplicationFailure ? err.cause.type : undefined;
      throw refusalError(changeId, type, err.cause?.message ?? err.message);
    }
    // An update to a finished workflow comes back as "not found: … already completed": closed, not unknown.
    if (isClosedError(err)) throw new ChangeClosedError(changeId);
    if (err instanceof WorkflowNotFoundError)
      throw (await exists(client, changeId)) ? new ChangeClosedError(changeId) : new ChangeNotFoundError(changeId);
    throw err;
  }
}

async function exists(client: Client, changeId: string): Promise<boolean> {
  try {
    await changeHandle(client, changeId).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** Updates and signals to a finished workflow fail with "workflow execution already completed". */
function isClosedError(err: unknown): boolean {
  return err instanceof Error && /already completed|workflow execution already finished/i.test(err.message);
}
