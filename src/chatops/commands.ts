import { decisionNames, rollbackCategories, type DecisionName, type RollbackCategory } from '../domain/decisions';

/** What `/rollback <text>` asks for. */
export type ChatCommand =
  | { kind: 'help' }
  | { kind: 'status'; changeId: string }
  | { kind: 'decide'; changeId: string; decision: DecisionName; comment?: string }
  | { kind: 'rollback'; changeId: string; category: RollbackCategory; reason: string }
  | { kind: 'invalid'; message: string };

export const usage = [
  '`/rollback status <change>` — phase, steps, the open question and its deadline',
  '`/rollback approve <change> [comment]` · `/rollback reject <change> [comment]`',
  '`/rollback decide <change> <retry|skip|rollback|hold|retry-compensation|resolved-manually> [comment]`',
  `\`/rollback rollback <change> [${rollbackCategories.join('|')}] [reason]\` — roll a running change back now`,
].join('\n');

/** Parses the slash command's text; ids and names are validated again by the client's schemas. */
export function parseCommand(text: string, user: string): ChatCommand {
  const [verb = 'help', changeId, ...rest] = text.trim().split(/\s+/).filter(Boolean);
  const remainder = rest.join(' ').trim();
  if (verb === 'help') return { kind: 'help' };
  if (!changeId) return { kind: 'invalid', message: `\`${verb}\` needs a change id.\n${usage}` };
  switch (verb) {
    case 'status':
      return { kind: 'status', changeId };
    case 'approve':
    case 'reject':
      return { kind: 'decide', changeId, decision: verb, ...(remainder ? { comment: remainder } : {}) };
    case 'decide': {
      const [decision, ...comment] = rest;
      if (!decision || !(decisionNames as string[]).includes(decision))
        return { kind: 'invalid', message: `\`decide\` needs one of ${decisionNames.join(', ')}.` };
      const text = comment.join(' ').trim();
      return { kind: 'decide', changeId, decision: decision as DecisionName, ...(text ? { comment: text } : {}) };
    }
    case 'rollback': {
      const [first, ...others] = rest;
      const category = (rollbackCategories as readonly string[]).includes(first ?? '')
        ? (first as RollbackCategory)
        : undefined;
      const reason = (category ? others : rest).join(' ').trim() || `requested from Slack by ${user}`;
      return { kind: 'rollback', changeId, category: category ?? 'errors', reason };
    }
    default:
      return { kind: 'invalid', message: `Unknown command \`${verb}\`.\n${usage}` };
  }
}
