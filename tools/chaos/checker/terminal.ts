import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defineSearchAttributeKey } from '@temporalio/common';
import { ChangeStatusKey } from '../../../src/workflows/search-attributes';
import { changeWorkflowId } from '../../../src/workflows/definitions';
import type { Manifest } from '../manifest';
import type { Inconsistency, Outcome } from './types';

/** Temporal's own note on a stuck workflow (e.g. a workflow task failing with a nondeterminism error). */
const reportedProblemsKey = defineSearchAttributeKey('TemporalReportedProblems', 'KEYWORD_LIST');

/**
 * Every change is terminal: its workflow closed normally (COMPLETED — a rolled-back change also
 * returns its report) with ChangeStatus `completed`, `rolled-back` or `rejected`, read with
 * describe (mutable state, not eventually consistent visibility). And no other workflow ran on the
 * campaign's task queue.
 */
export async function checkTerminal(manifest: Manifest, client: Client): Promise<{ outcomes: Record<string, Outcome>; inconsistencies: Inconsistency[] }> {
  const outcomes: Record<string, Outcome> = {};
  const inconsistencies: Inconsistency[] = [];
  for (const change of manifest.changes) {
    let outcome: Outcome = 'not-terminal';
    try {
      const description = await client.workflow.getHandle(changeWorkflowId(change.changeId)).describe();
      const phase = description.typedSearchAttributes.get(ChangeStatusKey);
      const status = description.status.name;
      if (status === 'COMPLETED' && (phase === 'completed' || phase === 'rolled-back' || phase === 'rejected')) outcome = phase;
      else {
        const problems = description.typedSearchAttributes.get(reportedProblemsKey);
        const reported = problems?.length ? `; Temporal reports ${problems.join(', ')}` : '';
        inconsistencies.push({ check: 'terminal', changeId: change.changeId, detail: `workflow ${status}, ChangeStatus ${phase ?? 'unset'}${reported}` });
      }
    } catch (err) {
      const detail = err instanceof WorkflowNotFoundError ? 'no workflow: the change was never started' : `describe failed: ${(err as Error).message}`;
      inconsistencies.push({ check: 'terminal', changeId: change.changeId, detail });
    }
    outcomes[change.changeId] = outcome;
    if (outcome !== 'not-terminal' && change.expected !== 'either' && outcome !== change.expected) {
      inconsistencies.push({ check: 'outcome', changeId: change.changeId, detail: `expected ${change.expected} (${change.scenario}), Temporal says ${outcome}` });
    }
  }
  const planned = new Set(manifest.changes.map((c) => changeWorkflowId(c.changeId)));
  for await (const info of client.workflow.list({ query: `TaskQueue = '${manifest.taskQueue}'` })) {
    if (!planned.has(info.workflowId)) inconsistencies.push({ check: 'stray-workflow', detail: `workflow ${info.workflowId} (${info.status.name}) is not one of the campaign's changes` });
  }
  return { outcomes, inconsistencies };
}
