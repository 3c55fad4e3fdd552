import {
  ChangeClosedError,
  ChangeIdConflictError,
  ChangeNotFoundError,
  ReportNotAvailableError,
  RequestRefusedError,
} from '../../src/client/errors';
import { ValidationError } from '../../src/domain/validation';

/** Answers, not outages: bad input and the client's typed refusals are never retried. */
const answers = [
  ValidationError,
  ChangeClosedError,
  ChangeIdConflictError,
  ChangeNotFoundError,
  ReportNotAvailableError,
  RequestRefusedError,
];

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Retries a call to Temporal until it answers: while the dev server restarts, or while no worker
 * runs (queries and updates need one), calls fail or time out, and a client must simply try again.
 * Bad input and refusals are answers, never retried. Gives up at `deadline` (epoch ms) with the last error.
 */
export async function untilAnswered<T>(what: string, call: () => Promise<T>, deadline: number): Promise<T> {
  let delay = 250;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (answers.some((type) => err instanceof type)) throw err;
      if (Date.now() + delay > deadline)
        throw new Error(`${what}: no answer before the campaign's deadline: ${(err as Error).message}`);
      await sleep(delay);
      delay = Math.min(delay * 2, 2000);
    }
  }
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function inParallel<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++]!);
  });
  await Promise.all(lanes);
}
