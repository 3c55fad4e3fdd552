import type { Identity } from '../auth/identity';
import { can, decidingGroups } from '../auth/identity';
import { viewFor } from '../auth/target-values';
import type { ChangeClient } from '../client/change-client';
import { checkDecisionInput } from '../client/decision-input';
import { ChangeClosedError, ChangeNotFoundError, NotAllowedError, RequestRefusedError } from '../client/errors';
import type { DecisionName } from '../domain/decisions';
import { ValidationError } from '../domain/validation';
import { changeWorkflowId } from '../workflows/definitions';
import type { DecisionAction } from '../slack/action-value';
import { parseCommand, usage, type ChatCommand } from './commands';
import { withDeadline } from './deadline';
import { statusText } from './status-text';

/** A reply as Slack takes it from a slash command (and from a `response_url`). */
export interface SlackReply {
  response_type: 'ephemeral' | 'in_channel';
  text: string;
  /** For button clicks: replace the decision message (its buttons go away once answered). */
  replace_original?: boolean;
  /** What happened, for logs and tests; Slack ignores unknown fields. */
  outcome:
    | 'accepted'
    | 'partial'
    | 'refused'
    | 'not-allowed'
    | 'not-found'
    | 'invalid'
    | 'unconfirmed'
    | 'info'
    | 'already-requested';
}

export interface ChatOpsDeps {
  changes: ChangeClient;
  /** Slack user id → identity. */
  users: ReadonlyMap<string, Identity>;
  /** Answer by then even if the change has not confirmed (Slack allows 3 s). */
  timeoutMs: number;
  workflowUrl(workflowId: string): string;
}

const reply = (outcome: SlackReply['outcome'], text: string, extra: Partial<SlackReply> = {}): SlackReply => ({
  response_type: 'ephemeral',
  text,
  outcome,
  ...extra,
});

/**
 * Chat ops over the typed client. The Slack user is mapped to an identity from configuration (the
 * interface asserts actor and groups); the workflow then checks who may decide at its current
 * level, that requesters do not accept their own changes' risk and that risk-high changes get two
 * distinct approvers. Every answer is the real outcome, or says plainly that it is not confirmed.
 */
export class ChatOps {
  constructor(private readonly deps: ChatOpsDeps) {}

  async command(slackUserId: string, text: string): Promise<SlackReply> {
    const identity = this.deps.users.get(slackUserId);
    if (!identity)
      return reply(
        'not-allowed',
        `Your Slack user (${slackUserId}) is not mapped to an actor; ask an admin to add it to SLACK_USERS.`,
      );
    const command = parseCommand(text, identity.actor);
    return this.guarded(command, () => this.run(identity, command));
  }

  /** A decision button: change id + question id + decision from the (verified) payload. */
  async button(slackUserId: string, action: DecisionAction): Promise<SlackReply> {
    const identity = this.deps.users.get(slackUserId);
    if (!identity)
      return reply(
        'not-allowed',
        `Your Slack user (${slackUserId}) is not mapped to an actor; ask an admin to add it to SLACK_USERS.`,
      );
    const command: ChatCommand = {
      kind: 'decide',
      changeId: action.changeId,
      decision: action.decision,
      comment: 'via Slack button',
    };
    return this.guarded(command, () => this.decide(identity, command, action.questionId));
  }

  private async run(identity: Identity, command: ChatCommand): Promise<SlackReply> {
    switch (command.kind) {
      case 'help':
        return reply('info', usage);
      case 'invalid':
        return reply('invalid', command.message);
      case 'status': {
        if (!can(identity, 'read')) return reply('not-allowed', `${identity.actor} may not read changes.`);
        const status = viewFor(identity, await this.deps.changes.status(command.changeId));
        return reply('info', statusText(status, this.deps.workflowUrl(changeWorkflowId(command.changeId))));
      }
      case 'decide':
        return this.decide(identity, command);
      case 'rollback': {
        if (!can(identity, 'rollback')) return reply('not-allowed', `${identity.actor} may not request rollbacks.`);
        const outcome = await this.deps.changes.requestRollback(command.changeId, {
          actor: identity.actor,
          groups: decidingGroups(identity),
          reason: command.reason,
          category: command.category,
        });
        if (outcome.status === 'refused') throw new RequestRefusedError(command.changeId, outcome.reason);
        if (outcome.status === 'already-requested')
          return reply('already-requested', `A rollback of \`${command.changeId}\` was already requested.`);
        return reply(
          'accepted',
          `:rewind: ${identity.actor} requested a rollback of \`${command.changeId}\` (${command.category}): ${command.reason}`,
          { response_type: 'in_channel' },
        );
      }
    }
  }

  private async decide(
    identity: Identity,
    command: Extract<ChatCommand, { kind: 'decide' }>,
    questionId?: string,
  ): Promise<SlackReply> {
    if (!can(identity, 'decide'))
      return reply('not-allowed', `${identity.actor} may not decide (needs the approver or admin role).`);
    const decision = {
      decision: command.decision as DecisionName,
      actor: identity.actor,
      groups: decidingGroups(identity),
      comment: command.comment,
      ...(questionId ? { questionId } : {}),
    };
    checkDecisionInput(decision);
    const outcome = await this.deps.changes.decide(command.changeId, decision);
    if (outcome.status === 'refused') throw new RequestRefusedError(command.changeId, outcome.reason);
    if (outcome.status === 'partial')
      return reply(
        'partial',
        `:ballot_box_with_check: ${identity.actor} approved \`${command.changeId}\` — ${outcome.reason}; one more approver is needed.`,
        { response_type: 'in_channel' },
      );
    return reply(
      'accepted',
      `:white_check_mark: ${identity.actor} chose *${command.decision}* for \`${command.changeId}\`.`,
      { response_type: 'in_channel', replace_original: true },
    );
  }

  /** Maps typed errors to messages and answers within the deadline whatever happens. */
  private async guarded(command: ChatCommand, work: () => Promise<SlackReply>): Promise<SlackReply> {
    const abandon = new AbortController();
    const result = await withDeadline(
      this.deps.changes.withAbortSignal(abandon.signal, work).catch((err: unknown) => failureReply(err)),
      this.deps.timeoutMs,
    );
    if ('value' in result) return result.value;
    // Cancel what is still in flight; a decision already delivered stands, which is why the reply says "not confirmed".
    abandon.abort();
    const what =
      command.kind === 'decide'
        ? `Your ${command.decision} for \`${command.changeId}\` was sent`
        : 'Your request was sent';
    const id = 'changeId' in command ? command.changeId : '<change>';
    return reply(
      'unconfirmed',
      `:hourglass: ${what} but the change has not confirmed it yet; check \`/rollback status ${id}\`.`,
    );
  }
}

function failureReply(err: unknown): SlackReply {
  if (err instanceof ValidationError) return reply('invalid', `:x: ${err.message}`);
  if (err instanceof ChangeNotFoundError) return reply('not-found', `:mag: No change \`${err.changeId}\`.`);
  if (err instanceof NotAllowedError) return reply('not-allowed', `:no_entry: Not allowed: ${err.reason}`);
  if (err instanceof RequestRefusedError) return reply('refused', `:warning: Refused: ${err.reason}`);
  if (err instanceof ChangeClosedError) return reply('refused', `:warning: Change \`${err.changeId}\` has finished.`);
  throw err;
}
