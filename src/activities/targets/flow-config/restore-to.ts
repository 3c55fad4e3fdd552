import { ErrorType } from '../../../domain/errors';
import { permanent } from '../../../domain/failures';
import type { FlowRestoreSpec } from '../../../domain/targets/flow-config';
import type { FlowDoc, FlowStore, FlowVersionDoc, FlowWriter } from '../../../store/flows';

/** What a restore-to step writes: an earlier version's configuration, and where it came from. */
export interface RestoreToPlan {
  source: FlowVersionDoc;
  lineage: Required<Pick<FlowWriter, 'restoresVersion' | 'undoesChanges'>>;
}

/**
 * Finds the version a restore-to step puts back — the exact version, or the latest version written
 * at or before the timestamp — and the changes whose versions it undoes. Resolved from the flow's
 * kept history (`flow_versions`), which is never rewritten, so a retried apply resolves the same.
 */
export async function planRestoreTo(flows: FlowStore, spec: FlowRestoreSpec, current: FlowDoc): Promise<RestoreToPlan> {
  const { flowId, restoreTo } = spec;
  const source =
    'version' in restoreTo
      ? await flows.getVersion(flowId, restoreTo.version)
      : await flows.versionAt(flowId, new Date(restoreTo.at));
  if (!source) {
    const what =
      'version' in restoreTo ? `no version ${restoreTo.version}` : `no version written at or before ${restoreTo.at}`;
    throw permanent(ErrorType.TargetNotFound, `flow ${flowId} has ${what} (it is at version ${current.version})`);
  }
  if (source.version >= current.version) {
    throw permanent(
      ErrorType.InvalidStep,
      `flow ${flowId} is at version ${current.version}: restoring version ${source.version} would change nothing`,
    );
  }
  const later = await flows.versionsBetween(flowId, source.version, current.version);
  const undoesChanges = [
    ...new Set(later.map((v) => v.writtenBy.changeId).filter((id): id is string => id !== undefined)),
  ];
  return { source, lineage: { restoresVersion: source.version, undoesChanges } };
}

export function describeRestoreTo(plan: RestoreToPlan): string {
  const undoing = plan.lineage.undoesChanges.length
    ? `, undoing change(s) ${plan.lineage.undoesChanges.join(', ')}`
    : '';
  return `restores version ${plan.source.version}${undoing}`;
}
