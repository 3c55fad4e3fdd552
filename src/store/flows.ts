import type { Collection, Db } from 'mongodb';
import type { FlowWriter } from '../domain/flow-lineage';
import { productCollection } from './collections';

export type FlowConfig = Record<string, unknown>;

export type { FlowWriter };

export interface FlowDoc {
  _id: string;
  version: number;
  config: FlowConfig;
  writtenBy: FlowWriter;
  updatedAt: Date;
}

export interface FlowVersionDoc {
  _id: string;
  flowId: string;
  version: number;
  config: FlowConfig;
  writtenBy: FlowWriter;
  writtenAt: Date;
}

/** The flow was written by someone else between our read and our write. */
export class FlowVersionConflict extends Error {
  override readonly name = 'FlowVersionConflict';
}

/**
 * Lead-flow configurations, versioned: every write bumps `version` with a compare-and-set on the
 * version read, and every version (the prior one and the new one) is kept in `flow_versions`.
 * Each write is idempotent on its own, so nothing needs multi-document transactions.
 */
export class FlowStore {
  readonly flows: Collection<FlowDoc>;
  readonly versions: Collection<FlowVersionDoc>;

  constructor(db: Db) {
    this.flows = productCollection<FlowDoc>(db, 'flows');
    this.versions = productCollection<FlowVersionDoc>(db, 'flowVersions');
  }

  get(flowId: string): Promise<FlowDoc | null> {
    return this.flows.findOne({ _id: flowId });
  }

  /** Creates a flow at version 1, or leaves an existing one alone. */
  async create(flowId: string, config: FlowConfig, actor = 'system'): Promise<FlowDoc> {
    const doc = { version: 1, config, writtenBy: { action: 'create' as const, actor }, updatedAt: new Date() };
    await this.flows.updateOne({ _id: flowId }, { $setOnInsert: doc }, { upsert: true });
    const stored = (await this.get(flowId)) as FlowDoc;
    await this.keepVersion(stored);
    return stored;
  }

  /**
   * Creates a flow at version 1 when the id is free; null when a flow with this id exists (its
   * content is left alone). An insert, so two creators racing for one id cannot both win.
   */
  async createNew(flowId: string, config: FlowConfig, actor: string): Promise<FlowDoc | null> {
    const doc: FlowDoc = {
      _id: flowId,
      version: 1,
      config,
      writtenBy: { action: 'create', actor },
      updatedAt: new Date(),
    };
    try {
      await this.flows.insertOne(doc);
    } catch (err) {
      if ((err as { code?: number }).code === DUPLICATE_KEY) return null;
      throw err;
    }
    await this.keepVersion(doc);
    return doc;
  }

  /**
   * Writes `config` as the next version if the flow is still at `expectedVersion`. `current` is
   * the flow as the caller just read it, to save a read; the compare-and-set still decides.
   * @throws FlowVersionConflict when it is not.
   */
  async write(
    flowId: string,
    expectedVersion: number,
    config: FlowConfig,
    writtenBy: FlowWriter,
    current?: FlowDoc,
  ): Promise<FlowDoc> {
    current ??= (await this.get(flowId)) ?? undefined;
    if (!current || current.version !== expectedVersion) {
      throw new FlowVersionConflict(
        `flow ${flowId} is at version ${current?.version ?? 'none'}, expected ${expectedVersion}`,
      );
    }
    // Keep the prior version first: if we crash after the flow update, it is already in history.
    await this.keepVersion(current);
    const next: FlowDoc = { _id: flowId, version: expectedVersion + 1, config, writtenBy, updatedAt: new Date() };
    const { matchedCount } = await this.flows.replaceOne({ _id: flowId, version: expectedVersion }, next);
    if (matchedCount === 0)
      throw new FlowVersionConflict(`flow ${flowId} changed while writing version ${next.version}`);
    await this.keepVersion(next);
    return next;
  }

  /**
   * Version `version` of the flow if that change step wrote it with that action, else null.
   * `current` is the flow as just read (null when absent): when it is that version, or older, no
   * further read is needed; otherwise the version is read by id. Callers know which version a
   * step writes (see the flow-config adapter), so nothing scans `flow_versions`, whose size grows
   * with every write ever made (a scan on FerretDB's SQLite backend costs ~80 µs per stored version).
   */
  async writtenAt(
    flowId: string,
    current: FlowDoc | null,
    version: number,
    changeId: string,
    stepId: string,
    action: FlowWriter['action'],
  ): Promise<FlowVersionDoc | null> {
    if (current && current.version === version)
      return matches(current.writtenBy, changeId, stepId, action) ? toVersion(current) : null;
    if (current && current.version < version) return null;
    const stored = await this.getVersion(flowId, version);
    return stored && matches(stored.writtenBy, changeId, stepId, action) ? stored : null;
  }

  getVersion(flowId: string, version: number): Promise<FlowVersionDoc | null> {
    return this.versions.findOne({ _id: versionId(flowId, version) });
  }

  /** The latest version written at or before `at`: the configuration in force at that moment. */
  versionAt(flowId: string, at: Date): Promise<FlowVersionDoc | null> {
    return this.versions.findOne({ flowId, writtenAt: { $lte: at } }, { sort: { version: -1 } });
  }

  /** Versions after `version` up to and including `upTo`, oldest first. */
  versionsBetween(flowId: string, version: number, upTo: number): Promise<FlowVersionDoc[]> {
    return this.versions
      .find({ flowId, version: { $gt: version, $lte: upTo } })
      .sort({ version: 1 })
      .toArray();
  }

  history(flowId: string): Promise<FlowVersionDoc[]> {
    return this.versions.find({ flowId }).sort({ version: 1 }).toArray();
  }

  /**
   * Keeps a version in `flow_versions` once. An insert whose duplicate-key error means "already
   * kept" (a version's content never changes): on FerretDB an upsert reads before it writes.
   */
  private async keepVersion(doc: FlowDoc): Promise<void> {
    try {
      await this.versions.insertOne(toVersion(doc));
    } catch (err) {
      if ((err as { code?: number }).code !== DUPLICATE_KEY) throw err;
    }
  }
}

const DUPLICATE_KEY = 11000;

function versionId(flowId: string, version: number): string {
  return `${flowId}@${version}`;
}

function toVersion(doc: FlowDoc): FlowVersionDoc {
  return {
    _id: versionId(doc._id, doc.version),
    flowId: doc._id,
    version: doc.version,
    config: doc.config,
    writtenBy: doc.writtenBy,
    writtenAt: doc.updatedAt,
  };
}

function matches(writer: FlowWriter, changeId: string, stepId: string, action: FlowWriter['action']): boolean {
  return writer.changeId === changeId && writer.stepId === stepId && writer.action === action;
}
