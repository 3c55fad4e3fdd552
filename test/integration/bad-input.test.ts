import type { Identity } from '../../src/auth/identity';
import { flowStep, nested, validRequest, webhookStep } from '../helpers/bad-input';
import {
  api,
  button,
  cli,
  client,
  describeDoorCases,
  FLOW,
  rawApi,
  slackForm,
  slash,
  start,
  startFile,
  SLACK_USER,
  type DoorCase,
  type Doors,
} from '../helpers/doors';

/**
 * Malformed and hostile input at every door — the HTTP API, the CLI, chat ops and the typed
 * client that starts workflows — each refused with an error naming the field, and afterwards
 * nothing started, nothing written and nothing sent (test/helpers/doors.ts).
 */

/** Requester and approver at once: decisions reach their validation instead of stopping at the role check. */
const CALLER: Identity = { actor: 'requester@example.com', roles: ['requester', 'approver'], groups: ['approvers'] };

const leadStep = (filter: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({
    id: 'requalify',
    target: 'lead-data',
    spec: { collection: 'leads', filter, set: { status: 'qualified' }, ...extra },
  }) as never;
const documentStep = (extra: Record<string, unknown>) =>
  ({
    id: 'partner-settings',
    target: 'mongo-document',
    spec: { collection: 'partner_settings', id: 'partner-a', op: 'set', fields: { retries: 5 }, ...extra },
  }) as never;
const hook =
  (forward: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) =>
  (d: Doors) =>
    validRequest(webhookStep(d.peers.webhook.url, forward, spec));
const flow =
  (patch: unknown[], extra: Record<string, unknown> = {}) =>
  () =>
    validRequest(flowStep(FLOW, patch, extra));

// --- the table ---------------------------------------------------------------------------------------

const cases: DoorCase[] = [
  // HTTP API: the change request
  {
    surface: 'HTTP API',
    input: 'a change without a title',
    field: 'title',
    send: api('POST', '/v1/changes', { requestedBy: 'requester@example.com', steps: [flowStep(FLOW)] }),
  },
  {
    surface: 'HTTP API',
    input: 'a title that is a number',
    field: 'title',
    send: api('POST', '/v1/changes', validRequest(flowStep(FLOW), { title: 42 })),
  },
  {
    surface: 'HTTP API',
    input: 'no steps',
    field: 'steps',
    send: api('POST', '/v1/changes', { title: 'x', requestedBy: 'requester@example.com' }),
  },
  {
    surface: 'HTTP API',
    input: 'an empty step list',
    field: 'steps',
    send: api('POST', '/v1/changes', validRequest(flowStep(FLOW), { steps: [] })),
  },
  {
    surface: 'HTTP API',
    input: 'an unknown target kind',
    field: 'steps.0.target',
    send: api('POST', '/v1/changes', validRequest({ id: 'ftp-upload', target: 'ftp', spec: {} } as never)),
  },
  {
    surface: 'HTTP API',
    input: 'a step id with capitals and spaces',
    field: 'steps.0.id',
    send: api('POST', '/v1/changes', validRequest({ ...flowStep(FLOW), id: 'Raise Cap' })),
  },
  {
    surface: 'HTTP API',
    input: 'two steps with one id',
    field: 'steps.1.id',
    send: api('POST', '/v1/changes', validRequest(flowStep(FLOW), { steps: [flowStep(FLOW), flowStep(FLOW)] })),
  },
  {
    surface: 'HTTP API',
    input: 'an unknown top-level field',
    field: 'tenant',
    send: api('POST', '/v1/changes', validRequest(flowStep(FLOW), { tenant: 'acme' })),
  },
  {
    surface: 'HTTP API',
    input: 'risk high with approval waived',
    field: 'policy.approval',
    send: api('POST', '/v1/changes', validRequest(flowStep(FLOW), { risk: 'high', policy: { approval: 'none' } })),
  },
  {
    surface: 'HTTP API',
    input: 'an escalation deadline in words',
    field: 'policy.escalation.levels.0.deadline',
    send: api(
      'POST',
      '/v1/changes',
      validRequest(flowStep(FLOW), {
        policy: {
          onStepFailure: 'ask',
          escalation: {
            levels: [{ name: 'on-call', deciders: { actors: ['oncall@example.com'] }, deadline: '5 minutes' }],
          },
        },
      }),
    ),
  },
  {
    surface: 'HTTP API',
    input: 'requestedBy naming someone else (not an admin)',
    field: 'requestedBy',
    send: api('POST', '/v1/changes', validRequest(flowStep(FLOW), { requestedBy: 'ceo@example.com' })),
  },
  // HTTP API: MongoDB operators and JSON-Patch paths outside the flow document
  {
    surface: 'HTTP API',
    input: 'a flow id that is a MongoDB operator object {"$gt": ""}',
    field: 'steps.0.spec.flowId',
    send: api('POST', '/v1/changes', validRequest(flowStep({ $gt: '' } as never))),
  },
  {
    surface: 'HTTP API',
    input: 'a flow id "$where"',
    field: 'steps.0.spec.flowId',
    send: api('POST', '/v1/changes', validRequest(flowStep('$where'))),
  },
  {
    surface: 'HTTP API',
    input: 'a flow id climbing directories',
    field: 'steps.0.spec.flowId',
    send: api('POST', '/v1/changes', validRequest(flowStep('../../admin'))),
  },
  {
    surface: 'HTTP API',
    input: 'a patch value carrying "$where"',
    field: 'steps.0.spec.patch.0.value.filter.$where',
    send: api(
      'POST',
      '/v1/changes',
      flow([{ op: 'add', path: '/steps/0/filter', value: { filter: { $where: 'sleep(5000)' } } }])(),
    ),
  },
  {
    surface: 'HTTP API',
    input: 'a patch path creating the key "$set"',
    field: 'steps.0.spec.patch.0.path',
    send: api('POST', '/v1/changes', flow([{ op: 'add', path: '/$set', value: { enabled: false } }])()),
  },
  {
    surface: 'HTTP API',
    input: 'a patch path that is not a JSON Pointer',
    field: 'steps.0.spec.patch.0.path',
    send: api('POST', '/v1/changes', flow([{ op: 'replace', path: 'pricing/cap', value: 35 }])()),
  },
  {
    surface: 'HTTP API',
    input: 'a patch replacing the whole document',
    field: 'steps.0.spec.patch.0.path',
    send: api('POST', '/v1/changes', flow([{ op: 'replace', path: '', value: 'gone' }])()),
  },
  {
    surface: 'HTTP API',
    input: 'a patch path into __proto__',
    field: 'steps.0.spec.patch.0.path',
    send: api('POST', '/v1/changes', flow([{ op: 'add', path: '/__proto__/polluted', value: true }])()),
  },
  {
    surface: 'HTTP API',
    input: 'a patch moving from constructor/prototype',
    field: 'steps.0.spec.patch.0.from',
    send: api('POST', '/v1/changes', flow([{ op: 'copy', from: '/constructor/prototype', path: '/x' }])()),
  },
  {
    surface: 'HTTP API',
    input: 'an unknown JSON-Patch op',
    field: 'steps.0.spec.patch.0.op',
    send: api('POST', '/v1/changes', flow([{ op: 'merge', path: '/pricing', value: {} }])()),
  },
  // HTTP API: lead-data filters and mongo-document names (the database target kinds)
  {
    surface: 'HTTP API',
    input: 'a lead filter on the field "$where"',
    field: 'steps.0.spec.filter',
    send: api('POST', '/v1/changes', validRequest(leadStep({ $where: 'sleep(5000)' }))),
  },
  {
    surface: 'HTTP API',
    input: 'a lead filter with a raw MongoDB operator {"$ne": null}',
    field: 'steps.0.spec.filter.status',
    send: api('POST', '/v1/changes', validRequest(leadStep({ status: { $ne: null } }))),
  },
  {
    surface: 'HTTP API',
    input: 'an empty lead filter (every lead)',
    field: 'steps.0.spec.filter',
    send: api('POST', '/v1/changes', validRequest(leadStep({}))),
  },
  {
    surface: 'HTTP API',
    input: 'leads in the collection "system.users"',
    field: 'steps.0.spec.collection',
    send: api('POST', '/v1/changes', validRequest(leadStep({ batch: 'b1' }, { collection: 'system.users' }))),
  },
  {
    surface: 'HTTP API',
    input: 'leads in the bookkeeping collection "recovery_points"',
    field: 'steps.0.spec.collection',
    send: api('POST', '/v1/changes', validRequest(leadStep({ batch: 'b1' }, { collection: 'recovery_points' }))),
  },
  {
    surface: 'HTTP API',
    input: 'a document in the collection "$cmd"',
    field: 'steps.0.spec.collection',
    send: api('POST', '/v1/changes', validRequest(documentStep({ collection: '$cmd' }))),
  },
  {
    surface: 'HTTP API',
    input: 'a document field path "$rename"',
    field: 'steps.0.spec.fields',
    send: api('POST', '/v1/changes', validRequest(documentStep({ fields: { $rename: { a: 'b' } } }))),
  },
  {
    surface: 'HTTP API',
    input: 'a replacement document hiding "$where"',
    field: 'steps.0.spec.document',
    send: api(
      'POST',
      '/v1/changes',
      validRequest(documentStep({ op: 'replace', fields: undefined, document: { settings: { $where: 'x' } } })),
    ),
  },
  // HTTP API: size and shape
  {
    surface: 'HTTP API',
    input: 'a patch value nested 5000 levels deep',
    field: 'steps.0.spec.patch.0.value.a.a',
    send: rawApi('/v1/changes', deepJson(5000), 'application/json'),
  },
  {
    surface: 'HTTP API',
    input: 'a 600 KB patch value (under the body limit)',
    field: 'steps.0',
    send: api('POST', '/v1/changes', flow([{ op: 'add', path: '/notes', value: 'x'.repeat(600 * 1024) }])()),
  },
  {
    surface: 'HTTP API',
    input: 'a 2 MB body',
    field: 'body',
    send: api('POST', '/v1/changes', flow([{ op: 'add', path: '/notes', value: 'x'.repeat(2 * 1024 * 1024) }])()),
  },
  {
    surface: 'HTTP API',
    input: 'a body that is not JSON',
    field: 'Body is not valid JSON',
    send: rawApi('/v1/changes', '{"title": "half', 'application/json'),
  },
  {
    surface: 'HTTP API',
    input: 'a body sent as text/plain',
    field: 'content-type',
    send: rawApi('/v1/changes', 'title=x', 'text/plain'),
  },
  {
    surface: 'HTTP API',
    input: 'a body smuggling __proto__',
    field: '"path":"__proto__"',
    send: rawApi('/v1/changes', '{"title":"x","__proto__":{"admin":true}}', 'application/json'),
  },
  {
    surface: 'HTTP API',
    input: 'an Idempotency-Key of 300 characters',
    field: 'idempotency-key',
    send: api('POST', '/v1/changes', validRequest(flowStep(FLOW)), { 'idempotency-key': 'k'.repeat(300) }),
  },
  // HTTP API: webhook templates
  {
    surface: 'HTTP API',
    input: 'a webhook URL with the file: scheme',
    field: 'steps.0.spec.forward.url',
    send: async (d) => api('POST', '/v1/changes', hook({ url: 'file:///etc/passwd' })(d))(d),
  },
  {
    surface: 'HTTP API',
    input: 'a webhook URL with the gopher: scheme',
    field: 'steps.0.spec.forward.url',
    send: async (d) => api('POST', '/v1/changes', hook({ url: 'gopher://127.0.0.1:6379/_FLUSHALL' })(d))(d),
  },
  {
    surface: 'HTTP API',
    input: 'a webhook URL carrying credentials',
    field: 'steps.0.spec.forward.url',
    send: async (d) =>
      api('POST', '/v1/changes', hook({ url: 'https://admin:hunter2@partner.example.com/hooks' })(d))(d),
  },
  {
    surface: 'HTTP API',
    input: 'a template variable in the webhook host',
    field: 'steps.0.spec.forward.url',
    send: async (d) => api('POST', '/v1/changes', hook({ url: 'https://{{changeId}}.evil.example.com/x' })(d))(d),
  },
  {
    surface: 'HTTP API',
    input: 'CR/LF header injection in a webhook header',
    field: 'steps.0.spec.forward.headers.X-Route',
    send: async (d) => api('POST', '/v1/changes', hook({ headers: { 'X-Route': 'solar\r\nX-Injected: yes' } })(d))(d),
  },
  {
    surface: 'HTTP API',
    input: 'an Authorization header in a webhook template',
    field: 'steps.0.spec.forward.headers.Authorization',
    send: async (d) => api('POST', '/v1/changes', hook({ headers: { Authorization: 'Bearer stolen' } })(d))(d),
  },
  {
    surface: 'HTTP API',
    input: 'an unknown template variable in a webhook body',
    field: 'steps.0.spec.forward.body.note',
    send: async (d) => api('POST', '/v1/changes', hook({ body: { note: '{{process.env.CRM_TOKEN}}' } })(d))(d),
  },
  {
    surface: 'HTTP API',
    input: 'a webhook body nested 40 levels',
    field: 'steps.0.spec.forward.body',
    send: async (d) => api('POST', '/v1/changes', hook({ body: nested(40) })(d))(d),
  },
  {
    surface: 'HTTP API',
    input: 'a webhook without compensation not declared irreversible',
    field: 'steps.0.spec.irreversible',
    send: async (d) => api('POST', '/v1/changes', hook({}, { compensate: undefined })(d))(d),
  },
  // HTTP API: CRM specs
  {
    surface: 'HTTP API',
    input: 'a CRM object type with a path in it',
    field: 'steps.0.spec.objectType',
    send: api(
      'POST',
      '/v1/changes',
      validRequest({
        id: 'tier',
        target: 'crm',
        spec: {
          action: 'update-record',
          objectType: 'contacts/../properties',
          recordId: '1',
          properties: { tier: 'gold' },
        },
      } as never),
    ),
  },
  {
    surface: 'HTTP API',
    input: 'a CRM record id "1 OR 1=1"',
    field: 'steps.0.spec.recordId',
    send: api(
      'POST',
      '/v1/changes',
      validRequest({
        id: 'tier',
        target: 'crm',
        spec: { action: 'update-record', objectType: 'contacts', recordId: '1 OR 1=1', properties: { tier: 'gold' } },
      } as never),
    ),
  },
  {
    surface: 'HTTP API',
    input: 'a CRM property named "$where"',
    field: 'steps.0.spec.property.name',
    send: api(
      'POST',
      '/v1/changes',
      validRequest({
        id: 'tier',
        target: 'crm',
        spec: {
          action: 'create-property',
          objectType: 'contacts',
          property: { name: '$where', label: 'x', type: 'string', fieldType: 'text', groupName: 'g' },
        },
      } as never),
    ),
  },
  // HTTP API: list, path, decisions, rollbacks
  {
    surface: 'HTTP API',
    input: 'a list filter breaking out of its quotes',
    field: 'requestedBy',
    send: api('GET', `/v1/changes?requestedBy=${encodeURIComponent("x' OR TaskQueue != 'y")}`),
  },
  {
    surface: 'HTTP API',
    input: 'a list page size of 100000',
    field: 'pageSize',
    send: api('GET', '/v1/changes?pageSize=100000'),
  },
  { surface: 'HTTP API', input: 'a list status "$ne"', field: 'status', send: api('GET', '/v1/changes?status=%24ne') },
  {
    surface: 'HTTP API',
    input: 'a change id "$where" in the path',
    field: 'changeId',
    send: api('GET', '/v1/changes/%24where'),
  },
  {
    surface: 'HTTP API',
    input: 'a decision "drop-everything"',
    field: 'decision',
    send: api('POST', '/v1/changes/c-doors/decisions', { decision: 'drop-everything' }),
  },
  {
    surface: 'HTTP API',
    input: 'a decision naming its own actor (impersonation)',
    field: 'actor',
    send: api('POST', '/v1/changes/c-doors/decisions', { decision: 'approve', actor: 'ceo@example.com' }),
  },
  {
    surface: 'HTTP API',
    input: 'a rollback with an unknown category',
    field: 'category',
    send: api('POST', '/v1/changes/c-doors/rollback', { reason: 'x', category: 'vibes' }),
  },
  {
    surface: 'HTTP API',
    input: 'a rollback reason of 3000 characters',
    field: 'reason',
    send: api('POST', '/v1/changes/c-doors/rollback', { reason: 'r'.repeat(3000), category: 'errors' }),
  },

  // CLI (spawned, --json)
  {
    surface: 'CLI',
    input: 'a change file that is not JSON',
    field: 'broken.json',
    send: cli(() => ['start', '{dir}/broken.json'], { name: 'broken.json', content: () => '{"title": ' }),
  },
  {
    surface: 'CLI',
    input: 'a YAML alias bomb ("billion laughs")',
    field: 'bomb.yaml',
    send: cli(() => ['start', '{dir}/bomb.yaml'], { name: 'bomb.yaml', content: () => yamlBomb() }),
  },
  {
    surface: 'CLI',
    input: 'a YAML change with an unknown target kind',
    field: 'steps.0.target',
    send: cli(() => ['start', '{dir}/unknown.yaml'], {
      name: 'unknown.yaml',
      content: () =>
        'title: x\nrequestedBy: requester@example.com\nsteps:\n  - id: upload\n    target: ftp\n    spec: {}\n',
    }),
  },
  {
    surface: 'CLI',
    input: 'a change file with a MongoDB operator as flow id',
    field: 'steps.0.spec.flowId',
    send: startFile('operator.json', () => validRequest(flowStep({ $ne: null } as never))),
  },
  {
    surface: 'CLI',
    input: 'a change file nested 5000 levels deep',
    field: 'steps.0.spec.patch.0.value.a.a',
    send: cli(() => ['start', '{dir}/deep.json'], { name: 'deep.json', content: () => deepJson(5000) }),
  },
  {
    surface: 'CLI',
    input: 'a webhook to a javascript: URL',
    field: 'steps.0.spec.forward.url',
    send: startFile('js.json', (d) => hook({ url: 'javascript:alert(1)' })(d)),
  },
  {
    surface: 'CLI',
    input: 'a YAML lead batch filtering on "$where"',
    field: 'steps.0.spec.filter',
    send: cli(() => ['start', '{dir}/leads.yaml'], {
      name: 'leads.yaml',
      content: () =>
        'title: x\nrequestedBy: requester@example.com\nsteps:\n  - id: requalify\n    target: lead-data\n    spec:\n      filter: { $where: "sleep(5000)" }\n      set: { status: qualified }\n',
    }),
  },
  {
    surface: 'CLI',
    input: 'a --change-id with capitals and "$"',
    field: 'change id',
    send: cli(() => ['start', '{dir}/valid.json', '--change-id', 'Change$1'], {
      name: 'valid.json',
      content: () => JSON.stringify(validRequest(flowStep(FLOW))),
    }),
  },
  {
    surface: 'CLI',
    input: 'a --change-id of 70 characters',
    field: 'change id',
    send: cli(() => ['start', '{dir}/valid.json', '--change-id', 'c'.repeat(70)], {
      name: 'valid.json',
      content: () => JSON.stringify(validRequest(flowStep(FLOW))),
    }),
  },
  {
    surface: 'CLI',
    input: 'status of a change id climbing directories',
    field: 'change id',
    send: cli(() => ['status', '../../etc/passwd']),
  },
  {
    surface: 'CLI',
    input: 'an unknown decision',
    field: 'decision',
    send: cli(() => ['decide', 'c-doors', 'nuke', '--actor', 'ana@example.com']),
  },
  {
    surface: 'CLI',
    input: 'a rollback with an unknown --category',
    field: '--category',
    send: cli(() => ['rollback', 'c-doors', '--actor', 'ana@example.com', '--reason', 'x', '--category', 'vibes']),
  },
  {
    surface: 'CLI',
    input: 'a list filter breaking out of its quotes',
    field: 'requestedBy',
    send: cli(() => ['list', '--requested-by', "x' OR 'a'='a"]),
  },

  // Chat ops (signed Slack requests)
  { surface: 'chat ops', input: 'status of change "$where"', field: 'change id', send: slash('status $where') },
  {
    surface: 'chat ops',
    input: 'approve a change id climbing directories',
    field: 'change id',
    send: slash('approve ../../etc/passwd'),
  },
  {
    surface: 'chat ops',
    input: 'a change id of 70 characters',
    field: 'change id',
    send: slash(`status ${'c'.repeat(70)}`),
  },
  {
    surface: 'chat ops',
    input: 'rollback of change "{$ne:1}"',
    field: 'change id',
    send: slash('rollback {$ne:1} errors oops'),
  },
  { surface: 'chat ops', input: 'an unknown decision', field: 'decide', send: slash('decide c-doors nuke') },
  { surface: 'chat ops', input: 'an unknown command', field: 'frobnicate', send: slash('frobnicate c-doors') },
  {
    surface: 'chat ops',
    input: 'a slash command without user_id',
    field: 'user_id',
    send: slackForm('commands', { text: 'status c-1' }),
  },
  {
    surface: 'chat ops',
    input: 'an interaction payload that is not JSON',
    field: 'payload',
    send: slackForm('interactions', { payload: '{not json' }),
  },
  {
    surface: 'chat ops',
    input: 'an interaction without a user',
    field: 'payload.user',
    send: slackForm('interactions', { payload: JSON.stringify({ type: 'block_actions', actions: [] }) }),
  },
  {
    surface: 'chat ops',
    input: 'a button whose change id is a MongoDB operator',
    field: 'actions.0.value.changeId',
    send: button(JSON.stringify({ changeId: { $gt: '' }, questionId: 'q-1', decision: 'rollback' })),
  },
  {
    surface: 'chat ops',
    input: 'a button carrying an unknown decision',
    field: 'actions.0.value.decision',
    send: button(JSON.stringify({ changeId: 'c-doors', questionId: 'q-1', decision: 'nuke' })),
  },
  {
    surface: 'chat ops',
    input: 'a command sent as JSON instead of a signed form',
    field: 'X-Slack-Signature',
    send: async ({ api }) => {
      const response = await fetch(`${api.url}/slack/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: SLACK_USER, text: 'status c-1' }),
      });
      return { refused: response.status === 401, text: await response.text() };
    },
  },
  {
    surface: 'chat ops',
    input: 'a 100 KB slash command',
    field: 'body',
    send: slackForm('commands', { user_id: SLACK_USER, text: `status ${'x'.repeat(100 * 1024)}` }),
  },

  // The typed client (what every interface uses to start workflows)
  { surface: 'client', input: 'a request that is null', field: '(root)', send: start(() => null) },
  {
    surface: 'client',
    input: 'a request that is an array',
    field: '(root)',
    send: start(() => [validRequest(flowStep(FLOW))]),
  },
  {
    surface: 'client',
    input: 'a change id "$gt"',
    field: 'change id',
    send: start(() => validRequest(flowStep(FLOW)), '$gt'),
  },
  {
    surface: 'client',
    input: 'a change id climbing directories',
    field: 'change id',
    send: start(() => validRequest(flowStep(FLOW)), 'a/../../b'),
  },
  {
    surface: 'client',
    input: 'an unknown target kind',
    field: 'steps.0.target',
    send: start(() =>
      validRequest({ id: 'shell', target: 'mongo-shell', spec: { eval: 'db.dropDatabase()' } } as never),
    ),
  },
  {
    surface: 'client',
    input: 'a lead filter whose value is an operator object {"$gt": ""}',
    field: 'steps.0.spec.filter.score',
    send: start(() => validRequest(leadStep({ score: { $gt: '' } }))),
  },
  {
    surface: 'client',
    input: 'an objectId that is not hexadecimal',
    field: 'steps.0.spec.id',
    send: start(() => validRequest(documentStep({ idType: 'objectId', id: 'zzzzzzzzzzzzzzzzzzzzzzzz' }))),
  },
  {
    surface: 'client',
    input: 'a 3 MB patch value',
    field: 'steps.0',
    send: start(flow([{ op: 'add', path: '/notes', value: 'x'.repeat(3 * 1024 * 1024) }])),
  },
  {
    surface: 'client',
    input: 'a patch value nested 100000 levels deep',
    field: 'steps.0.spec.patch.0.value.a.a',
    send: start(flow([{ op: 'add', path: '/x', value: nested(100_000) }])),
  },
  {
    surface: 'client',
    input: 'a request that contains itself',
    field: 'steps.0.spec.patch.0.value',
    send: start(() => cyclicRequest()),
  },
  {
    surface: 'client',
    input: 'a decision by actor "$where"',
    field: 'actor',
    send: client((d) => d.env.changes.decide('c-doors', { decision: 'approve', actor: '$where' })),
  },
  {
    surface: 'client',
    input: 'a rollback with an unknown category',
    field: 'category',
    send: client((d) =>
      d.env.changes.requestRollback('c-doors', { actor: 'ana@example.com', reason: 'x', category: 'vibes' as never }),
    ),
  },
  {
    surface: 'client',
    input: 'a list filter breaking out of its quotes',
    field: 'requestedBy',
    send: client((d) => d.env.changes.list({ requestedBy: "x' OR 'a'='a" })),
  },
  {
    surface: 'client',
    input: 'a forged page token',
    field: 'nextPageToken',
    send: client((d) => d.env.changes.list({ nextPageToken: '!!not-a-token!!' })),
  },
];

/** A change request whose patch value is nested `depth` levels, as JSON text (JSON.stringify itself would overflow). */
function deepJson(depth: number): string {
  return JSON.stringify(flow([{ op: 'add', path: '/x', value: '@' }])()).replace(
    '"@"',
    `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );
}

function yamlBomb(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  return `${lines.join('\n')}\ntitle: *j\n`;
}

function cyclicRequest(): unknown {
  const value: Record<string, unknown> = {};
  value.self = value;
  return validRequest(flowStep(FLOW, [{ op: 'add', path: '/x', value }]));
}

describeDoorCases('bad input at every door: refused naming the field; nothing started, written or sent', cases, {
  identity: CALLER,
  minCases: 50,
});
