import { checksum } from '../../domain/canonical';
import type { TargetKind } from '../../domain/targets/index';
import type { StepKey } from '../../domain/outcomes';
import { SendJournal, type SendPhase } from '../../store/send-journal';
import { failureFor, trySend, type HttpRequest, type HttpResponse } from '../../http/sender';

export interface JournaledSend {
  target: TargetKind;
  phase: SendPhase;
  request: HttpRequest;
  /** Statuses meaning "done": journaled as delivered and returned. */
  expected: readonly number[];
  /** Statuses the caller resolves itself (e.g. 409 on create): returned, journal left at intent. */
  tolerated?: readonly number[];
  /** Stored with the delivered outcome. */
  outcome?: Record<string, unknown>;
}

/**
 * Sends a side-effecting request between its journal entries: intent before, outcome after.
 * Unexpected answers are journaled (`rejected` for permanent ones, `uncertain` otherwise), a send
 * that failed before anything left as `not-sent`, and each is thrown as the classified failure.
 */
export async function journaledSend(journal: SendJournal, key: StepKey, send: JournaledSend): Promise<HttpResponse> {
  const { request } = send;
  await journal.intent(key, send.phase, {
    target: send.target,
    fingerprint: checksum({ method: request.method, url: request.url, body: request.body ?? null }),
    request: { method: request.method, url: request.url },
  });
  const result = await trySend(request);
  if ('failure' in result) {
    await journal.failed(key, send.phase, result.delivery, { error: result.failure.message });
    throw result.failure;
  }
  const response: HttpResponse = result.response;
  if (send.expected.includes(response.status)) {
    await journal.delivered(key, send.phase, response.status, send.outcome);
    return response;
  }
  if (send.tolerated?.includes(response.status)) return response;
  const failure = failureFor(response, request.what);
  await journal.failed(key, send.phase, failure.nonRetryable ? 'rejected' : 'uncertain', {
    status: response.status,
    error: failure.message,
  });
  throw failure;
}
