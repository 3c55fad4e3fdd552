import { ChangeClosedError, RequestRefusedError } from '../../src/client/errors';
import type { ChangeClient } from '../../src/client/change-client';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { ChangeReport, ChangeStatus, RollbackLaterInput } from '../../src/domain/status';
import { changeWorkflowId, rollbackLaterWorkflowId, rollbackSignal } from '../../src/workflows/definitions';
import { ChangeStatusKey } from '../../src/workflows/search-attributes';
import { REQUESTER } from './fixtures';
import type { ChangeManifest } from './manifest';
import type { Progress } from './progress';
import { sleep, untilAnswered } from './retry';

export interface DriverContext {
  changes: ChangeClient;
  client: Client;
  /**
   * How a manual rollback is asked for: the `requestRollback` update (what the API, CLI and chat
   * ops use; the caller learns the outcome at once) or the `rollback` signal (the outcome is read
   * back from the status query).
   */
  rollbackVia: 'update' | 'signal';
  /** Roll every change that completed back later, and wait for that too. */
  rollBackLater?: { taskQueue: string };
  progress: Progress;
  /** Epoch ms after which the campaign stops waiting. */
  deadline: number;
  /** Stop waiting for a change when no change at all has settled for this long. */
  stallMs: number;
}

/** What the campaign did to one change besides starting it. */
export interface DriveRecord {
  changeId: string;
  startedAt: number;
  settledAt?: number;
  /** A manual rollback the campaign asked for, and the change's answer. */
  rollback?: { askedAt: number; phase: string; answer: 'accepted' | 'already-requested' | 'refused' | 'closed' };
}

/**
 * Starts one change and plays the part the scenario gives people: asking for a manual rollback
 * while the change waits for a decision, or as soon as one step is applied. Every call is retried
 * across worker kills and the server restart. Refines `change.expected` from the change's answer
 * to a rollback request raced against completion.
 */
export async function driveChange(change: ChangeManifest, context: DriverContext): Promise<DriveRecord> {
  const { changes, deadline } = context;
  const record: DriveRecord = { changeId: change.changeId, startedAt: Date.now() };
  await untilAnswered(
    `start ${change.changeId}`,
    () => changes.start(change.request, { changeId: change.changeId }),
    deadline,
  );
  if (change.scenario === 'ask-then-rollback') {
    record.rollback = await rollbackWhen(change, context, (s) =>
      s.pendingDecisions.some((q) => q.kind === 'step-failure'),
    );
  } else if (change.scenario === 'rollback-while-applying') {
    record.rollback = await rollbackWhen(change, context, (s) => s.steps.some((step) => step.state === 'applied'));
    if (record.rollback)
      change.expected =
        record.rollback.answer === 'accepted' || record.rollback.answer === 'already-requested'
          ? 'rolled-back'
          : 'completed';
  }
  if (await context.progress.settled(changeWorkflowId(change.changeId), deadline, context.stallMs))
    record.settledAt = Date.now();
  if (record.settledAt !== undefined && context.rollBackLater)
    await rollBackLater(change, context, context.rollBackLater.taskQueue);
  return record;
}

/** Rolls a change that completed back later and waits for the rollback to close (the checker judges it). */
async function rollBackLater(change: ChangeManifest, context: DriverContext, taskQueue: string): Promise<void> {
  const { client, deadline } = context;
  const description = await untilAnswered(
    `describe ${change.changeId}`,
    () => client.workflow.getHandle(changeWorkflowId(change.changeId)).describe(),
    deadline,
  );
  if (description.typedSearchAttributes.get(ChangeStatusKey) !== 'completed') return;
  const rollbackId = `${change.changeId}-later`;
  const workflowId = rollbackLaterWorkflowId(rollbackId);
  const input: RollbackLaterInput = {
    changeId: change.changeId,
    rollbackId,
    requestedBy: REQUESTER,
    reason: 'chaos campaign: undo a finished change',
    category: 'errors',
  };
  change.rolledBackLater = { rollbackId };
  await untilAnswered(
    `roll back ${change.changeId} later`,
    // A start retried across a server restart may find its first attempt running: that is the rollback.
    () =>
      client.workflow
        .start<(input: RollbackLaterInput) => Promise<ChangeReport>>('rollbackLaterWorkflow', {
          workflowId,
          taskQueue,
          args: [input],
        })
        .catch((err: unknown) => {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }),
    deadline,
  );
  await context.progress.settled(workflowId, deadline, context.stallMs);
}

async function rollbackWhen(
  change: ChangeManifest,
  context: DriverContext,
  ready: (status: ChangeStatus) => boolean,
): Promise<DriveRecord['rollback']> {
  const { changes, deadline } = context;
  for (;;) {
    if (
      Date.now() > deadline ||
      context.progress.sinceLastSettledMs() > context.stallMs ||
      context.progress.isClosed(changeWorkflowId(change.changeId))
    )
      return undefined;
    // The status query needs a worker: while none runs it fails, and we ask again.
    const status = await changes.status(change.changeId).catch(() => undefined);
    if (status && (status.phase === 'completed' || status.phase === 'rolled-back')) return undefined;
    if (status && ready(status)) {
      const askedAt = Date.now();
      const request = {
        actor: REQUESTER,
        reason: 'chaos campaign: leads bouncing after the change',
        category: 'errors' as const,
      };
      if (context.rollbackVia === 'signal')
        return { askedAt, phase: status.phase, answer: await signalRollback(change, context, request) };
      try {
        const outcome = await untilAnswered(
          `rollback ${change.changeId}`,
          () => changes.requestRollback(change.changeId, request),
          deadline,
        );
        return { askedAt, phase: status.phase, answer: outcome.status };
      } catch (err) {
        if (err instanceof ChangeClosedError) return { askedAt, phase: status.phase, answer: 'closed' };
        if (err instanceof RequestRefusedError) return { askedAt, phase: status.phase, answer: 'refused' };
        throw err;
      }
    }
    await sleep(200);
  }
}

/** Signals the rollback, then reads the change's answer from its status (the signal itself answers nothing). */
async function signalRollback(
  change: ChangeManifest,
  context: DriverContext,
  request: { actor: string; reason: string; category: 'errors' },
): Promise<'accepted' | 'refused' | 'closed'> {
  const handle = context.client.workflow.getHandle(changeWorkflowId(change.changeId));
  try {
    await untilAnswered(
      `rollback signal ${change.changeId}`,
      () => handle.signal(rollbackSignal, request),
      context.deadline,
    );
  } catch {
    if (context.progress.isClosed(changeWorkflowId(change.changeId))) return 'closed';
    throw new Error(`could not signal a rollback of ${change.changeId}`);
  }
  for (;;) {
    const status = await context.changes.status(change.changeId).catch(() => undefined);
    if (status?.rollbackRequest?.actor === request.actor) return 'accepted';
    if (status && (status.phase === 'completed' || status.phase === 'rolled-back')) return 'refused';
    if (Date.now() > context.deadline) throw new Error(`no answer to the rollback signal of ${change.changeId}`);
    await sleep(250);
  }
}
