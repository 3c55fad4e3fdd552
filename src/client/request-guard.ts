import type { ChangeRequest } from '../domain/change-request';
import type { FieldIssue } from '../domain/validation';

/**
 * What the operator's configuration makes of a request the schemas accepted: refusals, each issue
 * naming its field, and the request as it will run (its policy tightened to the operator's floor).
 * There is one guard per concern (partners, target allow-lists, the policy floor, the history
 * budget); the client runs them all before anything starts, so a refused request starts nothing.
 */
export interface RequestGuard {
  /** Why the request may not run here; empty when it may. */
  check(request: ChangeRequest): Promise<FieldIssue[]> | FieldIssue[];
  /** The request as it will run; a guard may only make it stricter (and may look things up to decide how). */
  tighten?(request: ChangeRequest): Promise<ChangeRequest> | ChangeRequest;
}

/** Every guard's issues, in order; tightening applied guard by guard. */
export function composeGuards(guards: readonly RequestGuard[]): RequestGuard {
  return {
    async check(request) {
      const issues: FieldIssue[] = [];
      for (const guard of guards) issues.push(...(await guard.check(request)));
      return issues;
    },
    async tighten(request) {
      let current = request;
      for (const guard of guards) current = (await guard.tighten?.(current)) ?? current;
      return current;
    },
  };
}

/** No operator configuration: what the schemas accept runs as it is. */
export const noGuard: RequestGuard = { check: () => [] };
