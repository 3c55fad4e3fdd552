import { ErrorType } from '../../../domain/errors';
import { permanent } from '../../../domain/failures';
import type { TargetAdapter } from '../../../domain/outcomes';
import {
  allowListProblem,
  reservedCollectionProblem,
  type CollectionKind,
  type TargetCollections,
} from '../../../domain/targets/collections';

/**
 * The worker's own check of a step's collection, for requests that reached it without the client's
 * validation and guards (a workflow started straight on Temporal, a stored request). A reserved
 * collection is refused for every verb: nothing of the product's own is ever read or written as a
 * target. The allow-list is applied to the verbs that start a change (snapshot, apply, verify):
 * narrowing it must not strand the undo of changes already applied, whose restores only write back
 * what the worker itself captured. Either refusal is a permanent InvalidStep, before anything is touched.
 */
export function collectionGate<Spec extends { collection: string }>(
  kind: CollectionKind,
  adapter: TargetAdapter<Spec>,
  allowed: TargetCollections | undefined,
): TargetAdapter<Spec> {
  const refuse = (spec: Spec, forward: boolean) => {
    const problem =
      reservedCollectionProblem(spec.collection) ??
      (forward ? allowListProblem(kind, spec.collection, allowed) : undefined);
    if (problem)
      throw permanent(
        ErrorType.InvalidStep,
        `${kind} step on collection "${spec.collection}" refused by this worker: the collection ${problem}`,
      );
  };
  return {
    kind: adapter.kind,
    async snapshot(key, spec) {
      refuse(spec, true);
      return adapter.snapshot(key, spec);
    },
    async apply(key, spec) {
      refuse(spec, true);
      return adapter.apply(key, spec);
    },
    async verify(key, spec) {
      refuse(spec, true);
      return adapter.verify(key, spec);
    },
    async restore(key, spec, options) {
      refuse(spec, false);
      return adapter.restore(key, spec, options);
    },
    async verifyRestore(key, spec) {
      refuse(spec, false);
      return adapter.verifyRestore(key, spec);
    },
    async preview(key, spec) {
      refuse(spec, false);
      return adapter.preview(key, spec);
    },
  };
}
