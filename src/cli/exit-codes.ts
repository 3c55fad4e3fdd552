import {
  ChangeClosedError,
  ChangeIdConflictError,
  ChangeNotFoundError,
  FlowExistsError,
  FlowNotFoundError,
  RehearsalNotAvailableError,
  RehearsalNotFoundError,
  ReportNotAvailableError,
  RequestRefusedError,
} from '../client/errors';
import { ValidationError } from '../domain/validation';

/** Exit codes scripts can rely on (documented in docs/operating.md, "The CLI", and in `--help`). */
export const ExitCode = {
  Ok: 0,
  /** Anything unexpected: Temporal or MongoDB unreachable, a bug. */
  Error: 1,
  /** Bad arguments or a bad change file: nothing was sent. */
  InvalidInput: 2,
  /** No such change (or flow). */
  NotFound: 3,
  /** The change refused: not allowed, wrong state, finished, report not ready, change id taken. */
  Refused: 4,
  /** A rehearsal ran and found a rollback that does not restore exactly, or production changed meanwhile. */
  RehearsalDiffers: 5,
} as const;

export function exitCodeFor(err: unknown): number {
  if (err instanceof ValidationError || err instanceof InputError) return ExitCode.InvalidInput;
  if (err instanceof ChangeNotFoundError || err instanceof RehearsalNotFoundError || err instanceof FlowNotFoundError)
    return ExitCode.NotFound;
  if (err instanceof RehearsalNotAvailableError) return ExitCode.Refused;
  if (
    err instanceof RequestRefusedError ||
    err instanceof ChangeClosedError ||
    err instanceof ReportNotAvailableError ||
    err instanceof ChangeIdConflictError ||
    err instanceof FlowExistsError
  )
    return ExitCode.Refused;
  return ExitCode.Error;
}

/** Bad command-line input found by the CLI itself (unreadable file, not JSON or YAML). */
export class InputError extends Error {
  override readonly name = 'InputError';
}

export const exitCodeHelp = `
Exit codes:
  0  ok
  1  unexpected error (Temporal or MongoDB unreachable, …)
  2  invalid input (arguments, change file): nothing was sent
  3  no such change (or flow)
  4  refused: not allowed, wrong state, change finished, report not ready, change id taken, flow exists
  5  rehearse: the rollback does not restore exactly, or production changed meanwhile`;
