import type { Client } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow/codec-helpers';
import type { temporal } from '@temporalio/proto';

/** One activity of a workflow, from its history: scheduled → closed, in server time. */
export interface ActivitySpan {
  type: string;
  /** The step the activity worked on, from its (decoded) input `{ changeId, step }`. */
  stepId?: string;
  durationMs: number;
  outcome: 'completed' | 'failed' | 'timed-out' | 'canceled' | 'open';
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * Every activity of a workflow with its duration, read from the history (inputs decoded with the
 * client's data converter, so encrypted histories work too).
 */
export async function activitySpans(client: Client, workflowId: string): Promise<ActivitySpan[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const closed = new Map<string, { at: number; outcome: ActivitySpan['outcome'] }>();
  for (const e of events) {
    const close =
      (e.activityTaskCompletedEventAttributes && {
        id: e.activityTaskCompletedEventAttributes.scheduledEventId,
        outcome: 'completed' as const,
      }) ||
      (e.activityTaskFailedEventAttributes && {
        id: e.activityTaskFailedEventAttributes.scheduledEventId,
        outcome: 'failed' as const,
      }) ||
      (e.activityTaskTimedOutEventAttributes && {
        id: e.activityTaskTimedOutEventAttributes.scheduledEventId,
        outcome: 'timed-out' as const,
      }) ||
      (e.activityTaskCanceledEventAttributes && {
        id: e.activityTaskCanceledEventAttributes.scheduledEventId,
        outcome: 'canceled' as const,
      });
    if (close) closed.set(String(close.id), { at: eventTime(e), outcome: close.outcome });
  }
  const spans: ActivitySpan[] = [];
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (!scheduled) continue;
    const [input] = await decodeArrayFromPayloads(client.options.loadedDataConverter, scheduled.input?.payloads);
    const end = closed.get(String(e.eventId));
    spans.push({
      type: scheduled.activityType?.name ?? '?',
      stepId: (input as { step?: { id?: string } } | undefined)?.step?.id,
      durationMs: end ? end.at - eventTime(e) : Number.NaN,
      outcome: end?.outcome ?? 'open',
    });
  }
  return spans;
}

function eventTime(e: HistoryEvent): number {
  const t = e.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : Number.NaN;
}
