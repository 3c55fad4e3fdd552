import { runCampaign } from '../../tools/chaos/campaign';
import { renderCampaign } from '../../tools/chaos/report';
import { ENV, requiredEnv } from '../setup/services';

/**
 * The short crash campaign, as CI runs it: its own Temporal dev server (restarted once on its
 * database file), the worker as a child process SIGKILLed at random and while compensating, both
 * partners failing a third of their requests — and the independent checker at the end.
 *
 * Manual rollbacks are requested by update, as the API, CLI and chat ops do, while workers die: a
 * request reaching a change right after its worker was killed used to leave the change stuck on a
 * replay nondeterminism (docs/developing.md, "What the campaigns found"); it must not any more.
 */
describe('crash campaign (short): worker SIGKILLs, a Temporal restart and faulty partners, then an independent check', () => {
  test(
    'given 20 changes under 3 random worker kills, a kill during compensation and a server restart, when the campaign ends, then every change is terminal, manual rollbacks included, and every target, effect and recovery point checks out',
    async () => {
      const result = await runCampaign({
        changes: 20,
        kills: 3,
        compensationKills: 1,
        serverRestarts: 1,
        seed: 2026,
        concurrency: 10,
        // Bounds for hangs only: on a quiet machine the campaign takes a few minutes.
        maxMinutes: 30,
        stallMinutes: 10,
        rollbackVia: 'update',
        mongoUri: requiredEnv(ENV.mongoUri),
      });
      console.log(renderCampaign(result));
      const { figures } = result;

      expect(result.check.inconsistencies).toEqual([]);
      expect(figures).toMatchObject({ changes: 20, notTerminal: 0, serverRestarts: 1, unexpectedWorkerExits: 0 });
      expect(figures.completed + figures.rolledBack).toBe(20);
      expect(figures.completed).toBeGreaterThan(0);
      expect(figures.rolledBack).toBeGreaterThan(0);
      expect(figures.manualRollbacks.accepted).toBeGreaterThan(0);
      expect(figures.workerKills).toBeGreaterThanOrEqual(3);
      expect(figures.killsDuringCompensation).toBeGreaterThanOrEqual(1);
      expect(figures.faults.total).toBeGreaterThan(0);
      expect(result.check.notes.maxEffectsPerKey).toBe(1);
    },
    40 * 60_000,
  );

  test(
    'given 12 changes whose completed ones are rolled back later, under 2 random worker kills and a kill during compensation, when the campaign ends, then every change and every roll-back-later is terminal and every target is back at its seed',
    async () => {
      const result = await runCampaign({
        changes: 12,
        kills: 2,
        compensationKills: 1,
        serverRestarts: 0,
        seed: 2027,
        concurrency: 6,
        maxMinutes: 30,
        stallMinutes: 10,
        rollbackVia: 'update',
        rollBackLater: true,
        mongoUri: requiredEnv(ENV.mongoUri),
      });
      console.log(renderCampaign(result));
      const { figures } = result;

      expect(result.check.inconsistencies).toEqual([]);
      expect(figures).toMatchObject({ changes: 12, notTerminal: 0, completed: 0, unexpectedWorkerExits: 0 });
      expect(figures.rolledBack).toBe(12);
      expect(figures.rolledBackLater).toBeGreaterThan(0);
      expect(figures.workerKills).toBeGreaterThanOrEqual(2);
      expect(result.check.notes.maxEffectsPerKey).toBe(1);
    },
    40 * 60_000,
  );
});
