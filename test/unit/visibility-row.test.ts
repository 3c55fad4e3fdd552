import { randomBytes } from 'node:crypto';
import {
  defaultDataConverter,
  defaultPayloadConverter,
  mapToPayloads,
  SearchAttributeType,
  type LoadedDataConverter,
  type Payload,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
// Test only: the SDK's own decoding (an internal) is the reference the public decoder must match,
// and its encoder writes search attributes exactly as the server hands them back.
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { encodeUnifiedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { summaryFromExecution } from '../../src/client/change-summary';
import { executionFromVisibility } from '../../src/client/visibility-row';
import { EncryptionCodec } from '../../src/temporal/encryption-codec';
import {
  ChangeIdKey,
  ChangeStatusKey,
  EscalationLevelKey,
  RequestedByKey,
  TargetsKey,
} from '../../src/workflows/search-attributes';

const Info = temporal.api.workflow.v1.WorkflowExecutionInfo;
const Status = temporal.api.enums.v1.WorkflowExecutionStatus;
const namespace = 'default';
const codec = new EncryptionCodec({ activeKeyId: 'k1', keys: new Map([['k1', randomBytes(32)]]) });
const encrypting: LoadedDataConverter = { ...defaultDataConverter, payloadCodecs: [codec] };

/** A visibility row as the gRPC client decodes it off the wire (int64 fields as Long). */
async function row(fields: {
  status: temporal.api.enums.v1.WorkflowExecutionStatus;
  closed?: boolean;
  attributes?: Record<string, Payload>;
}) {
  const memo = await codec.encode(
    Object.values(mapToPayloads(defaultPayloadConverter, { title: 'Move the CRM field', requestChecksum: 'abc123' })),
  );
  const info = Info.fromObject({
    execution: { workflowId: 'change-c-listed', runId: 'run-1' },
    type: { name: 'changeWorkflow' },
    taskQueue: 'changes',
    status: fields.status,
    historyLength: 42,
    startTime: { seconds: 1_767_225_600, nanos: 123_999_999 },
    ...(fields.closed ? { closeTime: { seconds: 1_767_225_700, nanos: 1_500_000 } } : {}),
    memo: { fields: { title: memo[0]!, requestChecksum: memo[1]! } },
    searchAttributes: {
      indexedFields:
        fields.attributes ??
        encodeUnifiedSearchAttributes(undefined, [
          { key: ChangeIdKey, value: 'c-listed' },
          { key: ChangeStatusKey, value: 'awaiting-approval' },
          { key: TargetsKey, value: ['flow-config', 'crm'] },
          { key: RequestedByKey, value: 'ana@example.com' },
          { key: EscalationLevelKey, value: 2 },
        ]),
    },
  });
  return Info.decode(Info.encode(info).finish());
}

async function both(raw: temporal.api.workflow.v1.IWorkflowExecutionInfo) {
  const sdk = await executionInfoFromRaw(raw, encrypting, raw, namespace);
  const ours = await executionFromVisibility(raw, encrypting, namespace);
  return { sdk, ours };
}

describe('a listed change decoded with public SDK pieces only', () => {
  test('given a running change with encrypted memo, when decoded, then its summary equals the one the SDK decoding gives', async () => {
    const { sdk, ours } = await both(await row({ status: Status.WORKFLOW_EXECUTION_STATUS_RUNNING }));

    expect(summaryFromExecution(ours)).toEqual(summaryFromExecution(sdk));
    expect(summaryFromExecution(ours)).toMatchObject({
      changeId: 'c-listed',
      title: 'Move the CRM field',
      targets: ['flow-config', 'crm'],
      escalationLevel: 2,
      executionStatus: 'RUNNING',
    });
    expect(ours.memo).toEqual(sdk.memo);
    expect(ours.typedSearchAttributes.getAll()).toEqual(sdk.typedSearchAttributes.getAll());
  });

  test('given a closed change with sub-millisecond times, when decoded, then start and close times truncate like the SDK', async () => {
    const { sdk, ours } = await both(await row({ status: Status.WORKFLOW_EXECUTION_STATUS_COMPLETED, closed: true }));

    expect(ours.startTime).toEqual(sdk.startTime);
    expect(ours.closeTime).toEqual(sdk.closeTime);
    expect(summaryFromExecution(ours)).toEqual(summaryFromExecution(sdk));
  });

  test.each([...Object.values(Status).filter((code): code is number => typeof code === 'number'), 99])(
    'given execution status %s, when decoded, then the status name is the SDK name',
    async (code) => {
      const { sdk, ours } = await both(await row({ status: code }));

      expect(ours.status).toEqual(sdk.status);
    },
  );

  test('given attributes without a type, with an unknown type, a legacy one-value list and a date, when decoded, then they read as the SDK reads them', async () => {
    const keyword = (value: unknown, type?: string): Payload => {
      const payload = defaultPayloadConverter.toPayload(value);
      return {
        ...payload,
        metadata: { ...payload.metadata, ...(type ? { type: new TextEncoder().encode(type) } : {}) },
      };
    };
    const attributes = {
      ...encodeUnifiedSearchAttributes(undefined, [
        { key: { name: 'ClosedAt', type: SearchAttributeType.DATETIME }, value: new Date('2026-01-01T00:00:00.000Z') },
      ]),
      ChangeId: keyword('c-untyped'),
      ChangeStatus: keyword(['held'], 'Keyword'),
      RequestedBy: keyword('ana@example.com', 'NotAType'),
      EscalationLevel: keyword([1, 2], 'Int'),
    };
    const { sdk, ours } = await both(await row({ status: Status.WORKFLOW_EXECUTION_STATUS_RUNNING, attributes }));

    expect(ours.typedSearchAttributes.getAll()).toEqual(sdk.typedSearchAttributes.getAll());
    expect(summaryFromExecution(ours)).toEqual(summaryFromExecution(sdk));
    expect(summaryFromExecution(ours)).toMatchObject({ changeId: 'c-listed', phase: 'held' });
  });
});
