import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { Document } from 'mongodb';
import { changeRequestSchema, type ChangeRequest, type ChangeRequestInput } from '../../src/domain/change-request';
import { ErrorType } from '../../src/domain/errors';
import { productCollection } from '../../src/store/collections';
import { changeWorkflowId, previewWorkflowId, rollbackLaterWorkflowId } from '../../src/workflows/definitions';
import type { ChangeReport, RollbackLaterInput, RollbackPreview } from '../../src/domain/status';
import { checksum } from '../../src/domain/canonical';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

/**
 * The worker's own checks, for requests that reach it without the client: a change workflow
 * started straight on Temporal, and a stored request edited in the database. Neither may touch a
 * collection that is reserved or outside the worker's allow-list, and a stored request that no
 * longer validates runs nothing.
 */

const partner = { _id: 'partner-a', retries: 3 };
const settingsStep = (collection: string) => ({
  id: 'settings',
  target: 'mongo-document' as const,
  spec: { collection, id: 'partner-a', op: 'set' as const, fields: { retries: 5 } },
});
const requestOf = (steps: ChangeRequestInput['steps']): ChangeRequest =>
  changeRequestSchema.parse({ title: 'Raise partner retries', requestedBy: 'requester@example.com', steps });

/** The failure type an activity raised under a failed workflow. */
function activityFailureType(err: unknown): string | undefined {
  const failure = err instanceof WorkflowFailedError ? err.cause : undefined;
  const cause = failure instanceof ActivityFailure ? failure.cause : failure;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

describe("the worker's checks of step targets and stored requests", () => {
  let env: TestEnv;
  const collectionState = async (name: string) =>
    checksum(await env.db.collection<Document>(name).find({}).sort({ _id: 1 }).toArray());

  beforeAll(async () => {
    env = await openTestEnv();
    await env.startWorker(undefined, { targetCollections: { 'mongo-document': ['partner_settings'] } });
  });
  afterAll(() => env.close());

  beforeEach(async () => {
    await env.db.collection<Document>('partner_settings').deleteMany({});
    await env.db.collection<Document>('partner_settings').insertOne({ ...partner } as Document);
    await env.db.collection<Document>('users').deleteMany({});
    await env.db.collection<Document>('users').insertOne({ ...partner } as Document);
  });

  /** Starts the change workflow directly, as someone with Temporal access could, and waits for its report. */
  const startDirectly = async (request: ChangeRequest): Promise<ChangeReport> => {
    const changeId = uniqueId('direct');
    return env.client.workflow.execute('changeWorkflow', {
      workflowId: changeWorkflowId(changeId),
      taskQueue: env.taskQueue,
      args: [{ changeId, request }],
    });
  };

  test.each([
    ['http_sends', 'a compensating call could be marked delivered'],
    ['target_locks', 'locks could be orphaned'],
    ['users', 'the operator allows partner_settings only'],
  ])(
    'given a workflow started straight on Temporal with a step on %s (%s), when it runs, then the worker refuses the step as InvalidStep and the collection is untouched',
    async (collection) => {
      const target = env.db.collection<Document>(collection);
      if (collection !== 'users') await target.insertOne({ _id: 'partner-a', retries: 3 } as Document);
      const before = await collectionState(collection);

      // The schema refuses such a step, so the request is validated first and then edited, as a caller without the client could send it.
      const valid = requestOf([settingsStep('partner_settings')]);
      const step = valid.steps[0] as Extract<ChangeRequest['steps'][number], { target: 'mongo-document' }>;
      const report = await startDirectly({ ...valid, steps: [{ ...step, spec: { ...step.spec, collection } }] });

      expect(report.phase).toBe('rolled-back');
      expect(report.steps[0]).toMatchObject({
        state: 'failed',
        error: { type: ErrorType.InvalidStep, message: expect.stringContaining(`"${collection}"`) },
      });
      // The change's own lock on the target was taken and released in target_locks; nothing else changed.
      expect(await collectionState(collection)).toBe(before);
    },
  );

  test('given a completed change whose stored request was edited to target a reserved collection, when previewed or rolled back later, then both fail as InvalidRequestError naming the change and the field, and nothing is restored', async () => {
    const changeId = uniqueId('stored');
    await env.changes.start(requestOf([settingsStep('partner_settings')]), { changeId });
    expect((await env.changes.result(changeId)).phase).toBe('completed');
    const stored = productCollection<{ _id: string; requestJson: string }>(env.db, 'changeRequests');
    const doc = await stored.findOne({ _id: changeId });
    await stored.updateOne(
      { _id: changeId },
      {
        $set: { requestJson: doc!.requestJson.replace('"collection":"partner_settings"', '"collection":"http_sends"') },
      },
    );
    const settingsBefore = await collectionState('partner_settings');

    const preview = env.client.workflow.execute<(input: { changeId: string }) => Promise<RollbackPreview>>(
      'previewRollbackWorkflow',
      {
        workflowId: previewWorkflowId(changeId, uniqueId('p')),
        taskQueue: env.taskQueue,
        args: [{ changeId }],
      },
    );
    const rollback = env.client.workflow.execute<(input: RollbackLaterInput) => Promise<ChangeReport>>(
      'rollbackLaterWorkflow',
      {
        workflowId: rollbackLaterWorkflowId(uniqueId('rb')),
        taskQueue: env.taskQueue,
        args: [
          {
            changeId,
            rollbackId: uniqueId('rb'),
            requestedBy: 'oncall@example.com',
            reason: 'undo',
            category: 'errors',
          },
        ],
      },
    );

    // Both outcomes are caught at once: awaiting one while the other has already failed would leave
    // a rejection unhandled for a moment, and jest fails the test on that.
    const failures = await Promise.all(
      [preview, rollback].map((run) =>
        run.then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );
    for (const err of failures) {
      expect(activityFailureType(err)).toBe(ErrorType.InvalidRequest);
      const message = ((err as WorkflowFailedError).cause as ActivityFailure).cause!.message;
      expect(message).toContain(changeId);
      expect(message).toContain('steps.0.spec.collection');
    }
    expect(await collectionState('partner_settings')).toBe(settingsBefore);
    expect(
      await env.db.collection<Document>('partner_settings').findOne({ _id: 'partner-a' } as Document),
    ).toMatchObject({ retries: 5 });
  });

  test('given a stored request edited to carry a raw "__proto__" key, when read back, then it is refused naming where the key is', async () => {
    const changeId = uniqueId('proto');
    await env.changes.start(requestOf([settingsStep('partner_settings')]), { changeId });
    await env.changes.result(changeId);
    const stored = productCollection<{ _id: string; requestJson: string }>(env.db, 'changeRequests');
    const doc = await stored.findOne({ _id: changeId });
    await stored.updateOne(
      { _id: changeId },
      { $set: { requestJson: doc!.requestJson.replace('"retries":5', '"retries":5,"__proto__":{"polluted":true}') } },
    );

    const err = await env.client.workflow
      .execute<(input: { changeId: string }) => Promise<RollbackPreview>>('previewRollbackWorkflow', {
        workflowId: previewWorkflowId(changeId, uniqueId('p')),
        taskQueue: env.taskQueue,
        args: [{ changeId }],
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(activityFailureType(err)).toBe(ErrorType.InvalidRequest);
    expect(((err as WorkflowFailedError).cause as ActivityFailure).cause!.message).toContain(
      'steps.0.spec.fields.__proto__',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
