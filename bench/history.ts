import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/** What one workflow cost the server: events, bytes, activities and workflow tasks. */
export interface HistoryProfile {
  workflowId: string;
  historyLength: number;
  historySizeBytes: number;
  bytesPerEvent: number;
  /** ActivityTaskScheduled events, by activity type. */
  activities: Record<string, number>;
  activityCount: number;
  /** WorkflowTaskCompleted events: each is a worker ↔ server round trip of the workflow. */
  workflowTasks: number;
  /** Every event type that occurred, with counts. */
  events: Record<string, number>;
}

/** Reads describe() (historyLength, historySizeBytes) and the history's events of one workflow. */
export async function profileHistory(client: Client, workflowId: string): Promise<HistoryProfile> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  const history = await handle.fetchHistory();
  const events: Record<string, number> = {};
  const activities: Record<string, number> = {};
  for (const event of history.events ?? []) {
    const name = (temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? String(event.eventType)).replace(
      /^EVENT_TYPE_/,
      '',
    );
    events[name] = (events[name] ?? 0) + 1;
    const scheduled = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) activities[scheduled] = (activities[scheduled] ?? 0) + 1;
  }
  const historySizeBytes = Number(description.historySize ?? 0);
  return {
    workflowId,
    historyLength: description.historyLength,
    historySizeBytes,
    bytesPerEvent: description.historyLength > 0 ? historySizeBytes / description.historyLength : Number.NaN,
    activities,
    activityCount: Object.values(activities).reduce((a, b) => a + b, 0),
    workflowTasks: events.WORKFLOW_TASK_COMPLETED ?? 0,
    events,
  };
}
