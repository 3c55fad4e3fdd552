import { openTestEnv, type TestEnv } from './harness';
import { runLeadBatch } from './leads';

/**
 * A lead batch through the real activities and the real database: a change over half of `leads`
 * leads is applied and restored, then every lead is checked. The integration tier runs it small
 * (across chunk boundaries); the scale tier (`npm run test:scale`) at 100 000 leads and more.
 */
export function describeLeadBatch(leads: number): void {
  describe('a lead batch through the real activities and a real database', () => {
    let env: TestEnv;

    beforeEach(async () => {
      env = await openTestEnv();
    });

    afterEach(async () => {
      await env.close();
    });

    test(`given ${leads} leads, when a change over half of them is applied and restored, then every lead is back; time and memory are printed`, async () => {
      const lines: string[] = [];
      const result = await runLeadBatch(env.db, leads, (line) => lines.push(line));
      console.log(`lead batch of ${leads} (${result.selected} selected):\n  ${lines.join('\n  ')}`);

      expect(result.applied).toMatchObject({
        status: 'applied',
        summary: expect.stringMatching(new RegExp(`^${result.selected} of ${result.selected} selected`)),
      });
      expect(result.restored).toMatchObject({ status: 'restored', restoredCount: result.selected });
      const collection = env.db.collection('leads');
      expect(await collection.countDocuments({ owner: 'pool' })).toBe(leads);
      expect(await collection.countDocuments({ status: 'assigned' })).toBe(0);
      expect(await collection.countDocuments({ score: { $exists: true } })).toBe(leads);
      expect(await env.db.collection('lead_journal').countDocuments()).toBe(2 * result.selected);
    });
  });
}
