import type { FlowStore } from '../../src/store/flows';
import { decisionUpdate, previewWorkflowId, rollbackLaterWorkflowId, statusQuery } from '../../src/workflows/definitions';
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
    await env.changes.start(request({ steps: [capStep('cap-a', ids[0]!, 31), capStep('cap-b', ids[1]!, 32)], policy: { escalation } }), { changeId });
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
    const handle = await rollbackLater({ changeId, rollbackId: uniqueId('rb'), requestedBy: 'oncall@example.com', reason: 'cap raised too early', category: 'business-impact' });
    const report = await handle.result();

    expect(shown.steps.map((s) => s.stepId)).toEqual(['cap-b', 'cap-a']);
    for (const [i, id] of ids.entries()) {
      const step = shown.steps.find((s) => s.stepId === `cap-${'ab'[i]}`)!;
      const predicted = jsonPatch.applyPatch(structuredClone(before[i]!.config), step.operations as Operation[]).newDocument;
      expect((await flows.get(id))!.config).toEqual(predicted);
      expect(predicted).toEqual(sampleFlowConfig(id));
    }
    expect(report).toMatchObject({ phase: 'rolled-back', rollsBack: changeId, requestedBy: 'oncall@example.com', validation: { ok: true } });
    expect(report.steps.map((s) => s.state)).toEqual(['restored', 'restored']);
  });

  test('given a flow edited after the change finished, when rolled back later, then the edit is reported as a conflict and kept', async () => {
    const changeId = uniqueId('edited');
    await completed(changeId);
    const b = (await flows.get(ids[1]!))!;
    await flows.write(ids[1]!, b.version, { ...b.config, enabled: false }, { action: 'edit', actor: 'teammate@example.com' });

    const handle = await rollbackLater({ changeId, rollbackId: uniqueId('rb'), requestedBy: 'oncall@example.com', reason: 'undo caps', category: 'errors' });
    const question = await eventually(async () => (await handle.query(statusQuery).catch(() => undefined))?.pendingDecisions.find((q) => q.kind === 'compensation'));
    expect(question.stepId).toBe('cap-b');
    await handle.executeUpdate(decisionUpdate, { args: [{ decision: 'resolved-manually', actor: 'oncall@example.com', comment: 'teammate disabled the flow on purpose' }] });

    const report = await handle.result();
    expect(report.phase).toBe('rolled-back');
    expect(report.steps.find((s) => s.id === 'cap-a')!.state).toBe('restored');
    expect(report.steps.find((s) => s.id === 'cap-b')).toMatchObject({ state: 'conflict', resolvedManually: { actor: 'oncall@example.com' } });
    expect((await flows.get(ids[1]!))!.config).toMatchObject({ enabled: false, pricing: { cap: 32 } });
    expect((await flows.get(ids[0]!))!.config).toEqual(sampleFlowConfig(ids[0]!));
  });

  test('given a change still running, when rolled back later, then it is refused: roll back the running change instead', async () => {
    const changeId = uniqueId('running');
    await env.changes.start(request({ steps: [failingStep('fails', ids[0]!)], policy: { onStepFailure: 'ask', escalation } }), { changeId });
    await waitForQuestion(env.changes, changeId);

    const handle = await rollbackLater({ changeId, rollbackId: uniqueId('rb'), requestedBy: 'oncall@example.com', reason: 'too early', category: 'errors' });

    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    await env.changes.decide(changeId, { decision: 'rollback', actor: 'oncall@example.com' });
    await env.changes.result(changeId);
  });
});
