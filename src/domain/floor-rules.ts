import type { ChangeRequest } from './change-request';
import type { EscalationLevel } from './policy';
import type { FloorRecord, LoadedFloor, PolicyFloor } from './policy-floor';
import { sameActor } from './segregation';
import type { FieldIssue } from './validation';

/** What the floor needs to know beyond the request: how many leads each lead-data step selects. */
export interface FloorFacts {
  /**
   * Lead-data step id → leads its filter selects, counted up to the floor's `maxLeads` + 1 (more is
   * not needed to decide). A step missing here could not be counted and is treated as over.
   */
  leadCounts: Record<string, number>;
}

export const noFacts: FloorFacts = { leadCounts: {} };

/** One reason the floor asks for approval: the request field it is about and the floor rule. */
export interface ApprovalReason {
  path: string;
  rule: string;
  reason: string;
}

/** Most groups a level may name (the policy schema's limit). */
const MAX_LEVEL_GROUPS = 20;

/** Every reason the floor requires approval of this request; empty when it does not. */
export function approvalReasons(request: ChangeRequest, floor: PolicyFloor, facts: FloorFacts): ApprovalReason[] {
  const { approval } = floor;
  const reasons: ApprovalReason[] = [];
  if (request.risk === 'high')
    reasons.push({ path: 'risk', rule: 'built-in', reason: 'risk high (always, by two distinct approvers)' });
  else if (approval.risks.includes(request.risk))
    reasons.push({ path: 'risk', rule: 'approval.risks', reason: `risk ${request.risk}` });
  if (approval.maxSteps !== undefined && request.steps.length > approval.maxSteps) {
    reasons.push({
      path: 'steps',
      rule: 'approval.maxSteps',
      reason: `${request.steps.length} steps, more than ${approval.maxSteps}`,
    });
  }
  request.steps.forEach((step, index) => {
    const at = `steps.${index}`;
    if (approval.targets.includes(step.target))
      reasons.push({
        path: `${at}.target`,
        rule: 'approval.targets',
        reason: `step ${step.id} is a ${step.target} step`,
      });
    if (step.target === 'lead-data' && approval.leadData) {
      const { maxLeads } = approval.leadData;
      const count = facts.leadCounts[step.id];
      if (count === undefined) {
        reasons.push({
          path: `${at}.spec.filter`,
          rule: 'approval.leadData.maxLeads',
          reason: `step ${step.id}'s lead selection could not be counted here, so it counts as more than ${maxLeads}`,
        });
      } else if (count > maxLeads) {
        reasons.push({
          path: `${at}.spec.filter`,
          rule: 'approval.leadData.maxLeads',
          reason: `step ${step.id} selects more than ${maxLeads} lead(s)`,
        });
      }
    }
    if (step.target === 'mongo-document' && approval.mongoDocument?.collections.includes(step.spec.collection)) {
      reasons.push({
        path: `${at}.spec.collection`,
        rule: 'approval.mongoDocument.collections',
        reason: `step ${step.id} writes the collection ${step.spec.collection}`,
      });
    }
    if (step.target === 'crm' && approval.crm?.actions.includes(step.spec.action)) {
      reasons.push({
        path: `${at}.spec.action`,
        rule: 'approval.crm.actions',
        reason: `step ${step.id} is a CRM ${step.spec.action}`,
      });
    }
  });
  return reasons;
}

/** The rules of the floor that apply to this request, as its status and report list them. */
export function floorRules(request: ChangeRequest, floor: PolicyFloor, facts: FloorFacts): string[] {
  const rules = approvalReasons(request, floor, facts).map((r) => `approval required: ${r.reason} (${r.rule})`);
  if (floor.deciders.groups.length > 0)
    rules.push(
      `deciders: ${groupList(floor.deciders.groups)} decide from the first escalation level on (deciders.groups)`,
    );
  if (floor.breakGlass.groups.length > 0)
    rules.push(
      `break-glass: ${groupList(floor.breakGlass.groups)} may decide at every level and roll back (breakGlass.groups)`,
    );
  return rules;
}

export function floorRecord(loaded: LoadedFloor, request: ChangeRequest, facts: FloorFacts): FloorRecord {
  return {
    name: loaded.floor.name,
    source: loaded.source,
    rules: floorRules(request, loaded.floor, facts),
    breakGlassGroups: [...loaded.floor.breakGlass.groups],
  };
}

/**
 * The request as it runs under the floor — approval forced where the floor requires it, the floor's
 * decider groups in the first escalation level (or a level of their own when the request names no
 * escalation) — and what cannot be tightened automatically, each issue naming its field. A request
 * may only ever come out stricter.
 */
export function tightenToFloor(
  request: ChangeRequest,
  floor: PolicyFloor,
  facts: FloorFacts,
): { request: ChangeRequest; issues: FieldIssue[] } {
  const reasons = approvalReasons(request, floor, facts);
  const issues: FieldIssue[] = [];
  let policy: ChangeRequest['policy'] =
    reasons.length > 0 ? { ...request.policy, approval: 'required' } : request.policy;
  const groups = floor.deciders.groups;
  if (groups.length > 0) {
    if (policy.escalation) {
      const [first, ...rest] = policy.escalation.levels as [EscalationLevel, ...EscalationLevel[]];
      const merged = [...first.deciders.groups, ...groups.filter((g) => !first.deciders.groups.includes(g))];
      if (merged.length > MAX_LEVEL_GROUPS) {
        issues.push({
          path: 'policy.escalation.levels.0.deciders.groups',
          message: `the operator's policy floor adds ${groupList(groups)} to the first level, which leaves room for at most ${MAX_LEVEL_GROUPS} groups: name fewer`,
        });
      } else {
        policy = {
          ...policy,
          escalation: {
            ...policy.escalation,
            levels: [{ ...first, deciders: { ...first.deciders, groups: merged } }, ...rest],
          },
        };
      }
    } else {
      const level: EscalationLevel = {
        name: 'operator-floor',
        deciders: { actors: [request.requestedBy], groups: [...groups] },
        notify: [...floor.deciders.notify],
        deadline: floor.deciders.deadline,
      };
      policy = { ...policy, escalation: { levels: [level], whenExhausted: 'rollback' } };
    }
  }
  if (policy.approval === 'required') {
    const why =
      reasons.length > 0
        ? `the operator's policy floor requires approval (${reasons.map((r) => r.reason).join('; ')})`
        : 'the request asks for approval';
    if (!policy.escalation) {
      issues.push({
        path: 'policy.escalation',
        message: `is required: ${why} and the floor names no decider groups; name who approves`,
      });
    } else if (!someoneElseDecides(policy.escalation.levels, request.requestedBy)) {
      issues.push({
        path: 'policy.escalation.levels',
        message: `must name a decider other than the requester ${request.requestedBy}: ${why}, and nobody approves their own change`,
      });
    }
  }
  return { request: { ...request, policy }, issues };
}

/**
 * How a request is weaker than the floor (what the worker refuses to run): approval the floor
 * requires but the request does not ask for, or the floor's decider groups missing from the first
 * escalation level. A request tightened by `tightenToFloor` has none.
 */
export function floorViolations(request: ChangeRequest, floor: PolicyFloor, facts: FloorFacts): FieldIssue[] {
  const violations: FieldIssue[] = [];
  const reasons = approvalReasons(request, floor, facts);
  if (reasons.length > 0 && request.policy.approval !== 'required') {
    violations.push({
      path: 'policy.approval',
      message: `must be "required": the operator's policy floor requires approval (${reasons.map((r) => r.reason).join('; ')})`,
    });
  }
  const groups = floor.deciders.groups;
  const first = request.policy.escalation?.levels[0];
  const missing = groups.filter((g) => !first?.deciders.groups.includes(g));
  if (missing.length > 0) {
    violations.push({
      path: first ? 'policy.escalation.levels.0.deciders.groups' : 'policy.escalation',
      message: `must include the operator's decider ${groupList(missing)} in the first escalation level`,
    });
  }
  return violations;
}

function someoneElseDecides(levels: readonly EscalationLevel[], requestedBy: string): boolean {
  return levels.some((l) => l.deciders.groups.length > 0 || l.deciders.actors.some((a) => !sameActor(a, requestedBy)));
}

function groupList(groups: readonly string[]): string {
  return `${groups.length === 1 ? 'group' : 'groups'} ${groups.join(', ')}`;
}
