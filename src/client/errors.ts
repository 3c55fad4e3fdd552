/** Typed errors of the client, so callers (HTTP API, CLI, chat ops) can map them without parsing text. */
export class ChangeNotFoundError extends Error {
  override readonly name = 'ChangeNotFoundError';
  constructor(readonly changeId: string) {
    super(`no change ${changeId}`);
  }
}

/** The workflow refused the request (not allowed, wrong state, stale question): nothing changed. */
export class RequestRefusedError extends Error {
  override readonly name = 'RequestRefusedError';
  constructor(
    readonly changeId: string,
    readonly reason: string,
  ) {
    super(`change ${changeId} refused the request: ${reason}`);
  }
}

/** The change has finished; it no longer takes decisions or rollback requests. */
export class ChangeClosedError extends Error {
  override readonly name = 'ChangeClosedError';
  constructor(readonly changeId: string) {
    super(`change ${changeId} has finished`);
  }
}
