import type { Connection } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { ReadinessCheck } from './deps';

/** gRPC health of the Temporal frontend (SERVING = 1), and a MongoDB ping. */
export function readinessChecks(connection: Connection, db: Db): ReadinessCheck[] {
  return [
    {
      name: 'temporal',
      async check() {
        const { status } = await connection.healthService.check({});
        if (status !== 1) throw new Error(`Temporal health status ${status ?? 'unknown'}`);
      },
    },
    {
      name: 'mongodb',
      async check() {
        await db.command({ ping: 1 });
      },
    },
  ];
}
