import { ErrorType } from '../domain/errors';

/** Typed errors of the client, so callers (HTTP API, CLI, chat ops) can map them without parsing text. */
export class ChangeNotFoundError extends Error {
  override readonly name = 'ChangeNotFoundError';
  constructor(readonly changeId: string) {
    super(`no change ${changeId}`);
  }
}

/** The workflow refused the request (not allowed, wrong state, stale question): nothing changed. */
export class RequestRefusedError extends Error {
  override readonly name: string = 'RequestRefusedError';
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

/**
 * The caller may not do this (not a decider at the question's level, the requester approving their
 * own change, not allowed to roll it back). A RequestRefusedError, so existing catches still match.
 */
export class NotAllowedError extends RequestRefusedError {
  override readonly name = 'NotAllowedError';
}

/** The change id is taken by a change started with a different request (an idempotency key reused). */
export class ChangeIdConflictError extends Error {
  override readonly name = 'ChangeIdConflictError';
  constructor(readonly changeId: string) {
    super(`change ${changeId} already exists with a different request; use another idempotency key or change id`);
  }
}

/** The report exists only once the change has settled (or was never stored for this change). */
export class ReportNotAvailableError extends Error {
  override readonly name = 'ReportNotAvailableError';
  constructor(
    readonly changeId: string,
    readonly reason: string,
  ) {
    super(`no report for change ${changeId} yet: ${reason}`);
  }
}

/** No flow with this id. */
export class FlowNotFoundError extends Error {
  override readonly name = 'FlowNotFoundError';
  constructor(readonly flowId: string) {
    super(`no flow ${flowId}`);
  }
}

/** A flow with this id exists already: creating it again is refused, its content left alone. */
export class FlowExistsError extends Error {
  override readonly name = 'FlowExistsError';
  constructor(readonly flowId: string) {
    super(`flow ${flowId} exists already; change it with a change (a flow-config step), not by creating it again`);
  }
}

/** No rehearsal with this id. */
export class RehearsalNotFoundError extends Error {
  override readonly name = 'RehearsalNotFoundError';
  constructor(readonly rehearsalId: string) {
    super(`no rehearsal ${rehearsalId}`);
  }
}

/** The rehearsal is still running, or it could not run to the end (e.g. its sandbox documents were held by another rehearsal). */
export class RehearsalNotAvailableError extends Error {
  override readonly name = 'RehearsalNotAvailableError';
  constructor(
    readonly rehearsalId: string,
    readonly reason: string,
  ) {
    super(`no report for rehearsal ${rehearsalId}: ${reason}`);
  }
}

/**
 * The client's error for a refusal of the change workflow, by its type (src/domain/errors.ts),
 * never by its sentence. Every other refusal (wrong state, unknown question, already approved, an
 * incomplete decision; or untyped, from a worker older than typed refusals) is a RequestRefusedError.
 */
export function refusalError(changeId: string, type: string | null | undefined, reason: string): Error {
  switch (type) {
    case ErrorType.NotAllowed:
      return new NotAllowedError(changeId, reason);
    case ErrorType.ChangeClosed:
      return new ChangeClosedError(changeId);
    default:
      return new RequestRefusedError(changeId, reason);
  }
}
