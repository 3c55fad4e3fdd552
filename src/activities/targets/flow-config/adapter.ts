import jsonPatch from 'fast-json-patch';
import type { Db } from 'mongodb';
import { checksum } from '../../../domain/canonical';
import { ErrorType } from '../../../domain/errors';
import { permanent, transient } from '../../failures';
import { RecoveryPointStore, toRef, type RecoveryPointDoc } from '../../recovery-points';
import type { StepKey, TargetAdapter } from '../types';
import { describeRestoreTo, planRestoreTo } from './restore-to';
import { isRestoreSpec, type FlowConfigSpec, type FlowPatchSpec } from './spec';
import { FlowStore, FlowVersionConflict, type FlowConfig, type FlowDoc, type FlowWriter } from './store';

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
  async function nextConfig(flow: FlowDoc, spec: FlowConfigSpec): Promise<{ config: FlowConfig; lineage?: Partial<FlowWriter>; note: string }> {
    if (!isRestoreSpec(spec)) return { config: patched(flow.config, spec), note: '' };
    const plan = await planRestoreTo(flows, spec, flow);
    return { config: plan.source.config, lineage: plan.lineage, note: ` ${describeRestoreTo(plan)}` };
  }

  return {
    kind: 'flow-config',

    async snapshot(key, spec) {
      const existing = await beforeImage(key);
      if (existing) return toRef(existing);
      const flow = await load(spec.flowId);
      if (spec.expectedVersion !== undefined && flow.version !== spec.expectedVersion) {
        throw permanent(ErrorType.Conflict, `flow ${spec.flowId} is at version ${flow.version}, the change expects ${spec.expectedVersion}`);
      }
      const point = await recoveryPoints.capture(key, 'before-apply', {
        target: 'flow-config',
        locator: { flowId: spec.flowId },
        version: flow.version,
        state: flow.config,
        summary: `flow ${spec.flowId} at version ${flow.version}`,
      });
      return toRef(point);
    },

    async apply(key, spec) {
      if (await flows.findWrite(spec.flowId, key.changeId, key.stepId, 'apply')) {
        return { status: 'already-applied', summary: `flow ${spec.flowId} already carries this step` };
      }
      const point = await beforeImage(key);
      if (!point) throw permanent(ErrorType.RecoveryPointMissing, `no recovery point for ${key.changeId}/${key.stepId}; refusing to apply`);
      const flow = await load(spec.flowId);
      if (flow.version !== point.version) {
        throw permanent(ErrorType.Conflict, `flow ${spec.flowId} moved from version ${point.version} to ${flow.version} after its recovery point was taken`);
      }
      const next = await nextConfig(flow, spec);
      try {
        const written = await flows.write(spec.flowId, flow.version, next.config, { action: 'apply', ...key, ...next.lineage });
        return { status: 'applied', summary: `flow ${spec.flowId} version ${flow.version} → ${written.version}${next.note}` };
      } catch (err) {
        if (err instanceof FlowVersionConflict) throw transient(ErrorType.Conflict, err.message);
        throw err;
      }
    },

    async verify(key, spec) {
      const written = await flows.findWrite(spec.flowId, key.changeId, key.stepId, 'apply');
      const flow = await load(spec.flowId);
      if (!written || flow.version !== written.version || checksum(flow.config) !== checksum(written.config)) {
        throw permanent(ErrorType.VerificationFailed, `flow ${spec.flowId} does not carry step ${key.stepId} (now at version ${flow.version})`);
      }
    },

    async restore(key, spec) {
      const point = await beforeImage(key);
      const applied = await flows.findWrite(spec.flowId, key.changeId, key.stepId, 'apply');
      if (!point || !applied) return { status: 'not-applied', summary: `step never changed flow ${spec.flowId}`, recoveryPointId: point?._id };
      if (await flows.findWrite(spec.flowId, key.changeId, key.stepId, 'restore')) {
        return { status: 'already-restored', summary: `flow ${spec.flowId} already restored`, recoveryPointId: point._id };
      }
      const flow = await load(spec.flowId);
      if (flow.version !== applied.version) {
        return {
          status: 'conflict',
          summary: `flow ${spec.flowId} was changed after this step (now version ${flow.version}, step wrote ${applied.version}); left as is`,
          recoveryPointId: point._id,
          conflicts: {
            count: 1,
            sample: [{ item: `flow ${spec.flowId}`, before: { version: point.version }, written: { version: applied.version }, now: { version: flow.version, writtenBy: flow.writtenBy } }],
          },
        };
      }
      const preRestore = await recoveryPoints.capture(key, 'before-restore', {
        target: 'flow-config',
        locator: { flowId: spec.flowId },
        version: flow.version,
        state: flow.config,
        summary: `flow ${spec.flowId} at version ${flow.version}, before restore`,
      });
      try {
        const written = await flows.write(spec.flowId, flow.version, point.state as FlowConfig, {
          action: 'restore',
          ...key,
          restoresVersion: point.version,
        });
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
      const point = await beforeImage(key);
      if (!point) return;
      const flow = await load(spec.flowId);
      const restored = await flows.findWrite(spec.flowId, key.changeId, key.stepId, 'restore');
      if (restored && (flow.version !== restored.version || checksum(flow.config) !== point.checksum)) {
        throw permanent(ErrorType.VerificationFailed, `flow ${spec.flowId} does not match recovery point ${point._id}`);
      }
    },

    async preview(key, spec) {
      const point = await beforeImage(key);
      if (!point) return { operations: [], summary: `no recovery point: nothing to restore on flow ${spec.flowId}` };
      const flow = await load(spec.flowId);
      const operations = jsonPatch.compare(flow.config, point.state as FlowConfig);
      return { recoveryPointId: point._id, operations, summary: `${operations.length} operation(s) back to flow ${spec.flowId} version ${point.version}` };
    },
  };
}

function patched(config: FlowConfig, spec: FlowPatchSpec): FlowConfig {
  try {
    return jsonPatch.applyPatch(structuredClone(config), spec.patch, true, false).newDocument;
  } catch (err) {
    const e = err as { name?: string; message: string; index?: number };
    const at = e.index === undefined ? '' : ` (patch operation ${e.index})`;
    throw permanent(ErrorType.InvalidStep, `patch cannot be applied to flow ${spec.flowId}${at}: ${e.message.split('\n')[0]}`);
  }
}
