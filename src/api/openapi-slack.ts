/**
 * The Slack endpoints speak Slack's formats (signed form posts), not this API's JSON, so they are
 * described by hand; Slack, not API clients, calls them.
 */
const slackHeaders = [
  {
    name: 'X-Slack-Request-Timestamp',
    in: 'header',
    required: true,
    schema: { type: 'string', pattern: '^[0-9]+$' },
    description: 'Unix seconds; refused when more than 5 minutes off',
  },
  {
    name: 'X-Slack-Signature',
    in: 'header',
    required: true,
    schema: { type: 'string', pattern: '^v0=[0-9a-f]{64}$' },
    description: 'v0= + HMAC-SHA256(signing secret, "v0:{timestamp}:{raw body}")',
  },
];

const answered = {
  200: {
    description: 'Handled; the body is a Slack message with the real outcome',
    content: {
      'application/json': {
        schema: {
          type: 'object',
          properties: { response_type: { type: 'string' }, text: { type: 'string' }, outcome: { type: 'string' } },
        },
      },
    },
  },
  401: { description: 'Bad or missing signature, stale timestamp, or a replay' },
};

export const slackPaths = {
  '/slack/commands': {
    post: {
      operationId: 'slackCommand',
      summary: 'Slack slash command: /rollback status|approve|reject|decide|rollback <change>',
      tags: ['chat ops'],
      security: [],
      parameters: slackHeaders,
      requestBody: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': {
            schema: {
              type: 'object',
              properties: { user_id: { type: 'string' }, text: { type: 'string' } },
              required: ['user_id'],
            },
          },
        },
      },
      responses: answered,
    },
  },
  '/slack/interactions': {
    post: {
      operationId: 'slackInteraction',
      summary: 'Slack interactive buttons (block_actions) on decision messages',
      tags: ['chat ops'],
      security: [],
      parameters: slackHeaders,
      requestBody: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': {
            schema: {
              type: 'object',
              properties: { payload: { type: 'string', description: 'JSON block_actions payload' } },
              required: ['payload'],
            },
          },
        },
      },
      responses: answered,
    },
  },
};
