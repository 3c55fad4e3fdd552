import type { DecisionName } from './decisions';

/**
 * Segregation of duties, shared by the workflow's decision desk and the client's copy of its rules.
 * Free of zod and I/O, so workflow code can import it.
 */

/** Decisions that accept a risk on the change's behalf: its requester may never make them. */
export const riskAcceptingDecisions = [
  'approve',
  'skip',
  'accept',
  'resolved-manually',
] as const satisfies readonly DecisionName[];

export function acceptsRisk(decision: DecisionName): boolean {
  return (riskAcceptingDecisions as readonly string[]).includes(decision);
}

/**
 * One person, however the interface spelled them: `Ana@Example.com` and `ana@example.com` are the
 * same actor (emails and Slack-mapped names are case-insensitive in practice).
 */
export function sameActor(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

const whatItAccepts: Record<(typeof riskAcceptingDecisions)[number], string> = {
  approve: 'approve it',
  skip: 'skip its failed step',
  accept: 'accept its fired trigger',
  'resolved-manually': 'mark its compensation resolved by hand',
};

/** Why the requester's own risk-accepting decision is refused (interfaces map "cannot" to 403). */
export function selfDecisionRefusal(actor: string, decision: DecisionName): string {
  return `${actor} requested this change and cannot ${whatItAccepts[decision as keyof typeof whatItAccepts] ?? decision}`;
}
