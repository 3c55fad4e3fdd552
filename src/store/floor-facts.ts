import type { Db } from 'mongodb';
import type { ChangeRequest } from '../domain/change-request';
import type { FloorFacts } from '../domain/floor-rules';
import type { PolicyFloor } from '../domain/policy-floor';
import { Leads } from './leads';

/**
 * What the floor's size rules need: each lead-data step's selection, counted up to the floor's
 * `maxLeads` + 1 (a cap, so a selection of millions costs no more than one over the maximum).
 * Without a database nothing is counted, and the floor treats every selection as over.
 */
export async function floorFacts(request: ChangeRequest, floor: PolicyFloor, db: Db | undefined): Promise<FloorFacts> {
  const maxLeads = floor.approval.leadData?.maxLeads;
  const leadCounts: Record<string, number> = {};
  if (maxLeads === undefined || !db) return { leadCounts };
  for (const step of request.steps) {
    if (step.target !== 'lead-data') continue;
    leadCounts[step.id] = await new Leads(db, step.spec.collection, []).countSelection(step.spec.filter, maxLeads + 1);
  }
  return { leadCounts };
}
