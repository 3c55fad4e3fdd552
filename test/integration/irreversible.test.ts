import type { FlowStore } from '../../src/store/flows';
import type { ChangeRequestInput } from '../../src/domain/change-request';
import { capStep, failingStep, levels, request, waitForQuestion } from '../helpers/changes';
import { sampleFlowConfig, seedFlows } from '../helpers/flows';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { PEER_PARTNER, startPeers, type Peers } from '../helpers/peers';

describe('irreversible steps: approved on their own before they apply, never "compensated"', () => {
  let env: TestEnv;
  let peers: Peers;
  let flows: FlowStore;
  let ids: string[];

  beforeEach(async () => {
    peers = await startPeers();
    env = await openTestEnv({ guard: peers.guard });
    ids = [uniqueId('a'), uniqueId('b')];
    flows = await seedFlows(env.db, ids);
    await env.startWorker(undefined, peers.deps);
  });
  afterEach(async () => {
    await env.close();
    await peers.stop();
  });

  const change = (): ChangeRequestInput =>
    request({
      steps: [
        capStep('raise', ids[0]!, 30),
        {
          id: 'announce',
          target: 'webhook',
          spec: {
            partner: PEER_PARTNER,
            irreversible: true,
            forward: { method: 'POST', url: `${peers.webhook.url}/hooks/announce`, body: { change: '{{changeId}}' } },
          },
        },
        failingStep('last', ids[1]!),
      ],
      policy: { escalation: { levels: levels(['partners', ['partner-lead@example.com'], '1h']) } },
    });

  test('given an irreversible webhook, when its approval is given, then it is sent once and left in place by the rollback', async () => {
    const changeId = uniqueId('irrev-ok');
    await env.changes.start(change(), { changeId });
    const question = await waitForQuestion(env.changes, changeId, { kind: 'approval' });
    expect(question).toMatchObject({ stepId: 'announce' });
    expect(peers.webhook.requests()).toHaveLength(0);

    await env.changes.decide(changeId, { decision: 'approve', actor: 'partner-lead@example.com' });

    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('rolled-back');
    expect(report.steps.map((s) => [s.id, s.state])).toEqual([
      ['raise', 'restored'],
      ['announce', 'applied'],
      ['last', 'failed'],
    ]);
    expect(report.timeline.map((e) => e.event)).toContain('not compensated: irreversible step');
    expect(peers.webhook.requests().map((r) => r.path)).toEqual(['/hooks/announce']);
  });

  test('given an irreversible webhook, when its approval is refused, then it is never sent and earlier steps are rolled back', async () => {
    const changeId = uniqueId('irrev-no');
    await env.changes.start(change(), { changeId });
    await waitForQuestion(env.changes, changeId, { kind: 'approval' });

    await env.changes.decide(changeId, {
      decision: 'reject',
      actor: 'partner-lead@example.com',
      comment: 'partner is mid-migration',
    });

    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('rolled-back');
    expect(report.cause).toMatchObject({ stepId: 'announce', type: 'IrreversibleStepNotApproved' });
    expect(peers.webhook.requests()).toHaveLength(0);
    expect((await flows.get(ids[0]!))!.config).toEqual(sampleFlowConfig(ids[0]!));
  });
});
