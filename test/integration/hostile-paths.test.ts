import type { Identity } from '../../src/auth/identity';
import { flowStep, validRequest, webhookStep } from '../helpers/bad-input';
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
  SLACK_USER,
  start,
  startFile,
  type DoorCase,
  type Doors,
} from '../helpers/doors';
import { blockActionsPayload } from '../helpers/slack';

/**
 * A requester-only token trying to reach the worker's prototypes, the product's own collections
 * and collections the operator did not allow — at every door (test/helpers/doors.ts): each input is
 * refused naming its field, and nothing is started, written or sent; the harness also checks that
 * the built-in prototypes kept their keys after every case.
 */

const REQUESTER: Identity = { actor: 'requester@example.com', roles: ['requester'], groups: [] };

/** The operator allows lead-data steps on `leads` and mongo-document steps on `partner_settings` only. */
const OPERATOR_ENV = {
  TARGET_COLLECTIONS: 'lead-data=leads;mongo-document=partner_settings',
  REDACTED_LEAD_FIELDS: 'contact.email',
};

const leadStep = (spec: Record<string, unknown>) =>
  ({
    id: 'requalify',
    target: 'lead-data',
    spec: { collection: 'leads', filter: { batch: 'b1' }, set: { status: 'qualified' }, ...spec },
  }) as never;
const documentStep = (spec: Record<string, unknown>) =>
  ({
    id: 'partner-settings',
    target: 'mongo-document',
    spec: { collection: 'partner_settings', id: 'partner-a', op: 'set', fields: { retries: 5 }, ...spec },
  }) as never;
const crmStep = (spec: Record<string, unknown>) =>
  ({
    id: 'tier',
    target: 'crm',
    spec: { action: 'update-record', objectType: 'contacts', recordId: '1', properties: { tier: 'gold' }, ...spec },
  }) as never;
const leads = (spec: Record<string, unknown>) => validRequest(leadStep(spec));
const doc = (spec: Record<string, unknown>) => validRequest(documentStep(spec));
const hook = (forward: Record<string, unknown>) => (d: Doors) =>
  validRequest(webhookStep(d.peers.webhook.url, forward));

/** A valid request as JSON text with `raw` spliced in where `"MARK":1` is: keys JSON.stringify cannot write from an object literal. */
const rawJson = (request: unknown, raw: string) => JSON.stringify(request).replace('"MARK":1', raw);

const START = '/v1/changes';
const post = (body: unknown) => api('POST', START, body);

/** A collection of the product's own, named as a step's target: what writing it would do to the product. */
const reserved: [string, string, 'lead-data' | 'mongo-document'][] = [
  ['target_locks', 'orphan the locks of running changes', 'lead-data'],
  ['http_sends', "mark a victim's compensating call as delivered", 'mongo-document'],
  ['change_requests', 'rewrite what a later rollback restores', 'mongo-document'],
  ['chatops_seen_requests', 'expire the chat-ops replay guard', 'lead-data'],
  ['lead_events', 'forge the metric events triggers read', 'mongo-document'],
  ['notifications', 'rewrite the notification outbox', 'mongo-document'],
  ['recovery_points', 'replace a before-image', 'lead-data'],
  ['system.users', 'reach a system collection', 'mongo-document'],
  ['Target_Locks', 'reach the locks with other letter case', 'mongo-document'],
];

const cases: DoorCase[] = [
  // HTTP API: raw prototype keys in the JSON body, answered as a 400 naming where they were
  {
    surface: 'HTTP API',
    input: 'a raw "__proto__" key in mongo-document fields',
    field: 'steps.0.spec.fields.__proto__',
    send: rawApi(START, rawJson(doc({ fields: { MARK: 1 } }), '"__proto__":{"polluted":true}'), 'application/json'),
  },
  {
    surface: 'HTTP API',
    input: 'a raw "constructor.prototype" object in lead-data set',
    field: 'steps.0.spec.set.constructor',
    send: rawApi(
      START,
      rawJson(leads({ set: { MARK: 1 } }), '"constructor":{"prototype":{"polluted":true}}'),
      'application/json',
    ),
  },
  {
    surface: 'HTTP API',
    input: 'a raw "__proto__" key at the top of the request',
    field: '"path":"__proto__"',
    send: rawApi(
      START,
      rawJson({ ...leads({}), MARK: 1 }, '"__proto__":{"risk":"low","policy":{"approval":"none"}}'),
      'application/json',
    ),
  },
  // HTTP API: prototype paths in every spec kind
  {
    surface: 'HTTP API',
    input: 'a lead-data set path "__proto__.polluted"',
    field: 'steps.0.spec.set.__proto__.polluted',
    send: post(leads({ set: { '__proto__.polluted': true } })),
  },
  {
    surface: 'HTTP API',
    input: 'a lead-data unset path "__proto__.hasOwnProperty"',
    field: 'steps.0.spec.unset.0',
    send: post(leads({ set: undefined, unset: ['__proto__.hasOwnProperty'] })),
  },
  {
    surface: 'HTTP API',
    input: 'a lead-data filter on "constructor.name"',
    field: 'steps.0.spec.filter.constructor.name',
    send: post(leads({ filter: { 'constructor.name': 'Object' } })),
  },
  {
    surface: 'HTTP API',
    input: 'a mongo-document set path "constructor.prototype.polluted"',
    field: 'steps.0.spec.fields.constructor.prototype.polluted',
    send: post(doc({ fields: { 'constructor.prototype.polluted': true } })),
  },
  {
    surface: 'HTTP API',
    input: 'a mongo-document unset path "__proto__.hasOwnProperty"',
    field: 'steps.0.spec.fields.0',
    send: post(doc({ op: 'unset', fields: ['__proto__.hasOwnProperty'] })),
  },
  {
    surface: 'HTTP API',
    input: 'a flow-config patch adding "/__proto__/polluted"',
    field: 'steps.0.spec.patch.0.path',
    send: post(validRequest(flowStep(FLOW, [{ op: 'add', path: '/__proto__/polluted', value: true }]))),
  },
  {
    surface: 'HTTP API',
    input: 'a flow-config patch moving from "/constructor/prototype"',
    field: 'steps.0.spec.patch.0.from',
    send: post(validRequest(flowStep(FLOW, [{ op: 'move', from: '/constructor/prototype', path: '/x' }]))),
  },
  {
    surface: 'HTTP API',
    input: 'a CRM record property "constructor"',
    field: 'steps.0.spec.properties.constructor',
    send: post(validRequest(crmStep({ properties: { constructor: 'x' } }))),
  },
  {
    surface: 'HTTP API',
    input: 'a webhook body key "prototype"',
    field: 'steps.0.spec.forward.body.prototype',
    send: async (d) => post(hook({ body: { prototype: { polluted: true } } })(d))(d),
  },
  {
    surface: 'HTTP API',
    input: 'a webhook header named "constructor"',
    field: 'steps.0.spec.forward.headers.constructor',
    send: async (d) => post(hook({ headers: { constructor: 'x' } })(d))(d),
  },
  {
    surface: 'HTTP API',
    input: 'a step id "constructor"',
    field: 'steps.0.id',
    send: post(validRequest({ ...flowStep(FLOW), id: 'constructor' })),
  },
  // HTTP API: the product's own collections, system collections, outside the allow-list
  ...reserved.map(([collection, harm, kind]): DoorCase => ({
    surface: 'HTTP API',
    input: `a ${kind} step on "${collection}" (would ${harm})`,
    field: 'steps.0.spec.collection',
    send: post(kind === 'lead-data' ? leads({ collection }) : doc({ collection })),
  })),
  {
    surface: 'HTTP API',
    input: 'a rehearsal of a lead-data step on "rehearsal_leases"',
    field: 'request.steps.0.spec.collection',
    send: api('POST', '/v1/rehearsals', { request: leads({ collection: 'rehearsal_leases' }) }),
  },
  {
    surface: 'HTTP API',
    input: 'a mongo-document step on "users", outside the allow-list',
    field: 'steps.0.spec.collection',
    send: post(doc({ collection: 'users' })),
  },
  {
    surface: 'HTTP API',
    input: 'a lead-data step on "leads_archive", outside the allow-list',
    field: 'steps.0.spec.collection',
    send: post(leads({ collection: 'leads_archive' })),
  },

  // CLI: JSON and YAML change files
  {
    surface: 'CLI',
    input: 'a JSON file with a raw "__proto__" key in lead-data set',
    field: 'steps.0.spec.set.__proto__',
    send: cli(() => ['start', '{dir}/proto.json'], {
      name: 'proto.json',
      content: () => rawJson(leads({ set: { MARK: 1 } }), '"__proto__":{"polluted":true}'),
    }),
  },
  {
    surface: 'CLI',
    input: 'a YAML file with a top-level "__proto__:" key',
    field: '"path": "__proto__"',
    send: cli(() => ['start', '{dir}/proto.yaml'], {
      name: 'proto.yaml',
      content: () =>
        `__proto__:\n  policy: { approval: none }\ntitle: x\nrequestedBy: requester@example.com\nsteps:\n  - id: cap\n    target: flow-config\n    spec: { flowId: ${FLOW}, patch: [{ op: replace, path: /pricing/cap, value: 35 }] }\n`,
    }),
  },
  {
    surface: 'CLI',
    input: 'a YAML file with a "constructor:" document field',
    field: 'steps.0.spec.fields.constructor',
    send: cli(() => ['start', '{dir}/ctor.yaml'], {
      name: 'ctor.yaml',
      content: () =>
        'title: x\nrequestedBy: requester@example.com\nsteps:\n  - id: settings\n    target: mongo-document\n    spec:\n      collection: partner_settings\n      id: partner-a\n      op: set\n      fields:\n        constructor: { prototype: { polluted: true } }\n',
    }),
  },
  {
    surface: 'CLI',
    input: 'a YAML lead-data unset of "__proto__.hasOwnProperty"',
    field: 'steps.0.spec.unset.0',
    send: cli(() => ['start', '{dir}/unset.yaml'], {
      name: 'unset.yaml',
      content: () =>
        'title: x\nrequestedBy: requester@example.com\nsteps:\n  - id: requalify\n    target: lead-data\n    spec:\n      filter: { batch: b1 }\n      unset: ["__proto__.hasOwnProperty"]\n',
    }),
  },
  {
    surface: 'CLI',
    input: 'a restore with a YAML policy file carrying "__proto__:"',
    field: 'options.policy.__proto__',
    send: cli(
      () => [
        'restore',
        FLOW,
        '--version',
        '1',
        '--requested-by',
        'requester@example.com',
        '--policy',
        '{dir}/policy.yaml',
      ],
      { name: 'policy.yaml', content: () => '__proto__:\n  approval: none\nonStepFailure: rollback\n' },
    ),
  },
  {
    surface: 'CLI',
    input: 'a lead-data step on "lead_events"',
    field: 'steps.0.spec.collection',
    send: startFile('events.json', () => leads({ collection: 'lead_events' })),
  },
  {
    surface: 'CLI',
    input: 'a mongo-document step on "target_locks"',
    field: 'steps.0.spec.collection',
    send: startFile('locks.json', () => doc({ collection: 'target_locks' })),
  },
  {
    surface: 'CLI',
    input: 'a mongo-document step on "users", outside the allow-list',
    field: 'steps.0.spec.collection',
    send: startFile('users.json', () => doc({ collection: 'users' })),
  },
  {
    surface: 'CLI',
    input: 'a CRM property named "prototype"',
    field: 'steps.0.spec.name',
    send: startFile('crm.json', () =>
      validRequest(
        crmStep({ action: 'delete-property', recordId: undefined, properties: undefined, name: 'prototype' }),
      ),
    ),
  },

  // Chat ops: change ids, button values and payloads
  {
    surface: 'chat ops',
    input: 'status of change "constructor"',
    field: 'change id',
    send: slash('status constructor'),
  },
  { surface: 'chat ops', input: 'status of change "__proto__"', field: 'change id', send: slash('status __proto__') },
  {
    surface: 'chat ops',
    input: 'rollback of change "prototype"',
    field: 'change id',
    send: slash('rollback prototype errors oops'),
  },
  {
    surface: 'chat ops',
    input: 'a button value with a raw "__proto__" key',
    field: 'actions.0.value.__proto__',
    send: button('{"changeId":"c-doors","questionId":"q-1","decision":"rollback","__proto__":{"decision":"approve"}}'),
  },
  {
    surface: 'chat ops',
    input: 'a button for change "constructor"',
    field: 'actions.0.value.changeId',
    send: button(JSON.stringify({ changeId: 'constructor', questionId: 'q-1', decision: 'rollback' })),
  },
  {
    surface: 'chat ops',
    input: 'an interaction payload with a raw "__proto__" key',
    field: 'payload.__proto__',
    send: slackForm('interactions', {
      payload: blockActionsPayload(
        SLACK_USER,
        {
          action_id: 'decide:rollback',
          value: JSON.stringify({ changeId: 'c-doors', questionId: 'q-1', decision: 'rollback' }),
        },
        'https://hooks.slack.com/actions/T0/1/x',
      ).payload!.replace(
        '"type":"block_actions"',
        '"type":"block_actions","__proto__":{"response_url":"https://evil.example/steal"}',
      ),
    }),
  },

  // The typed client
  {
    surface: 'client',
    input: 'a request whose prototype carries its policy (a { __proto__: … } literal)',
    field: '(root)',
    send: start(() => ({ __proto__: { risk: 'low', policy: { approval: 'none' } }, ...leads({}) })),
  },
  {
    surface: 'client',
    input: 'a parsed request with a raw "__proto__" key in document fields',
    field: 'steps.0.spec.fields.__proto__',
    send: start(() => JSON.parse(rawJson(doc({ fields: { MARK: 1 } }), '"__proto__":{"polluted":true}')) as unknown),
  },
  {
    surface: 'client',
    input: 'a replacement document with a "constructor" key',
    field: 'steps.0.spec.document.constructor',
    send: start(
      () =>
        JSON.parse(
          JSON.stringify(
            doc({ op: 'replace', fields: undefined, document: { constructor: { prototype: { polluted: true } } } }),
          ),
        ) as unknown,
    ),
  },
  {
    surface: 'client',
    input: 'a lead-data step on "rehearsal_reports"',
    field: 'steps.0.spec.collection',
    send: start(() => leads({ collection: 'rehearsal_reports' })),
  },
  {
    surface: 'client',
    input: 'a mongo-document step on "document_writes"',
    field: 'steps.0.spec.collection',
    send: start(() => doc({ collection: 'document_writes' })),
  },
  {
    surface: 'client',
    input: 'a mongo-document step on "partner_secrets", outside the allow-list',
    field: 'steps.0.spec.collection',
    send: start(() => doc({ collection: 'partner_secrets' })),
  },
  {
    surface: 'client',
    input: 'a rehearsal of a mongo-document step on "rehearsal_leases"',
    field: 'steps.0.spec.collection',
    send: client((d) =>
      d.env.changes.startRehearsal(
        { request: doc({ collection: 'rehearsal_leases' }) as never },
        { rehearsalId: 'r-doors' },
      ),
    ),
  },
  {
    surface: 'client',
    input: 'a list filter with a raw "__proto__" key',
    field: '__proto__',
    send: client((d) => d.env.changes.list(JSON.parse('{"__proto__":{"pageSize":1}}') as never)),
  },
  {
    surface: 'client',
    input: 'a decision whose prototype carries the actor',
    field: '(root)',
    send: client((d) =>
      d.env.changes.decide('c-doors', { __proto__: { actor: 'ceo@example.com' }, decision: 'approve' } as never),
    ),
  },
];

describeDoorCases(
  'hostile paths and targets from a requester-only token: refused naming the field; nothing started, written or sent; no prototype touched',
  cases,
  {
    identity: REQUESTER,
    minCases: 25,
    operatorEnv: OPERATOR_ENV,
  },
);
