import type { Db } from 'mongodb';
import { floorFacts } from '../store/floor-facts';
import type { ChangeRequest } from '../domain/change-request';
import { tightenToFloor } from '../domain/floor-rules';
import type { LoadedFloor } from '../domain/policy-floor';
import type { RequestGuard } from './request-guard';

/**
 * The operator's policy floor as a request guard: `tighten` forces approval where the floor requires
 * it and puts the floor's decider groups into the escalation; `check` refuses what cannot be
 * tightened (approval needed but nobody other than the requester could give it). Lead selections
 * are counted through `db`; without one, every lead-data step counts as over the floor's size.
 */
export function policyFloorGuard(loaded: LoadedFloor, deps: { db?: Db } = {}): RequestGuard {
  // The client checks, then tightens, the same request: its lead selections are counted once.
  const evaluated = new WeakMap<ChangeRequest, ReturnType<typeof tightenToFloor>>();
  const evaluate = async (request: ChangeRequest) => {
    const known = evaluated.get(request);
    if (known) return known;
    const result = tightenToFloor(request, loaded.floor, await floorFacts(request, loaded.floor, deps.db));
    evaluated.set(request, result);
    return result;
  };
  return {
    check: async (request) => (await evaluate(request)).issues,
    tighten: async (request) => (await evaluate(request)).request,
  };
}
