import { isGrpcServiceError, type Client } from '@temporalio/client';
import { parseOrThrow, ValidationError } from '../domain/validation';
import { changeListQuery, listFilterSchema, type ListFilter } from './change-query';
import { summaryFromExecution, type ChangeSummary } from './change-summary';
import { executionFromVisibility } from './visibility-row';

export interface ChangePage {
  changes: ChangeSummary[];
  /** Pass to the next `list` call; absent on the last page. */
  nextPageToken?: string;
}

/**
 * One page of changes on a task queue, newest first, narrowed by status, target kind and requester.
 * The token is the server's own page token in base64, so a page follows exactly where the last ended.
 */
export async function listChanges(client: Client, taskQueue: string, filter: ListFilter = {}): Promise<ChangePage> {
  const valid = parseOrThrow(listFilterSchema, filter, 'list filter');
  const { namespace, loadedDataConverter } = client.options;
  let response;
  try {
    response = await client.workflowService.listWorkflowExecutions({
      namespace,
      query: changeListQuery(taskQueue, valid),
      pageSize: valid.pageSize,
      nextPageToken: valid.nextPageToken ? Buffer.from(valid.nextPageToken, 'base64') : undefined,
    });
  } catch (err) {
    // INVALID_ARGUMENT with a token means the token is not one of ours (or has expired).
    if (valid.nextPageToken && isGrpcServiceError(err) && err.code === 3) {
      throw new ValidationError('list filter', [
        { path: 'nextPageToken', message: 'must be a token returned by a previous page' },
      ]);
    }
    throw err;
  }
  const changes = await Promise.all(
    response.executions.map(async (raw) =>
      summaryFromExecution(await executionFromVisibility(raw, loadedDataConverter, namespace)),
    ),
  );
  const token =
    response.nextPageToken && response.nextPageToken.length > 0
      ? Buffer.from(response.nextPageToken).toString('base64')
      : undefined;
  return { changes, ...(token ? { nextPageToken: token } : {}) };
}
