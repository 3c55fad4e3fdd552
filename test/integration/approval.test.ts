import { RequestRefusedError } from '../../src/client/errors';
import { ChangeStatusKey } from '../../src/workflows/search-attributes';
import { changeWorkflowId } from '../../src/workflows/definitions';
import { capStep, levels, request, waitForQuestion } from '../helpers/changes';
import { seedFlows } from '../helpers/flows';
import { eventually, openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import type { FlowStore } from '../../src/store/flows';

describe('approval gate: nothing is applied before the policy says yes', () => {
  let env: TestEnv;
  let flows: FlowStore;
  let flowId: string;

  beforeEach(async () => {
    env = await openTestEnv();
    flowId = uniqueId('flow');
    flows = await seedFlows(env.db, [flowId]);
  });
  afterEach(() => env.close());

  const approvalChange = (risk: 'medium' | 'high' = 'medium') =>
    request({
      risk,
      steps: [capStep('raise', flowId, 40)],
      policy: {
        approval: 'required',
        escalation: { levels: levels(['leads', ['lead@example.com', 'lead2@example.com'], '1h']) },
      },
    });

  test('given approval is required, when an authorized lead approves, then the change applies', async () => {
    await env.startWorker();
    const changeId = uniqueId('approve');
    await env.changes.start(approvalChange(), { changeId });
    const question = await waitForQuestion(env.changes, changeId, { kind: 'approval' });
    expect((await flows.get(flowId))!.version).toBe(1);
    const description = await env.client.workflow.getHandle(changeWorkflowId(changeId)).describe();
    expect(description.typedSearchAttributes.get(ChangeStatusKey)).toBe('awaiting-approval');

    const outcome = await env.changes.decide(changeId, {
      decision: 'approve',
      actor: 'lead@example.com',
      questionId: question.id,
    });

    expect(outcome).toEqual({ status: 'accepted', questionId: question.id });
    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('completed');
    expect(report.decisions).toEqual([
      expect.objectContaining({ decision: 'approve', actor: 'lead@example.com', kind: 'approval' }),
    ]);
    expect((await flows.get(flowId))!.version).toBe(2);
  });

  test('given approval is required, when it is rejected, then the change ends rejected with nothing applied', async () => {
    await env.startWorker();
    const changeId = uniqueId('reject');
    await env.changes.start(approvalChange(), { changeId });
    await waitForQuestion(env.changes, changeId, { kind: 'approval' });

    await env.changes.decide(changeId, {
      decision: 'reject',
      actor: 'lead@example.com',
      comment: 'not during the campaign',
    });

    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('rejected');
    expect(report.cause?.message).toContain('not during the campaign');
    expect(report.steps[0]!.state).toBe('pending');
    expect((await flows.get(flowId))!.version).toBe(1);
  });

  test('given the requester is also a lead, when they approve their own change, then it is refused and recorded', async () => {
    await env.startWorker();
    const changeId = uniqueId('self');
    await env.changes.start({ ...approvalChange(), requestedBy: 'lead@example.com' }, { changeId });
    await waitForQuestion(env.changes, changeId, { kind: 'approval' });

    await expect(env.changes.decide(changeId, { decision: 'approve', actor: 'lead@example.com' })).rejects.toThrow(
      RequestRefusedError,
    );
    await env.changes.signalDecision(changeId, { decision: 'approve', actor: 'lead@example.com' });

    const status = await eventually(async () => {
      const s = await env.changes.status(changeId);
      return s.timeline.some((e) => e.event === 'decision refused') ? s : undefined;
    });
    expect(status.timeline.find((e) => e.event === 'decision refused')!.detail).toContain('cannot approve');
    expect(status.phase).toBe('awaiting-approval');
    expect(status.decisions).toEqual([]);
  });

  test('given risk high, when one approver approves twice and then a second approves, then it needs both distinct approvals', async () => {
    await env.startWorker();
    const changeId = uniqueId('high');
    await env.changes.start(approvalChange('high'), { changeId });
    await waitForQuestion(env.changes, changeId, { kind: 'approval' });

    const first = await env.changes.decide(changeId, { decision: 'approve', actor: 'lead@example.com' });
    await expect(env.changes.decide(changeId, { decision: 'approve', actor: 'lead@example.com' })).rejects.toThrow(
      /already approved/,
    );
    expect(first.status).toBe('partial');
    expect((await env.changes.status(changeId)).phase).toBe('awaiting-approval');
    const second = await env.changes.decide(changeId, { decision: 'approve', actor: 'lead2@example.com' });

    expect(second.status).toBe('accepted');
    expect((await env.changes.result(changeId)).phase).toBe('completed');
  });

  test('given an unauthorized actor, when they approve, then the update is refused and the signal is recorded as refused', async () => {
    await env.startWorker();
    const changeId = uniqueId('unauth');
    await env.changes.start(approvalChange(), { changeId });
    await waitForQuestion(env.changes, changeId, { kind: 'approval' });

    await expect(env.changes.decide(changeId, { decision: 'approve', actor: 'intern@example.com' })).rejects.toThrow(
      /may not decide/,
    );
    await env.changes.signalDecision(changeId, { decision: 'approve', actor: 'intern@example.com' });

    const status = await eventually(async () => {
      const s = await env.changes.status(changeId);
      return s.timeline.some((e) => e.event === 'decision refused' && e.actor === 'intern@example.com') ? s : undefined;
    });
    expect(status.phase).toBe('awaiting-approval');
  });

  test('given an approval signalled before the workflow asks, when the workflow reaches the gate, then the early decision is kept and used', async () => {
    const changeId = uniqueId('early');
    await env.changes.start(approvalChange(), { changeId });
    await env.changes.signalDecision(changeId, {
      decision: 'approve',
      actor: 'lead@example.com',
      comment: 'pre-approved in standup',
    });

    await env.startWorker();
    const report = await env.changes.result(changeId);

    expect(report.phase).toBe('completed');
    expect(report.timeline.map((e) => e.event)).toEqual(
      expect.arrayContaining(['decision kept until asked', 'decision accepted']),
    );
  });
});
