import type { Step } from './change-request';

/**
 * True for a step whose effect cannot be undone (today: a webhook declared `irreversible: true`,
 * which has no compensating request). The saga asks for approval before applying such a step.
 * Free of zod and I/O, so workflow code can import it.
 */
export function isIrreversible(step: Step): boolean {
  return step.target === 'webhook' && step.spec.irreversible === true;
}
