import jsonPatch from 'fast-json-patch';
import type { Db } from 'mongodb';
import { checksum } from '../../../domain/canonical';
import { ErrorType } from '../../../domain/errors';
import { permanent, transient } from '../../../domain/failures';
import { RecoveryPointStore, toRef, type RecoveryPointDoc } from '../../../store/recovery-points';
import type { StepKey, TargetAdapter } from '../../../domain/outcomes';
import { describeRestoreTo, planRestoreTo } from './restore-to';
import { restoredBefore } from '../common/restored-before';
import { isRestoreSpec, type FlowConfigSpec, type FlowPatchSpec } from '../../../domain/targets/flow-config';
import { FlowStore, FlowVersionConflict, type FlowConfig, type FlowDoc, type FlowWriter } from '../../../store/flows';

/** Flow configuration documents: JSON-Patch and restore-to applies, restores written as new versions. */
export function createFlowConfigAdapter(db: Db): TargetAdapter<FlowConfigSpec> {
  const flows = new FlowStore(db);
  const recoveryPoints = new RecoveryPointStore(db);

  async function load(flowId: string): Promise<FlowDoc> {
    const flow = await flows.get(flowId);
    if (!flow) throw permanent(ErrorType.TargetNotFound, `flow ${flowId} does not exist`);
    return flow;
  }

  async function beforeImage(key: StepKey): Promise<RecoveryPointDoc | null> {
    return recoveryPoints.get(key, 'before-apply');
  }

  /** A patch step patches the current configuration; a restore-to step writes an earlier one, with its lineage. */
  async function nextConfig(
    flow: FlowDoc,
    spec: FlowConfigSpec,
  ): Promise<{ config: FlowConfig; lineage?: Partial<FlowWriter>; note: string }> {
    if (!isRestoreSpec(spec)) return { config: patched(flow.config, spec), note: '' };
    const plan = await planRestoreTo(flows, spec, flow);
    return { config: plan.source.config, lineage: plan.lineage, note: ` ${describeRestoreTo(plan)}` };
  }

  /** The recovery point and the live flow, read together (one round trip of latency). */
  async function pointAndFlow(key: StepKey, flowId: string): Promise<[RecoveryPointDoc | null, FlowDoc | null]> {
    return Promise.all([beforeImage(key), flows.get(flowId)]);
  }

  // Which versions a step writes follows from its recovery point: apply compare-and-sets on the
  // recovery point's version and writes the next one; restore compare-and-sets on the applied
  // version and writes the one after. So "did this step apply / restore?" is a read by version id.
  const appliedVersion = (point: RecoveryPointDoc) => point.version! + 1;
  const restoredVersion = (point: RecoveryPointDoc) => point.version! + 2;

  return {
    kind: 'flow-config',

    async snapshot(key, spec) {
      const [existing, current] = await pointAndFlow(key, spec.flowId);
      if (existing) return toRef(existing);
      if (!current) throw permanent(ErrorType.TargetNotFound, `flow ${spec.flowId} does not exist`);
      if (spec.expectedVersion !== undefined && current.version !== spec.expectedVersion) {
        throw permanent(
          ErrorType.Conflict,
          `flow ${spec.flowId} is at version ${current.version}, the change expects ${spec.expectedVersion}`,
        );
      }
      const point = await recoveryPoints.capture(key, 'before-apply', {
        target: 'flow-config',
        locator: { flowId: spec.flowId },
        version: current.version,
        state: current.config,
        summary: `flow ${spec.flowId} at version ${current.version}`,
      });
      return toRef(point);
    },

    async apply(key, spec) {
      const [point, current] = await pointAndFlow(key, spec.flowId);
      if (!point)
        throw permanent(
          ErrorType.RecoveryPointMissing,
          `no recovery point for ${key.changeId}/${key.stepId}; refusing to apply`,
        );
      if (await flows.writtenAt(spec.flowId, current, appliedVersion(point), key.changeId, key.stepId, 'apply')) {
        return { status: 'already-applied', summary: `flow ${spec.flowId} already carries this step` };
      }
      if (!current) throw permanent(ErrorType.TargetNotFound, `flow ${spec.flowId} does not exist`);
      if (current.version !== point.version) {
        throw permanent(
          ErrorType.Conflict,
          `flow ${spec.flowId} moved from version ${point.version} to ${current.version} after its recovery point was taken`,
        );
      }
      const next = await nextConfig(current, spec);
      try {
        const written = await flows.write(
          spec.flowId,
          current.version,
          next.config,
          { action: 'apply', ...key, ...next.lineage },
          current,
        );
        return {
          status: 'applied',
          summary: `flow ${spec.flowId} version ${current.version} → ${written.version}${next.note}`,
        };
      } catch (err) {
        if (err instanceof FlowVersionConflict) throw transient(ErrorType.Conflict, err.message);
        throw err;
      }
    },

    async verify(key, spec) {
      const flow = await load(spec.flowId);
      // The live flow carries the step exactly when the step's write is the live version.
      if (
        flow.writtenBy.action !== 'apply' ||
        flow.writtenBy.changeId !== key.changeId ||
        flow.writtenBy.stepId !== key.stepId
      ) {
        throw permanent(
          ErrorType.VerificationFailed,
          `flow ${spec.flowId} does not carry step ${key.stepId} (now at version ${flow.version})`,
        );
      }
    },

    async restore(key, spec) {
      const [point, current] = await pointAndFlow(key, spec.flowId);
      const applied = point
        ? await flows.writtenAt(spec.flowId, current, appliedVersion(point), key.changeId, key.stepId, 'apply')
        : null;
      if (!point || !applied)
        return {
          status: 'not-applied',
          summary: `step never changed flow ${spec.flowId}`,
          recoveryPointId: point?._id,
        };
      const restored = await flows.writtenAt(
        spec.flowId,
        current,
        restoredVersion(point),
        key.changeId,
        key.stepId,
        'restore',
      );
      if (restored) {
        const undoing = `flow ${spec.flowId} version ${restored.version} restores version ${point.version}, undoing change ${key.changeId}`;
        return restoredBefore(recoveryPoints, key, point._id, undoing);
      }
      if (!current) throw permanent(ErrorType.TargetNotFound, `flow ${spec.flowId} does not exist`);
      if (current.version !== applied.version) {
        return {
          status: 'conflict',
          summary: `flow ${spec.flowId} was changed after this step (now version ${current.version}, step wrote ${applied.version}); left as is`,
          recoveryPointId: point._id,
          conflicts: { count: 1, sample: [versionConflict(spec.flowId, point, applied, current)] },
        };
      }
      const preRestore = await recoveryPoints.capture(key, 'before-restore', {
        target: 'flow-config',
        locator: { flowId: spec.flowId },
        version: current.version,
        state: current.config,
        summary: `flow ${spec.flowId} at version ${current.version}, before restore`,
      });
      try {
        const written = await flows.write(
          spec.flowId,
          current.version,
          point.state as FlowConfig,
          { action: 'restore', ...key, restoresVersion: point.version },
          current,
        );
        return {
          status: 'restored',
          summary: `flow ${spec.flowId} version ${written.version} restores version ${point.version}, undoing change ${key.changeId}`,
          recoveryPointId: point._id,
          preRestorePointId: preRestore._id,
        };
      } catch (err) {
        if (err instanceof FlowVersionConflict) throw transient(ErrorType.Conflict, err.message);
        throw err;
      }
    },

    async verifyRestore(key, spec) {
      const [point, current] = await pointAndFlow(key, spec.flowId);
      if (!point) return;
      if (!current) throw permanent(ErrorType.TargetNotFound, `flow ${spec.flowId} does not exist`);
      const restored = await flows.writtenAt(
        spec.flowId,
        current,
        restoredVersion(point),
        key.changeId,
        key.stepId,
        'restore',
      );
      if (restored && (current.version !== restored.version || checksum(current.config) !== point.checksum)) {
        throw permanent(ErrorType.VerificationFailed, `flow ${spec.flowId} does not match recovery point ${point._id}`);
      }
    },

    async preview(key, spec) {
      const point = await beforeImage(key);
      if (!point) return { operations: [], summary: `no recovery point: nothing to restore on flow ${spec.flowId}` };
      const flow = await load(spec.flowId);
      const operations = jsonPatch.compare(flow.config, point.state as FlowConfig);
      // The restore's own rule: a flow written since this step's version is someone else's, left as is.
      const [applied, restored] = await Promise.all([
        flows.writtenAt(spec.flowId, flow, appliedVersion(point), key.changeId, key.stepId, 'apply'),
        flows.writtenAt(spec.flowId, flow, restoredVersion(point), key.changeId, key.stepId, 'restore'),
      ]);
      if (applied && !restored && flow.version !== applied.version) {
        return {
          recoveryPointId: point._id,
          operations,
          counts: { restore: 0, conflicts: 1 },
          conflicts: [versionConflict(spec.flowId, point, applied, flow)],
          summary: `flow ${spec.flowId} was changed after this step (now version ${flow.version}, step wrote ${applied.version}): a rollback would leave it as is and ask`,
        };
      }
      return {
        recoveryPointId: point._id,
        operations,
        counts: { restore: operations.length > 0 ? 1 : 0, conflicts: 0 },
        summary: `${operations.length} operation(s) back to flow ${spec.flowId} version ${point.version}`,
      };
    },
  };
}

/** A flow written by someone else after the step, as restores and previews report it (by version: whole flows conflict). */
function versionConflict(flowId: string, point: RecoveryPointDoc, applied: { version: number }, current: FlowDoc) {
  return {
    item: `flow ${flowId}`,
    before: { version: point.version },
    written: { version: applied.version },
    now: { version: current.version, writtenBy: current.writtenBy },
  };
}

function patched(config: FlowConfig, spec: FlowPatchSpec): FlowConfig {
  try {
    return jsonPatch.applyPatch(structuredClone(config), spec.patch, true, false).newDocument;
  } catch (err) {
    const e = err as { name?: string; message: string; index?: number };
    const at = e.index === undefined ? '' : ` (patch operation ${e.index})`;
    throw permanent(
      ErrorType.InvalidStep,
      `patch cannot be applied to flow ${spec.flowId}${at}: ${e.message.split('\n')[0]}`,
    );
  }
}
