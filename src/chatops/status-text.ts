import type { ChangeStatus } from '../domain/status';
import { escapeSlack, slackLink } from '../slack/text';

/** The status as a short Slack message: phase, the floor, steps, the open question with deadline and options. */
export function statusText(status: ChangeStatus, uiUrl: string): string {
  const lines = [`*${escapeSlack(status.title)}* (\`${status.changeId}\`) — *${status.phase}*`];
  if (status.floor)
    lines.push(`_Policy floor ${escapeSlack(status.floor.name)}: ${status.floor.rules.length} rule(s) applied_`);
  for (const step of status.steps)
    lines.push(
      `• \`${step.id}\` ${step.target}: ${step.state}${step.error ? ` — ${escapeSlack(step.error.message)}` : ''}`,
    );
  for (const question of status.pendingDecisions) {
    const deadline = question.deadline
      ? ` until <!date^${Math.floor(Date.parse(question.deadline) / 1000)}^{date_short_pretty} {time}|${question.deadline}>`
      : ' (no deadline)';
    lines.push(
      `:question: ${escapeSlack(question.prompt)} — level ${question.level}${deadline}; answers: ${question.options.join(', ')}`,
    );
  }
  lines.push(slackLink(uiUrl, 'Open in the Temporal UI'));
  return lines.join('\n');
}
