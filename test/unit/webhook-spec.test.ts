import { changeRequestSchema, type Step } from '../../src/domain/change-request';
import { isIrreversible } from '../../src/domain/step-policy';
import { parseOrThrow, ValidationError } from '../../src/domain/validation';
import { renderHeader, renderJson, renderUrl, templateProblem } from '../../src/domain/targets/webhook-template';

const forward = {
  method: 'POST',
  url: 'https://partner.example.com/hooks/routes?change={{changeId}}',
  body: { change: '{{changeId}}', step: '{{stepId}}' },
};
const compensate = { method: 'DELETE', url: 'https://partner.example.com/hooks/routes/{{changeId}}-{{stepId}}' };

function request(spec: Record<string, unknown>) {
  return {
    title: 'Tell the partner',
    requestedBy: 'ops@example.com',
    steps: [{ id: 'notify', target: 'webhook', spec: { partner: 'partner-a', ...spec } }],
  };
}

function issuesOf(spec: Record<string, unknown>): { path: string; message: string }[] {
  try {
    parseOrThrow(changeRequestSchema, request(spec), 'change request');
  } catch (err) {
    if (err instanceof ValidationError) return err.issues;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('webhook step spec', () => {
  test('given a forward and a compensating request, when parsed, then it is accepted as is', () => {
    const parsed = parseOrThrow(changeRequestSchema, request({ forward, compensate }), 'change request');
    expect(parsed.steps[0]).toMatchObject({ target: 'webhook', spec: { forward, compensate, partner: 'partner-a' } });
  });

  test.each([
    ['ftp://partner.example.com/x', 'must be an http or https URL, not ftp'],
    ['file:///etc/passwd', 'must be an http or https URL, not file'],
    ['javascript:alert(1)', 'must be an http or https URL, not javascript'],
    ['gopher://127.0.0.1:6379/_FLUSHALL', 'must be an http or https URL, not gopher'],
    ['/relative/path', 'must be an absolute http or https URL'],
    ['https://user:pass@partner.example.com/x', "must not carry credentials: the partner's secret signs every request"],
    ['https://user@partner.example.com/x', "must not carry credentials: the partner's secret signs every request"],
    [
      'https://{{changeId}}.partner.example.com/x',
      'template variables may only appear in the path and query, not in the host',
    ],
  ])('given the forward URL %p, when parsed, then steps.0.spec.forward.url is refused: %s', (url, message) => {
    expect(issuesOf({ forward: { ...forward, url }, compensate })).toEqual([
      { path: 'steps.0.spec.forward.url', message },
    ]);
  });

  test('given a non-http compensate URL, when parsed, then the compensate URL is named', () => {
    expect(
      issuesOf({ forward, compensate: { ...compensate, url: 'ws://partner.example.com/x' } }).map((i) => i.path),
    ).toEqual(['steps.0.spec.compensate.url']);
  });

  test.each([
    ['a value with CR LF', { 'X-Note': 'ok\r\nX-Injected: yes' }, 'steps.0.spec.forward.headers.X-Note'],
    ['a value with LF only', { 'X-Note': 'ok\nInjected: yes' }, 'steps.0.spec.forward.headers.X-Note'],
    ['a name with a colon', { 'X-Bad:Name': 'v' }, 'steps.0.spec.forward.headers.X-Bad:Name'],
    ['a name with CR LF', { 'X-A\r\nX-B': 'v' }, 'steps.0.spec.forward.headers.X-A\r\nX-B'],
    [
      'an Authorization header (credentials into history)',
      { Authorization: 'Bearer abc' },
      'steps.0.spec.forward.headers.Authorization',
    ],
    ['our own Idempotency-Key', { 'idempotency-key': 'mine' }, 'steps.0.spec.forward.headers.idempotency-key'],
    ['an unknown template variable', { 'X-Trace': '{{secret}}' }, 'steps.0.spec.forward.headers.X-Trace'],
  ])('given a header with %s, when parsed, then it is refused at %s', (_, headers, path) => {
    const issues = issuesOf({ forward: { ...forward, headers }, compensate });
    expect(issues.map((i) => i.path)).toContain(path);
  });

  test('given no compensating request and no irreversible flag, when parsed, then irreversible is required', () => {
    expect(issuesOf({ forward })).toEqual([
      {
        path: 'steps.0.spec.irreversible',
        message: 'a webhook without a compensate request must be declared irreversible: true',
      },
    ]);
  });

  test('given no compensating request and irreversible: false, when parsed, then it is refused', () => {
    expect(issuesOf({ forward, irreversible: false }).map((i) => i.path)).toEqual(['steps.0.spec.irreversible']);
  });

  test('given a compensating request and irreversible: true, when parsed, then the contradiction is refused', () => {
    expect(issuesOf({ forward, compensate, irreversible: true }).map((i) => i.path)).toContain(
      'steps.0.spec.irreversible',
    );
  });

  test('given a body string with an unknown template variable, when parsed, then its path inside the body is named', () => {
    const issues = issuesOf({ forward: { ...forward, body: { lead: { note: 'hi {{lead.email}}' } } }, compensate });
    expect(issues.map((i) => i.path)).toEqual(['steps.0.spec.forward.body.lead.note']);
  });

  test('given a body nested 40 levels deep, when parsed, then it is refused', () => {
    let body: unknown = 'x';
    for (let i = 0; i < 40; i++) body = { d: body };
    expect(issuesOf({ forward: { ...forward, body }, compensate }).map((i) => i.message)).toContain(
      'is nested deeper than 32 levels',
    );
  });

  test('given a step naming a secret (before partners), when parsed, then it is refused saying to name the partner', () => {
    expect(issuesOf({ forward, compensate, secret: 'partner-a' })).toEqual([
      { path: 'steps.0.spec.secret', message: expect.stringContaining('name the partner instead') },
    ]);
  });

  test('given no partner, or a partner name that is not a name, when parsed, then partner is named', () => {
    expect(issuesOf({ forward, compensate, partner: undefined }).map((i) => i.path)).toEqual(['steps.0.spec.partner']);
    expect(issuesOf({ forward, compensate, partner: 'Partner A/../b' }).map((i) => i.path)).toEqual([
      'steps.0.spec.partner',
    ]);
  });

  const FORM =
    'must be written as http:// or https:// (lowercase), a host, then "/", "?" or the end; no spaces, tabs, newlines or backslashes';
  test.each([
    ['the scheme without slashes', 'https:partner.example.com/hooks'],
    ['one slash after the scheme', 'https:/partner.example.com/hooks'],
    ['three slashes after the scheme', 'https:///partner.example.com/hooks'],
    ['a leading space', ' https://partner.example.com/hooks'],
    ['a trailing newline', 'https://partner.example.com/hooks\n'],
    ['a tab inside the scheme', 'ht\ttps://partner.example.com/hooks'],
    ['a newline inside the host', 'https://partner.exa\nmple.com/hooks'],
    ['a backslash after the host', 'https://partner.example.com\\hooks'],
    ['a backslash for the slashes', 'https:\\\\partner.example.com/hooks'],
    ['a capitalised scheme', 'HTTPS://partner.example.com/hooks'],
    ['a space in the path', 'https://partner.example.com/ho oks'],
  ])(
    'given a forward URL with %s (which the URL parser would repair), when parsed, then it is refused as written',
    (_, url) => {
      expect(issuesOf({ forward: { ...forward, url }, compensate })).toEqual([
        { path: 'steps.0.spec.forward.url', message: FORM },
      ]);
    },
  );

  test.each([
    ['token', 'https://partner.example.com/hooks?token=abc'],
    ['access_token', 'https://partner.example.com/hooks?a=1&access_token=abc'],
    ['API_KEY', 'https://partner.example.com/hooks?API_KEY=abc'],
    ['apikey', 'https://partner.example.com/hooks?apikey=abc'],
    ['key', 'https://partner.example.com/hooks?key={{changeId}}'],
    ['secret', 'https://partner.example.com/hooks?secret=abc'],
    ['client_secret', 'https://partner.example.com/hooks?client_secret=abc'],
    ['password', 'https://partner.example.com/hooks?password=abc'],
    ['sig', 'https://partner.example.com/hooks?sig=abc'],
    ['Signature', 'https://partner.example.com/hooks?Signature=abc'],
    ['auth', 'https://partner.example.com/hooks?auth=abc'],
    ['%74oken', 'https://partner.example.com/hooks?%74oken=abc'],
    ['x-api-key', 'https://partner.example.com/hooks?x-api-key=abc'],
  ])(
    'given a credential in the query (%s), when parsed, then it is refused: the partner secret signs instead',
    (key, url) => {
      expect(issuesOf({ forward: { ...forward, url }, compensate })).toEqual([
        {
          path: 'steps.0.spec.forward.url',
          message: `must not carry a credential in its query ("${key}"): the partner's secret signs every request`,
        },
      ]);
    },
  );

  test('given ordinary query keys that merely contain credential words, when parsed, then they are accepted', () => {
    const url = 'https://partner.example.com/hooks?monkey=1&keyword=solar&tokens_left=3&author=ana&route={{changeId}}';
    expect(
      parseOrThrow(changeRequestSchema, request({ forward: { ...forward, url }, compensate }), 'change request')
        .steps[0],
    ).toBeDefined();
  });

  test.each([
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['GCP metadata by name', 'http://metadata.google.internal/computeMetadata/v1/'],
    ['AWS IPv6 metadata', 'http://[fd00:ec2::254]/latest/'],
    ['metadata as a mapped IPv6', 'http://[::ffff:169.254.169.254]/latest/'],
    ['metadata as a decimal number', 'http://2852039166/latest/'],
    ['the unspecified address', 'http://0.0.0.0:7233/'],
  ])('given a URL to %s, when parsed, then it is refused whatever the partner (never called)', (_, url) => {
    const issues = issuesOf({ forward: { ...forward, url }, compensate });
    expect(issues).toEqual([
      { path: 'steps.0.spec.forward.url', message: expect.stringMatching(/^is refused: .* never called$/) },
    ]);
  });

  test.each([
    'Expect',
    'Upgrade',
    'Keep-Alive',
    'TE',
    'Trailer',
    'Proxy-Connection',
    'Proxy-Authorization',
    'Connection',
    'Host',
    'Content-Length',
    'Transfer-Encoding',
    'Via',
    'Forwarded',
    'X-Forwarded-For',
    'X-Forwarded-Host',
    'X-Real-IP',
    'X-HTTP-Method-Override',
    'X-Lead-Rollback-Signature',
    'x-lead-rollback-event',
    'Cookie',
  ])('given the header %s, when parsed, then it is refused naming the header', (name) => {
    const issues = issuesOf({ forward: { ...forward, headers: { [name]: 'x' } }, compensate });
    expect(issues).toEqual([
      { path: `steps.0.spec.forward.headers.${name}`, message: expect.stringContaining('cannot be set by a step') },
    ]);
  });

  test('given 429 as an expected status, or a conflict status also expected, when parsed, then both are refused', () => {
    const issues = issuesOf({
      forward: { ...forward, expectedStatus: [200, 429] },
      compensate: { ...compensate, conflictStatus: [200] },
    });
    expect(issues.map((i) => i.path)).toEqual([
      'steps.0.spec.forward.expectedStatus.1',
      'steps.0.spec.compensate.conflictStatus.0',
    ]);
  });

  test('given an unknown field (a typo), when parsed, then it is refused instead of ignored', () => {
    expect(issuesOf({ forward, compensate, irreversable: true }).map((i) => i.path)).toEqual(['steps.0.spec']);
  });
});

describe('webhook templates', () => {
  const values = { changeId: 'c-1', stepId: 's-1', idempotencyKey: 'c-1/s-1/forward' };

  test('given placeholders, when rendered into a JSON body, then values land inside strings, JSON-escaped', () => {
    const hostile = { ...values, changeId: 'x", "admin": true, "y": "\n' };
    const body = JSON.stringify(renderJson({ change: 'change {{changeId}}', n: 1, list: ['{{stepId}}'] }, hostile));
    expect(JSON.parse(body)).toEqual({ change: 'change x", "admin": true, "y": "\n', n: 1, list: ['s-1'] });
  });

  test('given a URL template, when rendered, then values are percent-encoded', () => {
    expect(
      renderUrl('https://p.example.com/r/{{idempotencyKey}}?c={{changeId}}', { ...values, changeId: 'a b&c' }),
    ).toBe('https://p.example.com/r/c-1%2Fs-1%2Fforward?c=a%20b%26c');
  });

  test('given a value with CR LF, when rendered into a header, then it is refused', () => {
    expect(() => renderHeader('id {{changeId}}', { ...values, changeId: 'a\r\nX-Evil: 1' })).toThrow(/CR, LF or NUL/);
    expect(renderHeader('id {{changeId}}', values)).toBe('id c-1');
  });

  test.each([
    ['{{changeId}}', undefined],
    ['{{ changeId }}', 'unknown template variable "{{ changeId }}"; use {{changeId}}, {{stepId}}, {{idempotencyKey}}'],
    [
      '{{constructor}}',
      'unknown template variable "{{constructor}}"; use {{changeId}}, {{stepId}}, {{idempotencyKey}}',
    ],
    ['{{changeId}', 'unbalanced "{{" or "}}" in template'],
    ['plain text', undefined],
  ])('given the template %p, when checked, then the problem is %p', (template, problem) => {
    expect(templateProblem(template)).toBe(problem);
  });
});

describe('isIrreversible', () => {
  const steps = parseOrThrow(
    changeRequestSchema,
    {
      title: 't',
      requestedBy: 'ops',
      steps: [
        { id: 'one-way', target: 'webhook', spec: { partner: 'partner-a', forward, irreversible: true } },
        { id: 'two-way', target: 'webhook', spec: { partner: 'partner-a', forward, compensate } },
        {
          id: 'flow',
          target: 'flow-config',
          spec: { flowId: 'solar', patch: [{ op: 'replace', path: '/a', value: 1 }] },
        },
      ],
      policy: { escalation: { levels: [{ name: 'partners', deciders: { actors: ['lead'] }, deadline: '1h' }] } },
    },
    'change request',
  ).steps as Step[];

  test('given an irreversible step and no escalation, when parsed, then the request is refused: someone must be able to approve it', () => {
    expect(() =>
      parseOrThrow(
        changeRequestSchema,
        {
          title: 't',
          requestedBy: 'ops',
          steps: [{ id: 'one-way', target: 'webhook', spec: { partner: 'partner-a', forward, irreversible: true } }],
        },
        'change request',
      ),
    ).toThrow(/policy\.escalation: required when .* a step is irreversible/);
  });

  test('given an irreversible webhook, a reversible one and a flow step, when asked, then only the first needs approval', () => {
    expect(steps.map(isIrreversible)).toEqual([true, false, false]);
  });
});
