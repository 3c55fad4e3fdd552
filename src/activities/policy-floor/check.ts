import type { Db } from 'mongodb';
import type { ChangeRequest } from '../../domain/change-request';
import { ErrorType } from '../../domain/errors';
import { floorRecord, floorViolations } from '../../domain/floor-rules';
import type { FloorVerdict, LoadedFloor } from '../../domain/policy-floor';
import { permanent } from '../../domain/failures';
import { RecoveryPointStore } from '../../store/recovery-points';
import type { StepInput } from '../../domain/outcomes';
import { floorFacts } from '../../store/floor-facts';

/**
 * The worker's own check of the floor, for requests that reached Temporal without the API or the
 * CLI (or from one configured with a weaker floor): the worker's configuration is the one that counts.
 */
export async function checkPolicyFloor(db: Db, loaded: LoadedFloor, request: ChangeRequest): Promise<FloorVerdict> {
  const facts = await floorFacts(request, loaded.floor, db);
  return { floor: floorRecord(loaded, request, facts), violations: floorViolations(request, loaded.floor, facts) };
}

/**
 * Before a lead-data step of a change that was not approved writes anything: its selection, as
 * its recovery point counted it, must not exceed the floor's `maxLeads` (leads may have arrived
 * since the request was validated). `approved` is absent for runs started before the floor existed.
 */
export async function refuseUnapprovedLeadBatch(db: Db, loaded: LoadedFloor, input: StepInput): Promise<void> {
  const maxLeads = loaded.floor.approval.leadData?.maxLeads;
  if (maxLeads === undefined || input.step.target !== 'lead-data' || input.approved !== false) return;
  const point = await new RecoveryPointStore(db).get(
    { changeId: input.changeId, stepId: input.step.id },
    'before-apply',
  );
  // Without a recovery point the adapter refuses to apply anyway.
  const selected = (point?.state as { selected?: number } | undefined)?.selected;
  if (!point || selected === undefined || selected <= maxLeads) return;
  throw permanent(
    ErrorType.PolicyFloor,
    `step ${input.step.id} selects ${selected} lead(s), more than the ${maxLeads} the operator's policy floor "${loaded.floor.name}" allows without approval (approval.leadData.maxLeads); the change was not approved, so no lead was written`,
  );
}
