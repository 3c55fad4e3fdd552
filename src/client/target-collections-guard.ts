import { collectionIssues, type TargetCollections } from '../domain/targets/collections';
import type { RequestGuard } from './request-guard';

/**
 * Refuses steps whose collection is outside the operator's allow-list (TARGET_COLLECTIONS) before
 * anything starts; reserved collections are refused by the schemas already and again here, so the
 * guard alone holds the whole rule. The worker's adapters apply the same rule before touching a
 * collection, for requests that reach it another way.
 */
export function targetCollectionsGuard(allowed: TargetCollections | undefined): RequestGuard {
  return { check: (request) => collectionIssues(request.steps, allowed) };
}
