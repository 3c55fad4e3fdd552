import type { FlowStore } from '../../src/store/flows';
import {
  decisionUpdate,
  previewWorkflowId,
  rollbackLaterWorkflowId,
  statusQuery,
} from '../../src/workflows/definitions';
import type { ChangeReport, RollbackLaterInput, RollbackPreview } from '../../src/domain/status';
import jsonPatch, { type Operation } from 'fast-json-patch';
import { WorkflowFailedError } from '@temporalio/client';
import { capStep, failingStep, levels, request, waitForQuestion } from '../helpers/changes';
import { sampleFlowConfig, seedFlows } from '../helpers/flows';
import { eventually, openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

describe('preview and roll back later: finished changes restored from their kept recovery points', () => {
  let env: TestEnv;
  let flows: FlowStore;
  let ids: string[];

  beforeEach(async () => {
    env = await openTestEnv();
    ids = [uniqueId('a'), uniqueId('b')];
    flows = await seedFlows(env.db, ids);
    await env.startWorker();
  });
  afterEach(() => env.close());

  const escalation = { levels: levels(['on-call', ['oncall@example.com'], '1h']) };
  const completed = async (changeId: string) => {
    await env.changes.start(
      request({ steps: [capStep('cap-a', ids[0]!, 31), capStep('cap-b', ids[1]!, 32)], policy: { escalation } }),
      { changeId },
    );
    expect((await env.changes.result(changeId)).phase).toBe('completed');
  };
  const preview = (changeId: string) =>
    env.client.workflow.execute<(input: { changeId: string }) => Promise<RollbackPreview>>('previewRollbackWorkflow', {
      workflowId: previewWorkflowId(changeId, uniqueId('p')),
      taskQueue: env.taskQueue,
      args: [{ changeId }],
    });
  const rollbackLater = (input: RollbackLaterInput) =>
    env.client.workflow.start<(input: RollbackLaterInput) => Promise<ChangeReport>>('rollbackLaterWorkflow', {
      workflowId: rollbackLaterWorkflowId(input.rollbackId),
      taskQueue: env.taskQueue,
      args: [input],
    });

  test('given a completed change, when previewed and then rolled back later, then the rollback does exactly what the preview showed', async () => {
    const changeId = uniqueId('done');
    await completed(changeId);
    const before = await Promise.all(ids.map((id) => flows.get(id)));

    const shown = await preview(changeId);
    const handle = await rollbackLater({
      changeId,
      rollbackId: uniqueId('rb'),
      requestedBy: 'oncall@example.com',
      reason: 'cap raised too early',
      category: 'business-impact',
    });
    const report = await handle.result();

    expect(shown.steps.map((s) => s.stepId)).toEqual(['cap-b', 'cap-a']);
    for (const [i, id] of ids.entries()) {
      const step = shown.steps.find((s) => s.stepId === `cap-${'ab'[i]}`)!;
      const predicted = jsonPatch.applyPatch(
        structuredClone(before[i]!.config),
        step.operations as Operation[],
      ).newDocument;
      expect((await flows.get(id))!.config).toEqual(predicted);
      expect(predicted).toEqual(sampleFlowConfig(id));
    }
    expect(report).toMatchObject({
      phase: 'rolled-back',
      rollsBack: changeId,
      requestedBy: 'oncall@example.com',
      validation: { ok: true },
    });
    expect(report.steps.map((s) => s.state)).toEqual(['restored', 'restored']);
  });

  test('given a flow edited after the change finished, when rolled back later, then the edit is reported as a conflict and kept', async () => {
    const changeId = uniqueId('edited');
    await completed(changeId);
    const b = (await flows.get(ids[1]!))!;
    await flows.write(
      ids[1]!,
      b.version,
      { ...b.config, enabled: false },
      { action: 'edit', actor: 'teammate@example.com' },
    );

    const handle = await rollbackLater({
      changeId,
      rollbackId: uniqueId('rb'),
      requestedBy: 'oncall@example.com',
      reason: 'undo caps',
      category: 'errors',
    });
    const question = await eventually(async () =>
      (await handle.query(statusQuery).catch(() => undefined))?.pendingDecisions.find((q) => q.kind === 'compensation'),
    );
    expect(question.stepId).toBe('cap-b');
    await handle.executeUpdate(decisionUpdate, {
      args: [
        {
          decision: 'resolved-manually',
          actor: 'oncall@example.com',
          comment: 'teammate disabled the flow on purpose',
        },
      ],
    });

    const report = await handle.result();
    expect(report.phase).toBe('rolled-back');
    expect(report.steps.find((s) => s.id === 'cap-a')!.state).toBe('restored');
    expect(report.steps.find((s) => s.id === 'cap-b')).toMatchObject({
      state: 'conflict',
      resolvedManually: { actor: 'oncall@example.com' },
    });
    expect((await flows.get(ids[1]!))!.config).toMatchObject({ enabled: false, pricing: { cap: 32 } });
    expect((await flows.get(ids[0]!))!.config).toEqual(sampleFlowConfig(ids[0]!));
  });

  test('given a change still running, when rolled back later, then it is refused: roll back the running change instead', async () => {
    const changeId = uniqueId('running');
    await env.changes.start(
      request({ steps: [failingStep('fails', ids[0]!)], policy: { onStepFailure: 'ask', escalation } }),
      { changeId },
    );
    await waitForQuestion(env.changes, changeId);

    const handle = await rollbackLater({
      changeId,
      rollbackId: uniqueId('rb'),
      requestedBy: 'oncall@example.com',
      reason: 'too early',
      category: 'errors',
    });

    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    await env.changes.decide(changeId, { decision: 'rollback', actor: 'oncall@example.com' });
    await env.changes.result(changeId);
  });

  test('given a change holding the flow while it asks about a failure, when a finished change on that flow is rolled back later, then the rollback waits for the lock and restores only after that change ends', async () => {
    const changeId = uniqueId('done');
    await completed(changeId);
    const holder = uniqueId('holder');
    await env.changes.start(
      request({ steps: [failingStep('fails', ids[0]!)], policy: { onStepFailure: 'ask', escalation } }),
      { changeId: holder },
    );
    await waitForQuestion(env.changes, holder, { kind: 'step-failure' });

    const handle = await rollbackLater({
      changeId,
      rollbackId: uniqueId('rb'),
      requestedBy: 'oncall@example.com',
      reason: 'caps raised too early',
      category: 'business-impact',
    });
    const waiting = await eventually(async () => {
      const status = await handle.query(statusQuery).catch(() => undefined);
      return status?.phase === 'waiting-for-lock' ? status : undefined;
    });
    expect(waiting.timeline).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          event: 'waiting for lock',
          detail: expect.stringContaining(`held by change ${holder}`),
        }),
      ]),
    );
    expect((await flows.get(ids[0]!))!.config).toMatchObject({ pricing: { cap: 31 } });

    await env.changes.decide(holder, { decision: 'rollback', actor: 'oncall@example.com' });
    const held = await env.changes.result(holder);
    const report = await handle.result();

    expect(report).toMatchObject({ phase: 'rolled-back', rollsBack: changeId, validation: { ok: true } });
    expect(report.steps.map((s) => s.state)).toEqual(['restored', 'restored']);
    const events = report.timeline.map((e) => e.event);
    expect(events.indexOf('waiting for lock')).toBeLessThan(events.indexOf('target locks taken'));
    // The holder lets go of its locks after its own restores: the rollback's restores start after those.
    expect(Date.parse(report.steps[0]!.timings!.compensationStartedAt!)).toBeGreaterThanOrEqual(
      Date.parse(held.recovery!.restoredAt),
    );
    for (const id of ids) expect((await flows.get(id))!.config).toEqual(sampleFlowConfig(id));
  });

  test('given a roll-back-later holding the flows while it asks about a conflict, when a change on one of them starts, then the change waits and applies only after the rollback ends', async () => {
    const changeId = uniqueId('edited');
    await completed(changeId);
    const b = (await flows.get(ids[1]!))!;
    await flows.write(
      ids[1]!,
      b.version,
      { ...b.config, enabled: false },
      { action: 'edit', actor: 'teammate@example.com' },
    );
    const rollbackId = uniqueId('rb');
    const handle = await rollbackLater({
      changeId,
      rollbackId,
      requestedBy: 'oncall@example.com',
      reason: 'undo caps',
      category: 'errors',
    });
    await eventually(async () =>
      (await handle.query(statusQuery).catch(() => undefined))?.pendingDecisions.find((q) => q.kind === 'compensation'),
    );

    const next = uniqueId('next');
    await env.changes.start(request({ steps: [capStep('cap-a-again', ids[0]!, 45)], policy: { escalation } }), {
      changeId: next,
    });
    const waiting = await eventually(async () => {
      const status = await env.changes.status(next);
      return status.phase === 'waiting-for-lock' ? status : undefined;
    });
    expect(waiting.timeline).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          event: 'waiting for lock',
          detail: expect.stringContaining(`held by change ${rollbackId}`),
        }),
      ]),
    );
    expect((await flows.get(ids[0]!))!.config).toMatchObject({ pricing: { cap: 31 } });

    await handle.executeUpdate(decisionUpdate, {
      args: [
        {
          decision: 'resolved-manually',
          actor: 'oncall@example.com',
          comment: 'teammate disabled the flow on purpose',
        },
      ],
    });
    const rolledBack = await handle.result();
    const applied = await env.changes.result(next);

    expect(rolledBack.phase).toBe('rolled-back');
    expect(rolledBack.steps.find((s) => s.id === 'cap-a')!.state).toBe('restored');
    expect(applied.phase).toBe('completed');
    expect(Date.parse(applied.steps[0]!.timings!.applyStartedAt!)).toBeGreaterThanOrEqual(
      Date.parse(rolledBack.recovery!.restoredAt),
    );
    expect((await flows.get(ids[0]!))!.config).toMatchObject({ pricing: { cap: 45 } });
  });
});
