import type { Identity } from '../../src/auth/identity';
import { validRequest, webhookStep } from '../helpers/bad-input';
import {
  api,
  cli,
  client,
  describeDoorCases,
  slackForm,
  start,
  startFile,
  SLACK_USER,
  type DoorCase,
  type Doors,
} from '../helpers/doors';
import { OTHER_PARTNER } from '../helpers/peers';
import { blockActionsPayload } from '../helpers/slack';

/**
 * A requester trying to make the worker call somewhere no configured partner allows — cloud
 * metadata, loopback admin ports, private ranges, another partner's origin, the partner's origin
 * in a form the URL parser would repair — or to smuggle credentials and headers that would turn a
 * partner call into something else. Every case is refused at its door naming the field, and
 * afterwards no workflow, no write and no request to either peer (test/helpers/doors.ts). The
 * peers are the configured partners: partner-a is the webhook peer, partner-b the CRM peer's
 * origin, both on loopback with allowPrivateNetwork.
 */

const REQUESTER: Identity = { actor: 'requester@example.com', roles: ['requester'], groups: [] };

type Url = (d: Doors) => string;
/** partner-a's origin, e.g. http://127.0.0.1:41234 */
const origin: Url = (d) => d.peers.webhook.url;
/** 127.0.0.1:41234 */
const hostPort: Url = (d) => new URL(d.peers.webhook.url).host;
const port: Url = (d) => new URL(d.peers.webhook.url).port;

/** A valid reversible webhook step of partner-a whose forward request has `forward` (and the spec `spec`). */
const hook =
  (forward: (d: Doors) => Record<string, unknown>, spec: (d: Doors) => Record<string, unknown> = () => ({})) =>
  (d: Doors) =>
    validRequest(webhookStep(origin(d), forward(d), spec(d)));
const to = (url: Url) => hook((d) => ({ url: url(d) }));
const withHeader = (name: string, value = 'x') => hook(() => ({ headers: { [name]: value } }));

const startApi = (request: (d: Doors) => unknown) => (d: Doors) => api('POST', '/v1/changes', request(d))(d);
const rehearseApi = (request: (d: Doors) => unknown) => (d: Doors) =>
  api('POST', '/v1/rehearsals', { request: request(d) })(d);
const rehearseCli = (name: string, request: (d: Doors) => unknown) =>
  cli(() => ['rehearse', `{dir}/${name}`], { name, content: (d) => JSON.stringify(request(d)) });
const rehearseClient = (request: (d: Doors) => unknown) =>
  client((d) => d.env.changes.startRehearsal({ request: request(d) as never }, { rehearsalId: 'doors-rehearsal' }));

/** A signed decision button whose `response_url` (where the outcome would be posted) is `url`. */
const buttonTo = (url: Url) => (d: Doors) =>
  slackForm(
    'interactions',
    blockActionsPayload(
      SLACK_USER,
      {
        action_id: 'decide:rollback',
        value: JSON.stringify({ changeId: 'c-doors', questionId: 'q-1', decision: 'rollback' }),
      },
      url(d),
    ),
  )(d);

const FORWARD = 'steps.0.spec.forward.url';

const cases: DoorCase[] = [
  // HTTP API: destinations no partner allows
  {
    surface: 'HTTP API',
    input: 'a webhook to cloud metadata (169.254.169.254)',
    field: FORWARD,
    send: startApi(to(() => 'http://169.254.169.254/latest/meta-data/iam/security-credentials/')),
  },
  {
    surface: 'HTTP API',
    input: 'a webhook to GCP metadata by name',
    field: FORWARD,
    send: startApi(
      to(() => 'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token'),
    ),
  },
  {
    surface: 'HTTP API',
    input: 'a webhook to AWS IPv6 metadata [fd00:ec2::254]',
    field: FORWARD,
    send: startApi(to(() => 'http://[fd00:ec2::254]/latest/meta-data/')),
  },
  {
    surface: 'HTTP API',
    input: "the Temporal frontend's loopback port",
    field: FORWARD,
    send: startApi(to(() => 'http://127.0.0.1:7233/')),
  },
  {
    surface: 'HTTP API',
    input: 'the Temporal HTTP API on loopback',
    field: FORWARD,
    send: startApi(to(() => 'http://127.0.0.1:7243/api/v1/namespaces/default/workflows')),
  },
  {
    surface: 'HTTP API',
    input: 'a private address (10.0.0.5)',
    field: FORWARD,
    send: startApi(to(() => 'http://10.0.0.5/admin')),
  },
  {
    surface: 'HTTP API',
    input: "partner-a's port on an IPv4-mapped IPv6 loopback",
    field: FORWARD,
    send: startApi(to((d) => `http://[::ffff:127.0.0.1]:${port(d)}/hooks/routes`)),
  },
  {
    surface: 'HTTP API',
    input: 'a partner that is not configured',
    field: 'steps.0.spec.partner',
    send: startApi(
      hook(
        () => ({}),
        () => ({ partner: 'partner-z' }),
      ),
    ),
  },
  {
    surface: 'HTTP API',
    input: 'a step naming a secret instead of a partner',
    field: 'steps.0.spec.secret',
    send: startApi(
      hook(
        () => ({}),
        () => ({ secret: 'partner-a' }),
      ),
    ),
  },
  {
    surface: 'HTTP API',
    input: "partner-a's step on partner-b's origin (its secret signing for another partner)",
    field: FORWARD,
    send: startApi(to((d) => `${d.peers.crm.url}/crm/v3/objects/contacts/1`)),
  },
  {
    surface: 'HTTP API',
    input: "partner-b's step with a compensating URL on partner-a's origin",
    field: 'steps.0.spec.compensate.url',
    send: startApi(
      hook(
        (d) => ({ url: `${d.peers.crm.url}/hooks` }),
        () => ({ partner: OTHER_PARTNER }),
      ),
    ),
  },
  // HTTP API: partner-a's origin in forms the URL parser would repair
  {
    surface: 'HTTP API',
    input: 'the scheme without slashes (http:host)',
    field: FORWARD,
    send: startApi(to((d) => `http:${hostPort(d)}/hooks/routes`)),
  },
  {
    surface: 'HTTP API',
    input: 'one slash after the scheme (http:/host)',
    field: FORWARD,
    send: startApi(to((d) => `http:/${hostPort(d)}/hooks/routes`)),
  },
  {
    surface: 'HTTP API',
    input: 'a leading space',
    field: FORWARD,
    send: startApi(to((d) => ` ${origin(d)}/hooks/routes`)),
  },
  {
    surface: 'HTTP API',
    input: 'a tab inside the scheme',
    field: FORWARD,
    send: startApi(to((d) => `ht\ttp://${hostPort(d)}/hooks/routes`)),
  },
  {
    surface: 'HTTP API',
    input: 'a backslash after the host',
    field: FORWARD,
    send: startApi(to((d) => `${origin(d)}\\@evil.example/`)),
  },
  {
    surface: 'HTTP API',
    input: "the partner's origin as userinfo of another host",
    field: FORWARD,
    send: startApi(to((d) => `${origin(d)}@evil.example/hooks`)),
  },
  // HTTP API: credentials and headers
  {
    surface: 'HTTP API',
    input: 'an access_token in the query',
    field: FORWARD,
    send: startApi(to((d) => `${origin(d)}/hooks/routes?access_token=stolen-or-own`)),
  },
  {
    surface: 'HTTP API',
    input: 'an Expect header (never sent: failed locally as "uncertain")',
    field: 'steps.0.spec.forward.headers.Expect',
    send: startApi(withHeader('Expect', '100-continue')),
  },
  {
    surface: 'HTTP API',
    input: 'an Upgrade header',
    field: 'steps.0.spec.forward.headers.Upgrade',
    send: startApi(withHeader('Upgrade', 'websocket')),
  },
  {
    surface: 'HTTP API',
    input: 'an X-Forwarded-For header',
    field: 'steps.0.spec.forward.headers.X-Forwarded-For',
    send: startApi(withHeader('X-Forwarded-For', '10.0.0.1')),
  },
  // HTTP API: rehearsals
  {
    surface: 'HTTP API',
    input: 'a rehearsal of a webhook to cloud metadata',
    field: FORWARD,
    send: rehearseApi(to(() => 'http://169.254.169.254/latest/')),
  },
  {
    surface: 'HTTP API',
    input: 'a rehearsal with the scheme without slashes',
    field: FORWARD,
    send: rehearseApi(to((d) => `http:${hostPort(d)}/hooks/routes`)),
  },
  {
    surface: 'HTTP API',
    input: 'a rehearsal of a partner that is not configured',
    field: 'steps.0.spec.partner',
    send: rehearseApi(
      hook(
        () => ({}),
        () => ({ partner: 'partner-z' }),
      ),
    ),
  },

  // CLI (spawned, --json, partners from its environment)
  {
    surface: 'CLI',
    input: 'a change file with a webhook to cloud metadata',
    field: FORWARD,
    send: startFile(
      'metadata.json',
      to(() => 'http://169.254.169.254/latest/'),
    ),
  },
  {
    surface: 'CLI',
    input: 'a change file naming an unknown partner',
    field: 'steps.0.spec.partner',
    send: startFile(
      'unknown.json',
      hook(
        () => ({}),
        () => ({ partner: 'partner-z' }),
      ),
    ),
  },
  {
    surface: 'CLI',
    input: "a change file on partner-b's origin",
    field: FORWARD,
    send: startFile(
      'other.json',
      to((d) => `${d.peers.crm.url}/hooks`),
    ),
  },
  {
    surface: 'CLI',
    input: 'a change file with a leading space before the URL',
    field: FORWARD,
    send: startFile(
      'space.json',
      to((d) => ` ${origin(d)}/hooks/routes`),
    ),
  },
  {
    surface: 'CLI',
    input: 'a change file with a token in the compensating URL',
    field: 'steps.0.spec.compensate.url',
    send: startFile(
      'token.json',
      hook(
        () => ({}),
        (d) => ({ compensate: { method: 'DELETE', url: `${origin(d)}/hooks/routes?token=abc` } }),
      ),
    ),
  },
  {
    surface: 'CLI',
    input: 'a change file with a Keep-Alive header',
    field: 'steps.0.spec.forward.headers.Keep-Alive',
    send: startFile('keepalive.json', withHeader('Keep-Alive', 'timeout=5')),
  },
  {
    surface: 'CLI',
    input: 'a rehearsal file with one slash after the scheme',
    field: FORWARD,
    send: rehearseCli(
      'rehearse-form.json',
      to((d) => `http:/${hostPort(d)}/hooks/routes`),
    ),
  },
  {
    surface: 'CLI',
    input: 'a rehearsal file to a loopback admin port',
    field: FORWARD,
    send: rehearseCli(
      'rehearse-admin.json',
      to(() => 'http://127.0.0.1:7233/'),
    ),
  },

  // Chat ops: where a button's outcome would be posted
  {
    surface: 'chat ops',
    input: 'a button whose response_url is cloud metadata',
    field: 'payload.response_url',
    send: buttonTo(() => 'http://169.254.169.254/latest/meta-data/'),
  },
  {
    surface: 'chat ops',
    input: "a button whose response_url is partner-a's endpoint (loopback)",
    field: 'payload.response_url',
    send: buttonTo((d) => `${origin(d)}/hooks/routes`),
  },
  {
    surface: 'chat ops',
    input: 'a button whose response_url has the scheme without slashes',
    field: 'payload.response_url',
    send: buttonTo(() => 'https:hooks.slack.com/actions/T0/1/x'),
  },
  {
    surface: 'chat ops',
    input: "a button whose response_url hides another host behind Slack's",
    field: 'payload.response_url',
    send: buttonTo(() => 'https://hooks.slack.com@evil.example/actions'),
  },
  {
    surface: 'chat ops',
    input: "a button whose response_url only starts like Slack's host",
    field: 'payload.response_url',
    send: buttonTo(() => 'https://hooks.slack.com.evil.example/actions'),
  },

  // The typed client
  {
    surface: 'client',
    input: 'cloud metadata as a mapped IPv6 address',
    field: FORWARD,
    send: start(to(() => 'http://[::ffff:169.254.169.254]/latest/')),
  },
  {
    surface: 'client',
    input: 'loopback by name on the partner port',
    field: FORWARD,
    send: start(to((d) => `http://localhost:${port(d)}/hooks/routes`)),
  },
  {
    surface: 'client',
    input: 'loopback as a decimal number on the partner port',
    field: FORWARD,
    send: start(to((d) => `http://2130706433:${port(d)}/hooks/routes`)),
  },
  {
    surface: 'client',
    input: 'the unspecified address 0.0.0.0',
    field: FORWARD,
    send: start(to((d) => `http://0.0.0.0:${port(d)}/hooks/routes`)),
  },
  {
    surface: 'client',
    input: 'a partner that is not configured',
    field: 'steps.0.spec.partner',
    send: start(
      hook(
        () => ({}),
        () => ({ partner: 'partner-z' }),
      ),
    ),
  },
  {
    surface: 'client',
    input: "partner-a's step on partner-b's origin",
    field: FORWARD,
    send: start(to((d) => `${d.peers.crm.url}/crm/v3/properties/contacts`)),
  },
  {
    surface: 'client',
    input: 'an X-HTTP-Method-Override header (a method the signature does not cover)',
    field: 'steps.0.spec.forward.headers.X-HTTP-Method-Override',
    send: start(withHeader('X-HTTP-Method-Override', 'DELETE')),
  },
  {
    surface: 'client',
    input: 'a Proxy-Authorization header',
    field: 'steps.0.spec.forward.headers.Proxy-Authorization',
    send: start(withHeader('Proxy-Authorization', 'Basic x')),
  },
  {
    surface: 'client',
    input: 'an api_key in the query',
    field: FORWARD,
    send: start(to((d) => `${origin(d)}/hooks/routes?api_key=abc`)),
  },
  {
    surface: 'client',
    input: 'a rehearsal with a backslash after the host',
    field: FORWARD,
    send: rehearseClient(to((d) => `${origin(d)}\\hooks\\routes`)),
  },
  {
    surface: 'client',
    input: "a rehearsal on partner-b's origin",
    field: FORWARD,
    send: rehearseClient(to((d) => `${d.peers.crm.url}/hooks`)),
  },
];

describeDoorCases(
  'a requester aiming outbound calls anywhere but a configured partner: refused naming the field; nothing started, written or sent',
  cases,
  { identity: REQUESTER, minCases: 25 },
);
