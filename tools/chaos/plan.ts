import { Random } from './random';

/**
 * What a campaign runs: N changes, each with its own targets (no two changes touch the same flow,
 * CRM record, CRM property or webhook route, so each target's final state is decided by one change
 * and the checker can judge it without knowing the order things ran in).
 */

/** How a change is meant to end, and what the campaign does to it on the way. */
export type Scenario =
  /** Every step applies: ends completed. */
  | 'complete'
  /** The last step fails for good (policy rollback): ends rolled back. */
  | 'fail'
  /** The last step fails, policy `ask`; while the change waits for a decision the campaign asks for a manual rollback. */
  | 'ask-then-rollback'
  /**
   * Every step would apply; the campaign asks for a manual rollback as soon as one step is applied.
   * Ends rolled back when the request was accepted, completed when the change finished first.
   */
  | 'rollback-while-applying'
  /** Every step applies, then the observation window's metric trigger fires (a Prometheus error rate above its threshold): ends rolled back. */
  | 'trigger-after-apply';

export type StepKind = 'flow' | 'crm-record' | 'crm-property' | 'webhook' | 'lead-data' | 'mongo-document';

/** How a failing step fails: a JSON-Patch `test` that does not hold, or a partner's 400. */
export type FailureKind = 'flow-test-op' | 'crm-rejected' | 'webhook-rejected';

export interface PlannedStep {
  id: string;
  kind: StepKind;
  /** This step fails permanently, deterministically (never because of an injected fault). */
  fails?: FailureKind;
}

export interface PlannedChange {
  index: number;
  changeId: string;
  scenario: Scenario;
  steps: PlannedStep[];
}

/** Every eighth change follows this pattern, so even a short campaign has every scenario. */
const scenarioPattern: Scenario[] = [
  'complete',
  'fail',
  'complete',
  'ask-then-rollback',
  'trigger-after-apply',
  'fail',
  'rollback-while-applying',
  'complete',
];
const failureKinds: FailureKind[] = ['flow-test-op', 'crm-rejected', 'webhook-rejected'];
const failureStepKind: Record<FailureKind, StepKind> = {
  'flow-test-op': 'flow',
  'crm-rejected': 'crm-record',
  'webhook-rejected': 'webhook',
};

/** Without manual rollbacks, the two scenarios that send the change a message become message-free ones. */
const withoutMessages: Partial<Record<Scenario, Scenario>> = {
  'ask-then-rollback': 'fail',
  'rollback-while-applying': 'trigger-after-apply',
};

/**
 * The campaign's changes. `manualRollbacks: false` plans no scenario that sends a change a signal
 * or update (docs/developing.md, "What the campaigns found": a message arriving right after a
 * worker crash can hit a replay nondeterminism in the SDK), so the rest can be checked on its own.
 */
export function planChanges(
  count: number,
  runId: string,
  random: Random,
  options: { manualRollbacks?: boolean } = {},
): PlannedChange[] {
  const changes: PlannedChange[] = [];
  let failures = 0;
  for (let index = 0; index < count; index++) {
    const planned = scenarioPattern[index % scenarioPattern.length]!;
    const scenario = options.manualRollbacks === false ? (withoutMessages[planned] ?? planned) : planned;
    const good = scenario === 'rollback-while-applying' ? random.int(3, 4) : random.int(1, 3);
    const steps: PlannedStep[] = [];
    for (let s = 0; s < good; s++) {
      const kind = random.weighted<StepKind>({
        flow: 3,
        'crm-record': 1.5,
        'crm-property': 1,
        webhook: 2,
        'lead-data': 1.5,
        'mongo-document': 1.5,
      });
      steps.push({ id: `s${s + 1}-${kind}`, kind });
    }
    if (scenario === 'fail' || scenario === 'ask-then-rollback') {
      const fails = failureKinds[failures++ % failureKinds.length]!;
      steps.push({ id: `s${good + 1}-fails`, kind: failureStepKind[fails], fails });
    }
    changes.push({ index, changeId: `chaos-${runId}-${String(index).padStart(3, '0')}`, scenario, steps });
  }
  return changes;
}

/** The outcome the plan alone implies; `either` when it depends on a race the campaign starts on purpose. */
export function plannedOutcome(change: PlannedChange): 'completed' | 'rolled-back' | 'either' {
  switch (change.scenario) {
    case 'complete':
      return 'completed';
    case 'fail':
    case 'ask-then-rollback':
    case 'trigger-after-apply':
      return 'rolled-back';
    case 'rollback-while-applying':
      return 'either';
  }
}
