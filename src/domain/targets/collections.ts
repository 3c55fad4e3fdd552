import type { Step } from '../change-request';
import type { TargetKind } from './index';
import type { FieldIssue } from '../validation';
import { productCollectionNames } from '../product-collections';

/**
 * Which collections a step may name. Never the product's own (every store's collection, from
 * src/store/collections.ts: a step writing `target_locks` or `http_sends` could orphan locks or
 * mark a compensating call as delivered), never MongoDB's `system.*`; and, when the operator
 * configures an allow-list for the step's kind (TARGET_COLLECTIONS), only the collections on it.
 */

/** The kinds whose steps name a collection; `flow-config` writes the product's own `flows` by design. */
export const collectionKinds = ['lead-data', 'mongo-document'] as const satisfies readonly TargetKind[];
export type CollectionKind = (typeof collectionKinds)[number];

/** The operator's allow-list per kind; a kind left out may name any collection that is not reserved. */
export type TargetCollections = Partial<Record<CollectionKind, readonly string[]>>;

const reserved = new Set(productCollectionNames.map((name) => name.toLowerCase()));

/**
 * Why a collection name is refused as a step's target, whoever configured what. Names are compared
 * case-insensitively: some MongoDB-protocol servers fold case, and `Target_Locks` is nobody's data.
 */
export function reservedCollectionProblem(name: string): string | undefined {
  if (/^system\./i.test(name)) return 'must not be a "system." collection';
  if (reserved.has(name.toLowerCase())) return `is reserved: lead-rollback keeps its own bookkeeping in "${name}"`;
  if (name.split('.').some((part) => part === ''))
    return 'must not have an empty part (leading, trailing or double ".")';
  return undefined;
}

/** Why the operator's allow-list refuses a collection for this kind, if it does. */
export function allowListProblem(
  kind: CollectionKind,
  name: string,
  allowed: TargetCollections | undefined,
): string | undefined {
  const list = allowed?.[kind];
  if (!list || list.includes(name)) return undefined;
  return `is not among the collections ${kind} steps may target here (TARGET_COLLECTIONS: ${list.join(', ') || 'none'})`;
}

/** The collection a step names, for the kinds that name one. */
export function stepCollection(step: Step): { kind: CollectionKind; collection: string } | undefined {
  if (step.target === 'lead-data' || step.target === 'mongo-document')
    return { kind: step.target, collection: step.spec.collection };
  return undefined;
}

/** Every step of a request whose collection is reserved or outside the allow-list, as field issues. */
export function collectionIssues(steps: readonly Step[], allowed: TargetCollections | undefined): FieldIssue[] {
  return steps.flatMap((step, index) => {
    const named = stepCollection(step);
    if (!named) return [];
    const message =
      reservedCollectionProblem(named.collection) ?? allowListProblem(named.kind, named.collection, allowed);
    return message ? [{ path: `steps.${index}.spec.collection`, message }] : [];
  });
}
