import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { trySend } from '../http/sender';
import { OPERATOR_CONFIGURED } from '../http/destinations';
import { ApiError } from '../api/problem';
import { destinationProblem } from '../domain/partners';
import { findUnsafeKey } from '../domain/safe-keys';
import { DECIDE_ACTION_PREFIX, readDecisionAction } from '../slack/action-value';
import type { ChatOps, SlackReply } from './chat-ops';
import type { ReplayGuard } from '../store/replay-guard';
import { verifySlackRequest } from '../slack/signature';

export interface SlackRouteDeps {
  signingSecret: string;
  replayGuard: ReplayGuard;
  chatOps: ChatOps;
  /** Origins a `response_url` may have; outcomes are posted there only (Slack's own by default). */
  responseUrlOrigins: string[];
}

const commandSchema = z.looseObject({ user_id: z.string().min(1), text: z.string().default('') });
const interactionSchema = z.looseObject({
  type: z.string(),
  user: z.looseObject({ id: z.string().min(1) }),
  actions: z.array(z.looseObject({ action_id: z.string(), value: z.string().optional() })).default([]),
  response_url: z.string().optional(),
});

/**
 * `/slack/commands` and `/slack/interactions`. Slack signs the raw form body, so this scope keeps
 * the body as bytes: signature and timestamp are checked first (401 otherwise), then the request is
 * remembered for the window (a replay is 401), and only then is anything parsed or done.
 */
export async function slackRoutes(app: FastifyInstance, deps: SlackRouteDeps): Promise<void> {
  // Outcomes go only to these origins, judged as written (the rules partner URLs follow); the operator chose them.
  const responseUrls = { origins: deps.responseUrlOrigins.map((o) => new URL(o).origin), ...OPERATOR_CONFIGURED };
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer', bodyLimit: 64 * 1024 },
    (_request, body, done) => done(null, body),
  );

  const verified = async (request: FastifyRequest): Promise<URLSearchParams> => {
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const check = verifySlackRequest(deps.signingSecret, {
      timestamp: header(request, 'x-slack-request-timestamp'),
      signature: header(request, 'x-slack-signature'),
      rawBody,
    });
    if (!check.ok) throw new ApiError(401, 'SlackSignatureRejected', check.reason);
    if (!(await deps.replayGuard.firstSeen(check.signature, check.timestamp)))
      throw new ApiError(401, 'SlackReplayRejected', 'this request was already received (replay)');
    return new URLSearchParams(rawBody.toString('utf8'));
  };

  /** Slack shows a non-200 as "dispatch failed": unexpected errors are logged and answered in words. */
  const answer = async (request: FastifyRequest, reply: FastifyReply, work: () => Promise<SlackReply>) => {
    let slackReply: SlackReply;
    try {
      slackReply = await work();
    } catch (err) {
      request.log.error({ err }, 'chat ops failed');
      slackReply = {
        response_type: 'ephemeral',
        text: `:boom: Something went wrong (request ${request.id}); nothing may have changed — check the status.`,
        outcome: 'unconfirmed',
      };
    }
    request.log.info({ outcome: slackReply.outcome }, 'chat ops answered');
    return { slackReply, sent: reply.code(200).send(slackReply) };
  };

  app.post('/slack/commands', async (request, reply) => {
    const form = await verified(request);
    const command = commandSchema.safeParse(Object.fromEntries(form));
    if (!command.success)
      throw new ApiError(400, 'ValidationError', `not a Slack slash command payload: ${fieldProblems(command.error)}`);
    request.log.info({ slackUser: command.data.user_id }, 'slash command');
    return (await answer(request, reply, () => deps.chatOps.command(command.data.user_id, command.data.text))).sent;
  });

  app.post('/slack/interactions', async (request, reply) => {
    const form = await verified(request);
    let json: unknown;
    try {
      json = JSON.parse(form.get('payload') ?? '');
    } catch {
      throw new ApiError(400, 'ValidationError', 'not a Slack interaction payload: payload is not JSON');
    }
    // Zod drops a "__proto__" key silently; refuse it by where it was, as the API does.
    const unsafe = findUnsafeKey(json);
    if (unsafe)
      throw new ApiError(
        400,
        'ValidationError',
        `not a Slack interaction payload: ${['payload', ...unsafe.path].join('.')}: ${unsafe.problem}`,
      );
    const parsed = interactionSchema.safeParse(json);
    if (!parsed.success)
      throw new ApiError(
        400,
        'ValidationError',
        `not a Slack interaction payload: ${fieldProblems(parsed.error, 'payload')}`,
      );
    const payload = parsed.data;
    // Checked before anything is decided: an outcome that could only be posted elsewhere is a payload Slack did not send.
    const responseUrlProblem =
      payload.response_url === undefined
        ? undefined
        : destinationProblem(payload.response_url, responseUrls, 'SLACK_RESPONSE_URL_ORIGINS');
    if (responseUrlProblem)
      throw new ApiError(
        400,
        'ValidationError',
        `not a Slack interaction payload: payload.response_url ${responseUrlProblem}`,
      );
    const action =
      payload.type === 'block_actions'
        ? payload.actions.find((a) => a.action_id.startsWith(DECIDE_ACTION_PREFIX))
        : undefined;
    // Other interactions (link buttons, shortcuts) are acknowledged and left alone.
    if (!action) return reply.code(200).send();
    const read = readDecisionAction(action.value);
    if ('problem' in read)
      throw new ApiError(
        400,
        'ValidationError',
        `the button does not carry a decision: actions.${payload.actions.indexOf(action)}.${read.problem}`,
      );
    const decision = read.action;
    request.log.info(
      { slackUser: payload.user.id, changeId: decision.changeId, decision: decision.decision },
      'decision button',
    );
    const { slackReply, sent } = await answer(request, reply, () => deps.chatOps.button(payload.user.id, decision));
    postToResponseUrl(request, payload.response_url, slackReply);
    return sent;
  });
}

/** Every bad field of a Slack payload, by path: `user_id: Invalid input…; text: …`. */
function fieldProblems(error: z.ZodError, prefix?: string): string {
  return error.issues
    .map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** Slack shows a button's outcome through `response_url` (checked on arrival); sent after the ack, never delaying it. */
function postToResponseUrl(request: FastifyRequest, url: string | undefined, slackReply: SlackReply): void {
  if (!url) return;
  const { outcome: _outcome, ...message } = slackReply;
  void trySend({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(message),
    timeoutMs: 5000,
    what: 'outcome to response_url',
    network: OPERATOR_CONFIGURED,
    maxResponseBytes: 4096,
  }).then((result) => {
    if ('failure' in result) request.log.warn({ err: result.failure.message }, 'posting to response_url failed');
    else request.log.info({ status: result.response.status }, 'outcome posted to response_url');
  });
}
