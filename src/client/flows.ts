import type { Changes, StartedChange } from './changes';
import { restoreFlowRequest, type RestoreFlowOptions, type RestoreTargetInput } from './restore-flow';

/** Flows as a whole: restoring one to an earlier configuration (src/client/restore-flow.ts builds the request). */
export class Flows {
  constructor(private readonly changes: Changes) {}

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
