/** Runs work with a deadline: Slack wants an answer within 3 s, the change may be slower to confirm. */
export async function withDeadline<T>(work: Promise<T>, ms: number): Promise<{ value: T } | { timedOut: true }> {
  let timer: NodeJS.Timeout | undefined;
  // The work goes on after a timeout; its late failure must not become an unhandled rejection.
  work.catch(() => undefined);
  try {
    return await Promise.race([
      work.then((value) => ({ value })),
      new Promise<{ timedOut: true }>((resolve) => (timer = setTimeout(() => resolve({ timedOut: true }), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
