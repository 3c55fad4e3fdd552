import { temporal } from '@temporalio/proto';
import { ChangeClient } from '../../src/client/change-client';
import { RequestRefusedError } from '../../src/client/errors';
import type { RestoreOutcome } from '../../src/domain/outcomes';
import { worstPathActivities, type WorstPath } from './fake-activities';
import { openTimeSkipping, type TimeSkipping } from './time-skipping';
import { REQUESTER } from './worst-requests';

/**
 * What a requester can send to a running change through the API, the CLI and chat ops are
 * updates; the ones the workflow refuses are refused by its validators, which write nothing to
 * the history. A repeated rollback request used to be accepted (as `already-requested`) and
 * written down each time, so a script could grow one history without bound.
 */
describe('repeated requests to a running change are refused before they reach its history', () => {
  let ts: TimeSkipping;
  beforeAll(async () => {
    ts = await openTimeSkipping();
  });
  afterAll(() => ts?.close());

  test('given a change rolling back, when its requester asks for a rollback again and again and sends decisions nobody asked for, then each is answered and none is taken into the history', async () => {
    const path: WorstPath = { lockMaxWaitMs: 0, recovering: false, calls: {}, holding: new Map() };
    let restoring: (() => void) | undefined;
    const activities = {
      ...worstPathActivities(path),
      acquireTargetLocks: async () => ({ acquired: true as const }),
      applyAndVerifyStep: async () => ({ status: 'applied' as const, summary: 'cap raised' }),
      verifyRestoreStep: async () => undefined,
      // The restore waits for the test, so the change stays rolling back while it is asked again.
      restoreAndVerifyStep: () =>
        new Promise<RestoreOutcome>(
          (resolve) =>
            (restoring = () =>
              resolve({ status: 'restored', summary: 'cap restored', recoveryPointId: 'rp-raise-cap' })),
        ),
    };
    const { worker, taskQueue } = await ts.worker(activities, { sticky: false });
    const changes = new ChangeClient(ts.env.client, taskQueue, { admissionWaitMs: 0 });
    const changeId = 'repeated-rollback';
    const request = {
      title: 'Raise the cap and watch errors',
      requestedBy: REQUESTER,
      steps: [
        {
          id: 'raise-cap',
          target: 'flow-config',
          spec: { flowId: 'solar', patch: [{ op: 'replace', path: '/pricing/cap', value: 35 }] },
        },
      ],
      policy: {
        observe: {
          bakeTime: '1h',
          interval: '1m',
          triggers: [
            {
              name: 'errors',
              metric: { source: 'lead-events', name: 'error-rate' },
              comparison: { kind: 'above', threshold: 0.2 },
            },
          ],
        },
      },
    };
    const why = { actor: REQUESTER, reason: 'errors after the change', category: 'errors' as const };
    // Updates the workflow took; the test server (unlike a real one) also keeps the workflow task of
    // a refused update, so the real server's unchanged length is asserted in hostile-budget.test.ts.
    const updatesTaken = async () =>
      ((await ts.historyClient.workflow.getHandle(`change-${changeId}`).fetchHistory()).events ?? []).filter(
        (e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
      ).length;

    await worker.runUntil(async () => {
      await changes.start(request, { changeId });
      // Time stands still until the result is awaited: the change waits in its observation window.
      while ((await changes.status(changeId).catch(() => undefined))?.phase !== 'observing')
        await new Promise((resolve) => setTimeout(resolve, 20));
      await expect(changes.requestRollback(changeId, why)).resolves.toEqual({ status: 'accepted' });
      while (!restoring) await new Promise((resolve) => setTimeout(resolve, 5));
      const before = await updatesTaken();
      let after: number;
      try {
        const repeats = await Promise.all(Array.from({ length: 20 }, () => changes.requestRollback(changeId, why)));
        expect(repeats).toEqual(Array.from({ length: 20 }, () => ({ status: 'already-requested' })));
        for (let i = 0; i < 20; i++)
          await expect(changes.decide(changeId, { decision: 'retry', actor: REQUESTER })).rejects.toBeInstanceOf(
            RequestRefusedError,
          );
        after = await updatesTaken();
      } finally {
        // Released whatever happened, or the worker would wait for the restore at shutdown.
        restoring();
      }
      expect(after).toBe(before);
      const report = await changes.result(changeId);
      expect(report.phase).toBe('rolled-back');
      expect(report.timeline.filter((e) => e.event === 'rollback requested')).toHaveLength(1);
    });
  });
});
