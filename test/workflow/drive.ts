import { WorkflowUpdateFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { ChangeRequest } from '../../src/domain/change-request';
import { DECISION_REPEATS } from '../../src/domain/history-budget';
import type { DecisionInput, DecisionName } from '../../src/domain/decisions';
import type { changeWorkflow } from '../../src/workflows/change';
import { decisionUpdate } from '../../src/workflows/definitions';
import type { ChangeReport, PendingQuestion } from '../../src/domain/status';
import type { WorstPath } from './fake-activities';
import type { TimeSkipping } from './time-skipping';
import { decider, LEVELS } from './worst-requests';

export interface DrivenRun {
  report: ChangeReport;
  events: number;
  byType: Record<string, number>;
  decisions: Record<string, number>;
  historyBytes: number;
  /** The largest single event (Temporal refuses payloads over 2 MB). */
  largestEventBytes: number;
  ms: number;
}

/**
 * Runs a change to its end along the dearest answers: nobody answers while a question escalates
 * (every deadline passes, the test server skips the time), and once it holds, the answer that
 * costs most — retry and retry-compensation as often as allowed, both approvals, roll back after
 * the observation, acknowledge the failed validation.
 */
export async function driveWorstPath(
  ts: Pick<TimeSkipping, 'env' | 'historyClient'>,
  taskQueue: string,
  request: ChangeRequest,
  path: WorstPath,
): Promise<DrivenRun> {
  const { env } = ts;
  const started = performance.now();
  const changeId = `worst-${Date.now()}`;
  const handle = await env.client.workflow.start<typeof changeWorkflow>('changeWorkflow', {
    taskQueue,
    workflowId: `change-${changeId}`,
    args: [{ changeId, request }],
  });
  let settled = false;
  const result = handle.result().finally(() => (settled = true));
  const decisions: Record<string, number> = {};

  const send = async (question: PendingQuestion, decision: DecisionName, actor: string, comment?: string) => {
    const input: DecisionInput = {
      decision,
      actor,
      groups: [],
      questionId: question.id,
      ...(comment ? { comment } : {}),
    };
    try {
      const outcome = await handle.executeUpdate(decisionUpdate, { args: [input] });
      if (outcome.status === 'accepted' || outcome.status === 'partial')
        decisions[decision] = (decisions[decision] ?? 0) + 1;
      return outcome.status;
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) return 'refused';
      throw err;
    }
  };
  const last = decider(LEVELS - 1);
  const refusedOnce = async (question: PendingQuestion, decision: DecisionName) => {
    const key = `refused ${decision}`;
    if (decisions[key] === undefined && (await send(question, decision, last)) === 'refused') decisions[key] = 1;
  };
  const answer = async (question: PendingQuestion) => {
    switch (question.kind) {
      case 'approval':
        await send(question, 'approve', decider(0));
        await send(question, 'approve', last);
        return;
      case 'step-failure':
        if ((decisions.retry ?? 0) < DECISION_REPEATS.retry) {
          await send(question, 'retry', last);
          return;
        }
        // Past the bound, another retry and a second hold are refused by the validator (no history).
        await refusedOnce(question, 'retry');
        await refusedOnce(question, 'hold');
        await send(question, 'skip', last);
        return;
      case 'compensation':
        if ((decisions['retry-compensation'] ?? 0) < DECISION_REPEATS['retry-compensation']) {
          await send(question, 'retry-compensation', last);
          return;
        }
        await refusedOnce(question, 'retry-compensation');
        await send(question, 'resolved-manually', last, 'restored by hand from the recovery point');
        return;
      case 'trigger':
      case 'inconclusive':
        path.recovering = true;
        await send(question, 'rollback', last);
        return;
      case 'validation':
        await send(question, 'acknowledge', last);
    }
  };

  // Driven by the notifications of holding questions, not by status queries: the test server
  // answers a query with a workflow task of its own, which a real server does not write down.
  while (!settled) {
    const [id, held] = path.holding.entries().next().value ?? [];
    if (id && held) {
      path.holding.delete(id);
      await answer(held.question);
      held.release();
    } else {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
  const report = await result;
  const history = await ts.historyClient.workflow.getHandle(handle.workflowId).fetchHistory();
  const byType: Record<string, number> = {};
  for (const event of history.events ?? []) {
    const type = (temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? 'unknown').replace(/^EVENT_TYPE_/, '');
    byType[type] = (byType[type] ?? 0) + 1;
  }
  return {
    report,
    events: history.events?.length ?? 0,
    byType,
    decisions,
    historyBytes: temporal.api.history.v1.History.encode(history).finish().length,
    largestEventBytes: Math.max(
      ...(history.events ?? []).map((e) => temporal.api.history.v1.HistoryEvent.encode(e).finish().length),
    ),
    ms: performance.now() - started,
  };
}
