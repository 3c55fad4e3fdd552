import type { FlowStore } from '../../src/store/flows';
import { changeWorkflowId, rollbackLaterWorkflowId, statusQuery } from '../../src/workflows/definitions';
import type { ChangeReport, RollbackLaterInput } from '../../src/domain/status';
import jsonPatch, { type Operation } from 'fast-json-patch';
import { WorkflowFailedError } from '@temporalio/client';
import { ChangeIdConflictError, NotAllowedError, RequestRefusedError } from '../../src/client';
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
  // Whoever asks for a rollback later is its requester: someone else (on call) answers its questions.
  const lead = 'lead@example.com';
  const completed = async (changeId: string, policy: object = {}) => {
    await env.changes.start(
      request({
        steps: [capStep('cap-a', ids[0]!, 31), capStep('cap-b', ids[1]!, 32)],
        policy: { escalation, ...policy },
      }),
      { changeId },
    );
    if ('approval' in policy) {
      await waitForQuestion(env.changes, changeId, { kind: 'approval' });
      await env.changes.decide(changeId, { decision: 'approve', actor: 'oncall@example.com' });
    }
    expect((await env.changes.result(changeId)).phase).toBe('completed');
  };
  const preview = (changeId: string) => env.changes.previewRollback(changeId);
  /** Through the client, as the API and the CLI do; the handle reaches the rollback's workflow by its id. */
  const rollbackLater = async ({ changeId, rollbackId, ...asked }: RollbackLaterInput) => {
    const started = await env.changes.rollBackLater(changeId, asked, { rollbackId });
    expect(started).toEqual({
      changeId: rollbackId,
      workflowId: changeWorkflowId(rollbackId),
      created: true,
      rollsBack: changeId,
    });
    return env.client.workflow.getHandle<() => Promise<ChangeReport>>(started.workflowId);
  };
  const resolvedByHand = (rollbackId: string, comment: string) =>
    env.changes.decide(rollbackId, { decision: 'resolved-manually', actor: 'oncall@example.com', comment });

  test('given a completed change, when previewed and then rolled back later, then the rollback does exactly what the preview showed', async () => {
    const changeId = uniqueId('done');
    await completed(changeId);
    const before = await Promise.all(ids.map((id) => flows.get(id)));

    const shown = await preview(changeId);
    const handle = await rollbackLater({
      changeId,
      rollbackId: uniqueId('rb'),
      requestedBy: lead,
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
      requestedBy: lead,
      validation: { ok: true },
    });
    // Nothing was edited since the change: the preview expected every step restored, no conflict.
    expect(shown.steps.map((s) => s.counts)).toEqual([
      { restore: 1, conflicts: 0 },
      { restore: 1, conflicts: 0 },
    ]);
    expect(report.steps.map((s) => s.state)).toEqual(['restored', 'restored']);
  });

  test('given a flow edited after the change finished, when previewed and rolled back later, then the preview shows the conflict, the rollback asks about it and the edit is kept', async () => {
    const changeId = uniqueId('edited');
    await completed(changeId);
    const b = (await flows.get(ids[1]!))!;
    await flows.write(
      ids[1]!,
      b.version,
      { ...b.config, enabled: false },
      { action: 'edit', actor: 'teammate@example.com' },
    );

    const shown = await preview(changeId);
    expect(shown.steps.find((s) => s.stepId === 'cap-b')).toMatchObject({
      counts: { restore: 0, conflicts: 1 },
      conflicts: [
        {
          item: `flow ${ids[1]}`,
          before: { version: b.version - 1 },
          written: { version: b.version },
          now: { version: b.version + 1, writtenBy: { action: 'edit', actor: 'teammate@example.com' } },
        },
      ],
      summary: expect.stringContaining('a rollback would leave it as is and ask'),
    });
    expect(shown.steps.find((s) => s.stepId === 'cap-a')!.counts).toEqual({ restore: 1, conflicts: 0 });

    const rollbackId = uniqueId('rb');
    const handle = await rollbackLater({
      changeId,
      rollbackId,
      requestedBy: lead,
      reason: 'undo caps',
      category: 'errors',
    });
    const question = await waitForQuestion(env.changes, rollbackId, { kind: 'compensation' });
    expect(question.stepId).toBe('cap-b');
    // The rollback's requester may not accept its risk; on call may.
    await expect(
      env.changes.decide(rollbackId, { decision: 'resolved-manually', actor: lead, comment: 'mine' }),
    ).rejects.toThrow(NotAllowedError);
    await resolvedByHand(rollbackId, 'teammate disabled the flow on purpose');

    const report = await handle.result();
    expect(report.phase).toBe('rolled-back');
    expect(report.steps.find((s) => s.id === 'cap-a')!.state).toBe('restored');
    expect(report.steps.find((s) => s.id === 'cap-b')).toMatchObject({
      state: 'conflict',
      resolvedManually: { actor: 'oncall@example.com' },
    });
    expect((await flows.get(ids[1]!))!.config).toMatchObject({ enabled: false, pricing: { cap: 32 } });
    expect((await flows.get(ids[0]!))!.config).toEqual(sampleFlowConfig(ids[0]!));
    // A change like any other: its report by its own id, and listed with the change it rolls back.
    expect(await env.changes.report(rollbackId)).toMatchObject({ changeId: rollbackId, rollsBack: changeId });
    const listed = await eventually(async () =>
      (await env.changes.list({ requestedBy: lead })).changes.find((c) => c.changeId === rollbackId),
    );
    expect(listed).toMatchObject({ rollsBack: changeId, targets: ['flow-config'], executionStatus: 'COMPLETED' });
  });

  test('given a change whose policy requires approval, when rolled back later, then nothing is restored until someone other than its requester approves', async () => {
    const changeId = uniqueId('approved');
    await completed(changeId, { approval: 'required' });
    const rollbackId = uniqueId('rb');
    const handle = await rollbackLater({
      changeId,
      rollbackId,
      requestedBy: lead,
      reason: 'caps hurt delivery',
      category: 'business-impact',
    });

    const question = await waitForQuestion(env.changes, rollbackId, { kind: 'approval' });
    expect(question.prompt).toContain(`rolling back change ${changeId}`);
    expect((await env.changes.status(rollbackId)).phase).toBe('awaiting-approval');
    await expect(env.changes.decide(rollbackId, { decision: 'approve', actor: lead })).rejects.toThrow(NotAllowedError);
    // Not rolled back in turn: it is stopped by rejecting it.
    await expect(
      env.changes.requestRollback(rollbackId, { actor: lead, reason: 'never mind', category: 'business-impact' }),
    ).rejects.toThrow(/reject its approval to stop it/);
    for (const id of ids) expect((await flows.get(id))!.config).not.toEqual(sampleFlowConfig(id));

    await env.changes.decide(rollbackId, { decision: 'approve', actor: 'oncall@example.com' });
    const report = await handle.result();

    expect(report).toMatchObject({ phase: 'rolled-back', rollsBack: changeId, requestedBy: lead });
    expect(report.decisions).toEqual([expect.objectContaining({ decision: 'approve', actor: 'oncall@example.com' })]);
    for (const id of ids) expect((await flows.get(id))!.config).toEqual(sampleFlowConfig(id));
  });

  test('given a rollback later awaiting approval, when it is rejected, then it ends rejected and the change stays applied', async () => {
    const changeId = uniqueId('approved');
    await completed(changeId, { approval: 'required' });
    const rollbackId = uniqueId('rb');
    const handle = await rollbackLater({
      changeId,
      rollbackId,
      requestedBy: lead,
      reason: 'unsure',
      category: 'business-impact',
    });
    await waitForQuestion(env.changes, rollbackId, { kind: 'approval' });

    await env.changes.decide(rollbackId, { decision: 'reject', actor: 'oncall@example.com', comment: 'caps are fine' });
    const report = await handle.result();

    expect(report).toMatchObject({ phase: 'rejected', cause: { type: 'Rejected' }, rollsBack: changeId });
    expect(report.steps.map((s) => s.state)).toEqual(['pending', 'pending']);
    expect((await flows.get(ids[0]!))!.config).toMatchObject({ pricing: { cap: 31 } });
    expect((await flows.get(ids[1]!))!.config).toMatchObject({ pricing: { cap: 32 } });
  });

  test('given a rollback later asked twice with one id, when the request is the same, then the first is returned; when it differs, then it is a conflict', async () => {
    const changeId = uniqueId('done');
    await completed(changeId);
    const rollbackId = uniqueId('rb');
    const asked = { requestedBy: lead, reason: 'undo', category: 'errors' as const };
    const handle = await rollbackLater({ changeId, rollbackId, ...asked });

    expect(await env.changes.rollBackLater(changeId, asked, { rollbackId })).toMatchObject({ created: false });
    await expect(
      env.changes.rollBackLater(changeId, { ...asked, reason: 'something else' }, { rollbackId }),
    ).rejects.toThrow(ChangeIdConflictError);
    expect((await handle.result()).phase).toBe('rolled-back');
  });

  test('given a change still running, when rolled back later, then it is refused: roll back the running change instead', async () => {
    const changeId = uniqueId('running');
    await env.changes.start(
      request({ steps: [failingStep('fails', ids[0]!)], policy: { onStepFailure: 'ask', escalation } }),
      { changeId },
    );
    await waitForQuestion(env.changes, changeId);

    // The client refuses before starting anything; the workflow refuses too when started directly.
    await expect(
      env.changes.rollBackLater(
        changeId,
        { requestedBy: lead, reason: 'too early', category: 'errors' },
        { rollbackId: uniqueId('rb') },
      ),
    ).rejects.toThrow(RequestRefusedError);
    const input: RollbackLaterInput = {
      changeId,
      rollbackId: uniqueId('rb'),
      requestedBy: lead,
      reason: 'too early',
      category: 'errors',
    };
    const direct = await env.client.workflow.start<(input: RollbackLaterInput) => Promise<ChangeReport>>(
      'rollbackLaterWorkflow',
      { workflowId: rollbackLaterWorkflowId(input.rollbackId), taskQueue: env.taskQueue, args: [input] },
    );

    await expect(direct.result()).rejects.toThrow(WorkflowFailedError);
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
      requestedBy: lead,
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
      requestedBy: lead,
      reason: 'undo caps',
      category: 'errors',
    });
    await waitForQuestion(env.changes, rollbackId, { kind: 'compensation' });

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

    await resolvedByHand(rollbackId, 'teammate disabled the flow on purpose');
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
