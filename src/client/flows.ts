import type { Db } from 'mongodb';
import { actorSchema } from '../domain/actor';
import { flowDocumentSchema } from '../domain/flow-document';
import { flowLineage, type FlowVersionLine, type FlowWriter } from '../domain/flow-lineage';
import { flowIdSchema } from '../domain/targets/flow-config';
import { parseOrThrow, ValidationError } from '../domain/validation';
import { FlowStore, type FlowConfig } from '../store/flows';
import type { Changes, StartedChange } from './changes';
import { FlowExistsError, FlowNotFoundError } from './errors';
import { diffFlowVersions, type FlowDiff } from './flow-diff';
import { restoreFlowRequest, type RestoreFlowOptions, type RestoreTargetInput } from './restore-flow';

/** A flow as it is now. */
export interface FlowView {
  flowId: string;
  version: number;
  config: FlowConfig;
  writtenBy: FlowWriter;
  updatedAt: string;
}

/** Every version of a flow, oldest first, with its lineage. */
export interface FlowVersions {
  flowId: string;
  current: number;
  versions: FlowVersionLine[];
}

/**
 * Lead flows as objects: created or imported (validated against the flow document schema), read,
 * listed with their lineage, compared; and restored to an earlier configuration, as a change.
 * Writes go through the store's versioning, the same the flow-config target uses.
 */
export class Flows {
  constructor(
    private readonly changes: Changes,
    /** Where flows are kept; reading and creating them needs it (restores run on the worker). */
    private readonly db?: Db,
  ) {}

  private store(): FlowStore {
    if (!this.db) throw new Error('reading and creating flows needs the client’s database (the `db` option)');
    return new FlowStore(this.db);
  }

  /** Creates a flow at version 1 — FlowExistsError when the id is taken, ValidationError naming each bad field. */
  async create(flowId: unknown, config: unknown, options: { actor: string }): Promise<FlowView & { created: true }> {
    const id = parseOrThrow(flowIdSchema, flowId, 'flow id');
    const valid = parseOrThrow(flowDocumentSchema, config, 'flow');
    const actor = parseOrThrow(actorSchema, options.actor, 'actor');
    const created = await this.store().createNew(id, valid, actor);
    if (!created) throw new FlowExistsError(id);
    return { ...view(created), created: true };
  }

  async get(flowId: string): Promise<FlowView> {
    const id = parseOrThrow(flowIdSchema, flowId, 'flow id');
    const flow = await this.store().get(id);
    if (!flow) throw new FlowNotFoundError(id);
    return view(flow);
  }

  async versions(flowId: string): Promise<FlowVersions> {
    const current = await this.get(flowId);
    const versions = await this.store().history(current.flowId);
    return { flowId: current.flowId, current: current.version, versions: flowLineage(versions) };
  }

  /** What changed from version `from` (default: the one before `to`) to version `to` (default: the current one). */
  async diff(flowId: string, range: { from?: number; to?: number } = {}): Promise<FlowDiff> {
    const current = await this.get(flowId);
    const to = range.to ?? current.version;
    const from = range.from ?? Math.max(1, to - 1);
    const issues = [
      ...(to > current.version
        ? [{ path: 'to', message: `flow ${current.flowId} has no version ${to} (current ${current.version})` }]
        : []),
      ...(from > to ? [{ path: 'from', message: `must not be after to (${to})` }] : []),
    ];
    if (issues.length > 0) throw new ValidationError('flow versions', issues);
    const store = this.store();
    const [older, newer] = await Promise.all([
      store.getVersion(current.flowId, from),
      store.getVersion(current.flowId, to),
    ]);
    if (!older || !newer)
      throw new ValidationError('flow versions', [
        { path: older ? 'to' : 'from', message: `version ${older ? to : from} is not kept` },
      ]);
    return diffFlowVersions(current.flowId, older, newer);
  }

  /**
   * Starts a change that restores a flow's configuration to an earlier version, or to the one in
   * force at a moment. It is a change like any other — policy, approval, recovery point, report —
   * so it can be rolled back in turn; the version it writes records which version it restores and
   * which changes it undoes.
   */
  async restoreFlow(
    flowId: string,
    restoreTo: RestoreTargetInput,
    options: RestoreFlowOptions & { changeId: string },
  ): Promise<StartedChange> {
    const { changeId, ...rest } = options;
    return this.changes.start(restoreFlowRequest(flowId, restoreTo, rest), { changeId });
  }
}

function view(flow: {
  _id: string;
  version: number;
  config: FlowConfig;
  writtenBy: FlowWriter;
  updatedAt: Date;
}): FlowView {
  return {
    flowId: flow._id,
    version: flow.version,
    config: flow.config,
    writtenBy: flow.writtenBy,
    updatedAt: flow.updatedAt.toISOString(),
  };
}
