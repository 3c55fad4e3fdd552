/** Who wrote a flow version: a change's step (apply or restore), a creation, or a direct edit. */
export interface FlowWriter {
  action: 'create' | 'apply' | 'restore' | 'edit';
  changeId?: string;
  stepId?: string;
  actor?: string;
  /** For restores (and restore-to steps): the version whose content this write puts back. */
  restoresVersion?: number;
  /** For restore-to steps: the changes that wrote the versions after `restoresVersion`, oldest first. */
  undoesChanges?: string[];
}

/** One version of a flow in its lineage: who wrote it, and which later write undid it, if one did. */
export interface FlowVersionLine {
  version: number;
  writtenAt: string;
  writtenBy: FlowWriter;
  /**
   * The first later version that put an earlier content back over this one: a change's restore
   * (its rollback, now or later) or a restore-to step. Absent while what this version wrote stands.
   */
  undoneBy?: { version: number; action: FlowWriter['action']; changeId?: string };
}

/**
 * A flow's versions, oldest first, with what undid each: a write that restores version r undoes
 * every version after r that it replaces. Pure: the client reads the versions, this links them.
 */
export function flowLineage(
  versions: readonly { version: number; writtenAt: Date | string; writtenBy: FlowWriter }[],
): FlowVersionLine[] {
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  return sorted.map((v) => {
    const undoing = sorted.find(
      (later) =>
        later.version > v.version &&
        later.writtenBy.restoresVersion !== undefined &&
        later.writtenBy.restoresVersion < v.version,
    );
    return {
      version: v.version,
      writtenAt: typeof v.writtenAt === 'string' ? v.writtenAt : v.writtenAt.toISOString(),
      writtenBy: v.writtenBy,
      ...(undoing
        ? {
            undoneBy: {
              version: undoing.version,
              action: undoing.writtenBy.action,
              ...(undoing.writtenBy.changeId ? { changeId: undoing.writtenBy.changeId } : {}),
            },
          }
        : {}),
    };
  });
}
