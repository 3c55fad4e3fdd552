import { locksCollection } from '../../src/store/locks';
import type { FlowStore } from '../../src/store/flows';
import { capStep, failingStep, levels, request, waitForPhase, waitForQuestion } from '../helpers/changes';
import { seedFlows } from '../helpers/flows';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

describe('target locks: two changes touching the same target never interleave', () => {
  let env: TestEnv;
  let flows: FlowStore;
  let ids: string[];

  beforeEach(async () => {
    env = await openTestEnv();
    ids = [uniqueId('shared'), uniqueId('other')];
    flows = await seedFlows(env.db, ids);
  });
  afterEach(() => env.close());

  const escalation = { levels: levels(['on-call', ['oncall@example.com'], '1h']) };
  /** Holds the shared flow's lock while it waits for a decision about its failed second step. */
  const holder = () =>
    request({
      steps: [capStep('cap', ids[0]!, 40), failingStep('fails', ids[1]!)],
      policy: { onStepFailure: 'ask', escalation },
    });

  test('given a change holding a flow, when a second change on that flow starts, then it waits visibly and applies only after the first has finished', async () => {
    await env.startWorker();
    const first = uniqueId('first');
    await env.changes.start(holder(), { changeId: first });
    await waitForQuestion(env.changes, first);

    const second = uniqueId('second');
    await env.changes.start(request({ steps: [capStep('cap', ids[0]!, 55)] }), { changeId: second });
    const waiting = await waitForPhase(env.changes, second, 'waiting-for-lock');
    expect(waiting.timeline.find((e) => e.event === 'waiting for lock')!.detail).toBe(
      `flow-config:${ids[0]} is held by change ${first}`,
    );
    expect((await flows.get(ids[0]!))!.config.pricing).toMatchObject({ cap: 40 });

    await env.changes.decide(first, { decision: 'rollback', actor: 'oncall@example.com' });
    const firstReport = await env.changes.result(first);
    const secondReport = await env.changes.result(second);

    expect(firstReport.phase).toBe('rolled-back');
    expect(secondReport.phase).toBe('completed');
    // Serialised: the second applied after the first had restored the flow and let go of it.
    const released = firstReport.timeline.find((e) => e.event === 'target locks released')!.at;
    expect(Date.parse(secondReport.steps[0]!.timings!.applyStartedAt!)).toBeGreaterThanOrEqual(Date.parse(released));
    expect((await flows.history(ids[0]!)).map((v) => [v.writtenBy.changeId ?? null, v.writtenBy.action])).toEqual([
      [null, 'create'],
      [first, 'apply'],
      [first, 'restore'],
      [second, 'apply'],
    ]);
    expect(await locksCollection(env.db).countDocuments()).toBe(0);
  });

  test('given policy onBusy refuse, when the flow is held, then the second change is rejected at once with nothing applied', async () => {
    await env.startWorker();
    const first = uniqueId('first');
    await env.changes.start(holder(), { changeId: first });
    await waitForQuestion(env.changes, first);

    const second = uniqueId('refused');
    await env.changes.start(
      request({ steps: [capStep('cap', ids[0]!, 55)], policy: { locks: { onBusy: 'refuse' } } }),
      { changeId: second },
    );
    const report = await env.changes.result(second);

    expect(report.phase).toBe('rejected');
    expect(report.cause).toMatchObject({ type: 'TargetLocked' });
    expect(report.steps[0]!.state).toBe('pending');
    await env.changes.decide(first, { decision: 'rollback', actor: 'oncall@example.com' });
    await env.changes.result(first);
  });

  test('given the holder’s worker stops, when time passes, then the lock is not released by any timeout; the restarted holder releases it', async () => {
    const worker = await env.startWorker();
    const first = uniqueId('first');
    await env.changes.start(holder(), { changeId: first });
    await waitForQuestion(env.changes, first);
    await worker.stop();

    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await locksCollection(env.db).findOne({ _id: `flow-config:${ids[0]}` })).toMatchObject({ holder: first });

    await env.startWorker();
    await env.changes.decide(first, { decision: 'rollback', actor: 'oncall@example.com' });
    await env.changes.result(first);
    expect(await locksCollection(env.db).countDocuments()).toBe(0);
  });
});
