import { patched, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { targetActivityOptions } from './activity-options';
import type { Step, TargetKind } from '../domain/status';

type ActivityProxy = ReturnType<typeof proxyActivities<Activities>>;

const proxies = Object.fromEntries(
  Object.entries(targetActivityOptions).map(([kind, options]) => [kind, proxyActivities<Activities>(options)]),
) as Record<TargetKind, ActivityProxy>;

/** The step verbs with the step's target-kind retry preset. */
export function stepActivities(step: Step): ActivityProxy {
  return proxies[step.target];
}

/** The preset plus a summary naming the step, so the Temporal UI reads without code. */
export function stepOptions(step: Step, verb: string): ActivityOptions {
  return { ...targetActivityOptions[step.target], summary: `${verb} ${step.id} (${step.target})` };
}

/**
 * Whether apply + verify and restore + verify run as one activity each: one round trip through
 * Temporal instead of two per step. Not for `lead-data`: its verbs are long, chunked and resume
 * from heartbeat details, which two verbs in one attempt would mix up. Behind a patch: runs
 * recorded before it replay with two activities.
 */
export function verifiesInTheSameActivity(step: Step): boolean {
  return step.target !== 'lead-data' && patched('verify-in-the-same-activity');
}
