import type { DecisionName } from '../domain/decisions';
import type { ChangeNotification, NotificationEvent } from '../domain/notifications';
import { DECIDE_ACTION_PREFIX, encodeDecisionAction } from './action-value';
import { escapeSlack, slackLink } from './text';

/** A Slack message as an incoming webhook takes it: fallback text plus Block Kit blocks. */
export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

const headings: Record<NotificationEvent, string> = {
  'approval-needed': 'Approval needed',
  'decision-needed': 'Decision needed',
  'step-failed': 'Step failed',
  escalated: 'Escalated: decision needed',
  'trigger-fired': 'Rollback trigger fired',
  'rollback-started': 'Rollback started',
  'rollback-finished': 'Rollback finished',
  'compensation-failed': 'Restore needs a person',
  'validation-failed': 'Post-rollback validation failed',
};

const styles: Partial<Record<DecisionName, 'primary' | 'danger'>> = {
  approve: 'primary',
  retry: 'primary',
  'retry-compensation': 'primary',
  reject: 'danger',
  rollback: 'danger',
};

/**
 * The Slack message for a notification: heading, summary, the question's decision buttons (each
 * carrying change id + question id + decision for the interactions endpoint) and a link to the
 * change in the Temporal UI. `resolved-manually` gets no button: it needs a comment, so the
 * message says how to send it with the slash command instead.
 */
export function slackNotificationMessage(notification: ChangeNotification, temporalUiUrl: string): SlackMessage {
  const { question } = notification;
  const heading = `${headings[notification.event]}: ${notification.title}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(heading, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(escapeSlack(notification.summary), 3000) } },
  ];
  const facts = [`*Change* \`${notification.changeId}\``];
  if (notification.level) facts.push(`*Level* ${escapeSlack(notification.level.name)}`);
  if (question?.deadline) {
    const unix = Math.floor(Date.parse(question.deadline) / 1000);
    facts.push(`*Deadline* <!date^${unix}^{date_short_pretty} {time}|${question.deadline}>`);
  }
  if (question) {
    const deciders = question.mayDecide.flatMap((l) => [...l.actors, ...l.groups.map((g) => `group ${g}`)]);
    facts.push(`*Who may decide* ${escapeSlack([...new Set(deciders)].join(', '))}`);
  }
  blocks.push({ type: 'section', fields: facts.map((text) => ({ type: 'mrkdwn', text })) });
  if (question) {
    const buttons = question.options
      .filter((decision) => decision !== 'resolved-manually')
      .map((decision) => ({
        type: 'button',
        action_id: `${DECIDE_ACTION_PREFIX}${decision}`,
        text: { type: 'plain_text', text: decision },
        value: encodeDecisionAction({ changeId: notification.changeId, questionId: question.id, decision }),
        ...(styles[decision] ? { style: styles[decision] } : {}),
      }));
    if (buttons.length > 0) blocks.push({ type: 'actions', block_id: `question:${question.id}`, elements: buttons });
    if (question.options.includes('resolved-manually')) {
      blocks.push({
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `Fixed it by hand? \`/rollback decide ${notification.changeId} resolved-manually &lt;what you did&gt;\``,
          },
        ],
      });
    }
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `${slackLink(temporalUiUrl, 'Open in the Temporal UI')} · ${escapeSlack(notification.id)}`,
      },
    ],
  });
  // The fallback text is mrkdwn too (notifications, screen readers): escaped like the blocks.
  return { text: escapeSlack(`${heading} — ${notification.summary}`), blocks };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
