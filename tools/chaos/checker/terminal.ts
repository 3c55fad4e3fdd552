import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defineSearchAttributeKey } from '@temporalio/common';
import { ChangeStatusKey } from '../../../src/workflows/search-attributes';
import { changeWorkflowId, rollbackLaterWorkflowId } from '../../../src/workflows/definitions';
import type { Manifest } from '../manifest';
import type { Inconsistency, Outcome } from './types';

/** Temporal's own note on a stuck workflow (e.g. a workflow task failing with a nondeterminism error). */
const reportedProblemsKey = defineSearchAttributeKey('TemporalReportedProblems', 'KEYWORD_LIST');

/**
 * Every change is terminal: its workflow closed normally (COMPLETED — a rolled-back change also
 * returns its report) with ChangeStatus `completed`, `rolled-back` or `rejected`, read with
 * describe (mutable state, not eventually consistent visibility). And no other workflow ran on the
 * campaign's task queue. A change the campaign rolled back later is judged by its roll-back-later
 * too: that workflow closed normally with ChangeStatus `rolled-back`, and the change's targets
 * must show the outcome `rolled-back`.
 */
export async function checkTerminal(
  manifest: Manifest,
  client: Client,
): Promise<{ outcomes: Record<string, Outcome>; inconsistencies: Inconsistency[] }> {
  const outcomes: Record<string, Outcome> = {};
  const inconsistencies: Inconsistency[] = [];
  for (const change of manifest.changes) {
    let outcome: Outcome = 'not-terminal';
    try {
      const description = await client.workflow.getHandle(changeWorkflowId(change.changeId)).describe();
      const phase = description.typedSearchAttributes.get(ChangeStatusKey);
      const status = description.status.name;
      if (status === 'COMPLETED' && (phase === 'completed' || phase === 'rolled-back' || phase === 'rejected'))
        outcome = phase;
      else {
        const problems = description.typedSearchAttributes.get(reportedProblemsKey);
        const reported = problems?.length ? `; Temporal reports ${problems.join(', ')}` : '';
        inconsistencies.push({
          check: 'terminal',
          changeId: change.changeId,
          detail: `workflow ${status}, ChangeStatus ${phase ?? 'unset'}${reported}`,
        });
      }
    } catch (err) {
      const detail =
        err instanceof WorkflowNotFoundError
          ? 'no workflow: the change was never started'
          : `describe failed: ${(err as Error).message}`;
      inconsistencies.push({ check: 'terminal', changeId: change.changeId, detail });
    }
    outcomes[change.changeId] = outcome;
    if (outcome !== 'not-terminal' && change.expected !== 'either' && outcome !== change.expected) {
      inconsistencies.push({
        check: 'outcome',
        changeId: change.changeId,
        detail: `expected ${change.expected} (${change.scenario}), Temporal says ${outcome}`,
      });
    }
    if (outcome === 'completed' && change.rolledBackLater)
      outcomes[change.changeId] = await rolledBackLater(
        client,
        change.changeId,
        change.rolledBackLater.rollbackId,
        inconsistencies,
      );
  }
  const planned = new Set(
    manifest.changes.flatMap((c) => [
      changeWorkflowId(c.changeId),
      ...(c.rolledBackLater ? [rollbackLaterWorkflowId(c.rolledBackLater.rollbackId)] : []),
    ]),
  );
  for await (const info of client.workflow.list({ query: `TaskQueue = '${manifest.taskQueue}'` })) {
    if (!planned.has(info.workflowId))
      inconsistencies.push({
        check: 'stray-workflow',
        detail: `workflow ${info.workflowId} (${info.status.name}) is not one of the campaign's changes`,
      });
  }
  return { outcomes, inconsistencies };
}

/** The roll-back-later of a completed change: `rolled-back` when it closed so, else `not-terminal` and an inconsistency. */
async function rolledBackLater(
  client: Client,
  changeId: string,
  rollbackId: string,
  inconsistencies: Inconsistency[],
): Promise<Outcome> {
  try {
    const description = await client.workflow.getHandle(rollbackLaterWorkflowId(rollbackId)).describe();
    const phase = description.typedSearchAttributes.get(ChangeStatusKey);
    if (description.status.name === 'COMPLETED' && phase === 'rolled-back') return 'rolled-back';
    const problems = description.typedSearchAttributes.get(reportedProblemsKey);
    const reported = problems?.length ? `; Temporal reports ${problems.join(', ')}` : '';
    inconsistencies.push({
      check: 'terminal',
      changeId,
      detail: `its roll-back-later ${rollbackId}: workflow ${description.status.name}, ChangeStatus ${phase ?? 'unset'}${reported}`,
    });
  } catch (err) {
    const detail =
      err instanceof WorkflowNotFoundError
        ? 'no workflow: the roll-back-later was never started'
        : `describe failed: ${(err as Error).message}`;
    inconsistencies.push({ check: 'terminal', changeId, detail: `its roll-back-later ${rollbackId}: ${detail}` });
  }
  return 'not-terminal';
}
