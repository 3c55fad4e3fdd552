import type { Client } from '@temporalio/client';
import type { ChangePhase } from '../domain/status';
import { EscalationLevelKey } from '../workflows/search-attributes';
import { changeListQuery } from './change-query';

/**
 * Counts the running changes (rollbacks later included) on this task queue in a phase, reaching
 * at least an escalation level (the highest an open question has reached; it never goes down).
 */
export function waitingCounter(client: Client, taskQueue: string) {
  return async (phase: ChangePhase, atLeastLevel: number): Promise<number> => {
    const clauses = [changeListQuery(taskQueue, { status: phase, pageSize: 1 }), `ExecutionStatus = 'Running'`];
    if (atLeastLevel > 0) clauses.push(`${EscalationLevelKey.name} >= ${Math.trunc(atLeastLevel)}`);
    const { count } = await client.workflow.count(clauses.join(' AND '));
    return count;
  };
}
