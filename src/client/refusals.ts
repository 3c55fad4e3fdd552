import { NotAllowedError, RequestRefusedError } from './errors';

/**
 * The workflow's update validators refuse with a sentence. Whether it is about *who* asks (403) or
 * about the change's *state* (409) matters to callers; these patterns follow the texts of the
 * decision desk and the rollback check in src/workflows. Interfaces check authorization
 * themselves first (see decision-check.ts); this classification covers races and rollbacks.
 */
const notAllowedPatterns = [/ may not /, /cannot approve/, /requested this change and cannot /];

export function refusal(changeId: string, reason: string): RequestRefusedError {
  return notAllowedPatterns.some((p) => p.test(reason)) ? new NotAllowedError(changeId, reason) : new RequestRefusedError(changeId, reason);
}
