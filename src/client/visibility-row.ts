import type { WorkflowExecutionInfo, WorkflowExecutionStatusName } from '@temporalio/client';
import {
  defaultPayloadConverter,
  mapFromPayloads,
  SearchAttributeType,
  TypedSearchAttributes,
  type LoadedDataConverter,
  type Payload,
  type SearchAttributePair,
  type WorkflowSerializationContext,
} from '@temporalio/common';
import { google, temporal } from '@temporalio/proto';

type RawExecution = temporal.api.workflow.v1.IWorkflowExecutionInfo;

/** What a change's summary reads of an execution: the same fields `describe()` decodes. */
export type VisibleExecution = Pick<
  WorkflowExecutionInfo,
  'workflowId' | 'typedSearchAttributes' | 'memo' | 'status' | 'startTime' | 'closeTime'
>;

const Status = temporal.api.enums.v1.WorkflowExecutionStatus;

/** The SDK's names for execution statuses; a full record, so a status added to the proto fails to compile here. */
const statusNames: Record<temporal.api.enums.v1.WorkflowExecutionStatus, WorkflowExecutionStatusName> = {
  [Status.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED]: 'UNSPECIFIED',
  [Status.WORKFLOW_EXECUTION_STATUS_RUNNING]: 'RUNNING',
  [Status.WORKFLOW_EXECUTION_STATUS_COMPLETED]: 'COMPLETED',
  [Status.WORKFLOW_EXECUTION_STATUS_FAILED]: 'FAILED',
  [Status.WORKFLOW_EXECUTION_STATUS_CANCELED]: 'CANCELLED',
  [Status.WORKFLOW_EXECUTION_STATUS_TERMINATED]: 'TERMINATED',
  [Status.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW]: 'CONTINUED_AS_NEW',
  [Status.WORKFLOW_EXECUTION_STATUS_TIMED_OUT]: 'TIMED_OUT',
  [Status.WORKFLOW_EXECUTION_STATUS_PAUSED]: 'PAUSED',
};

/**
 * Decodes one execution of a raw `listWorkflowExecutions` page with the SDK's public pieces only.
 * The public `client.workflow.list` iterator hides the server's page tokens, and the list must hand
 * them out (`ChangePage.nextPageToken`), so the page is fetched raw and decoded here the way the
 * SDK decodes it: memo through the client's codecs and payload converter, search attributes by the
 * type each payload declares, timestamps to the millisecond.
 */
export async function executionFromVisibility(
  raw: RawExecution,
  converter: LoadedDataConverter,
  namespace: string,
): Promise<VisibleExecution> {
  const workflowId = raw.execution?.workflowId ?? '';
  const status = raw.status ?? Status.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED;
  const context: WorkflowSerializationContext = { type: 'workflow', namespace, workflowId };
  return {
    workflowId,
    status: { code: status, name: statusNames[status] ?? 'UNKNOWN' },
    startTime: dateOf(raw.startTime),
    closeTime: raw.closeTime ? dateOf(raw.closeTime) : undefined,
    memo: await decodeMemo(raw.memo?.fields, converter, context),
    typedSearchAttributes: decodeSearchAttributes(raw.searchAttributes?.indexedFields),
  };
}

/** Memo payloads through every codec, last first (as they were encoded first to last), then the payload converter. */
async function decodeMemo(
  fields: Record<string, Payload> | null | undefined,
  converter: LoadedDataConverter,
  context: WorkflowSerializationContext,
): Promise<Record<string, unknown> | undefined> {
  if (!fields) return undefined;
  const decoded = await Promise.all(
    Object.entries(fields).map(async ([key, payload]): Promise<[string, Payload]> => {
      let payloads = [payload];
      for (const codec of [...converter.payloadCodecs].reverse()) payloads = await codec.decode(payloads, context);
      return [key, payloads[0] ?? payload];
    }),
  );
  return mapFromPayloads(converter.payloadConverter, Object.fromEntries(decoded), context);
}

/**
 * Search attributes are plain JSON payloads with their type in the `type` metadata; one that
 * declares no known type is skipped, and `TypedSearchAttributes.get` refuses a value of the wrong type.
 */
function decodeSearchAttributes(fields: Record<string, Payload> | null | undefined): TypedSearchAttributes {
  const pairs: SearchAttributePair[] = [];
  for (const [name, payload] of Object.entries(fields ?? {})) {
    const declared = payload.metadata?.type;
    const type = declared ? TypedSearchAttributes.toSearchAttributeType(new TextDecoder().decode(declared)) : undefined;
    if (type === undefined) continue;
    let value: unknown = defaultPayloadConverter.fromPayload(payload);
    // Older servers wrapped single values in a list.
    if (type !== SearchAttributeType.KEYWORD_LIST && Array.isArray(value)) {
      if (value.length !== 1) continue;
      value = value[0];
    }
    if (type === SearchAttributeType.DATETIME && typeof value === 'string') value = new Date(value);
    pairs.push({ key: { name, type }, value } as SearchAttributePair);
  }
  return new TypedSearchAttributes(pairs);
}

/** Protobuf timestamp to Date, truncated to the millisecond like the SDK's own conversion. */
function dateOf(ts: google.protobuf.ITimestamp | null | undefined): Date {
  return new Date((ts?.seconds?.toNumber() ?? 0) * 1000 + Math.floor((ts?.nanos ?? 0) / 1_000_000));
}
