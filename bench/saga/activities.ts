import { ApplicationFailure } from '@temporalio/common';
import jsonPatch from 'fast-json-patch';
import type { Db } from 'mongodb';
import { FlowStore, type FlowConfig } from '../../src/store/flows';
import type { JsonPatchOperation } from '../../src/domain/json-patch';

/** One write of the baseline: a JSON-Patch on one flow. */
export interface PatchInput {
  flowId: string;
  patch: JsonPatchOperation[];
}

/** What the undo needs: the version the write replaced and the version it wrote. */
export interface PatchApplied {
  flowId: string;
  fromVersion: number;
  toVersion: number;
}

/**
 * The baseline's writes and undos: the same versioned flow writes as the `flow-config` target
 * (FlowStore.write: compare-and-set on the version, both versions kept in `flow_versions`), but
 * no recovery point, no idempotency check, no verification and no report. The undo writes back
 * the content of the version the apply replaced, read from `flow_versions`.
 *
 * Used as Temporal activities by baseline (a) and called directly by baseline (b).
 */
export function createSagaActivities(db: Db) {
  const flows = new FlowStore(db);
  return {
    async applyPatch(input: PatchInput): Promise<PatchApplied> {
      const flow = await flows.get(input.flowId);
      if (!flow) throw ApplicationFailure.nonRetryable(`flow ${input.flowId} does not exist`, 'TargetNotFound');
      let config: FlowConfig;
      try {
        config = jsonPatch.applyPatch(structuredClone(flow.config), input.patch, true, false).newDocument;
      } catch (err) {
        throw ApplicationFailure.nonRetryable(
          `patch cannot be applied to flow ${input.flowId}: ${(err as Error).message.split('\n')[0]}`,
          'InvalidStep',
        );
      }
      const written = await flows.write(input.flowId, flow.version, config, { action: 'apply' });
      return { flowId: input.flowId, fromVersion: flow.version, toVersion: written.version };
    },

    async revertPatch(applied: PatchApplied): Promise<void> {
      const previous = await flows.getVersion(applied.flowId, applied.fromVersion);
      if (!previous)
        throw ApplicationFailure.nonRetryable(
          `flow ${applied.flowId} has no version ${applied.fromVersion}`,
          'TargetNotFound',
        );
      await flows.write(applied.flowId, applied.toVersion, previous.config, {
        action: 'restore',
        restoresVersion: applied.fromVersion,
      });
    },
  };
}

export type SagaActivities = ReturnType<typeof createSagaActivities>;
