import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseJsonBody } from '../../src/api/json-body';
import { RequestValidationError } from '../../src/api/problem';
import { readChangeFile } from '../../src/cli/input';
import { changeRequestSchema } from '../../src/domain/change-request';
import {
  documentKeyProblem,
  findUnsafeKey,
  pathSegmentProblem,
  plainEnv,
  PROTOTYPE_KEYS,
} from '../../src/domain/safe-keys';
import { parseOrThrow, ValidationError } from '../../src/domain/validation';

const request = (step: Record<string, unknown>) => ({
  title: 'Hostile keys',
  requestedBy: 'requester@example.com',
  steps: [{ id: 'step', ...step }],
});
const leadStep = (spec: Record<string, unknown>) =>
  request({ target: 'lead-data', spec: { collection: 'leads', filter: { batch: 'b1' }, ...spec } });
const documentStep = (spec: Record<string, unknown>) =>
  request({ target: 'mongo-document', spec: { collection: 'partner_settings', id: 'partner-a', ...spec } });
const flowStep = (patch: unknown[]) => request({ target: 'flow-config', spec: { flowId: 'solar', patch } });
const crmStep = (spec: Record<string, unknown>) => request({ target: 'crm', spec });
const hookStep = (forward: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
  request({
    target: 'webhook',
    spec: {
      forward: { method: 'POST', url: 'https://partner.example.com/hooks', ...forward },
      irreversible: true,
      ...spec,
    },
  });

/** The dotted paths of the issues a parse reports (through parseOrThrow, as the client and CLI parse). */
function issuePaths(input: unknown): string[] {
  try {
    parseOrThrow(changeRequestSchema, input, 'change request');
  } catch (err) {
    if (err instanceof ValidationError) return err.issues.map((i) => i.path);
    throw err;
  }
  return [];
}

describe('the one definition of a safe key', () => {
  test.each(PROTOTYPE_KEYS)(
    'given the segment %s, when checked as a path segment or document key, then it is refused by name',
    (key) => {
      expect(pathSegmentProblem(key)).toContain(key);
      expect(documentKeyProblem(key)).toContain(key);
    },
  );

  test("given today's rules, when checked, then $, NUL, empty and numeric segments are still refused and ordinary names pass", () => {
    for (const bad of ['', '$where', 'a$b', 'a\0b', '12']) expect(pathSegmentProblem(bad)).toBeDefined();
    expect(documentKeyProblem('a.b')).toContain('"."');
    for (const good of ['email', 'Constructor', 'proto', '_id', 'prototypes'])
      expect(pathSegmentProblem(good)).toBeUndefined();
  });

  test('given values with prototype keys or a set prototype, when walked, then the first one is named by its path', () => {
    expect(findUnsafeKey(JSON.parse('{"a":[{"b":{"__proto__":{"x":1}}}]}'))).toMatchObject({
      path: ['a', 0, 'b', '__proto__'],
    });
    expect(findUnsafeKey({ steps: [{ spec: { constructor: { prototype: 1 } } }] })).toMatchObject({
      path: ['steps', 0, 'spec', 'constructor'],
    });
    expect(findUnsafeKey({ title: 'x', fields: { __proto__: { polluted: true } } })).toMatchObject({
      path: ['fields'],
      problem: expect.stringContaining('prototype was set'),
    });
    expect(findUnsafeKey({ when: new Date() })).toMatchObject({ path: ['when'] });
    expect(findUnsafeKey({ a: [1, 'x', null, { b: Object.create(null) as object }] })).toBeUndefined();
  });

  test('given process.env, when copied for parsing, then it is plain and variables named like prototype keys are left out', () => {
    const env = plainEnv({ A: '1', constructor: 'x' });
    expect(env).toEqual({ A: '1' });
    expect(findUnsafeKey(plainEnv(process.env))).toBeUndefined();
  });
});

describe('every spec that takes field paths or keys refuses prototype keys, naming the field', () => {
  test.each([
    ['lead-data set path', leadStep({ set: { '__proto__.polluted': 1 } }), 'steps.0.spec.set.__proto__.polluted'],
    [
      'lead-data set path through constructor',
      leadStep({ set: { 'constructor.prototype.polluted': 1 } }),
      'steps.0.spec.set.constructor.prototype.polluted',
    ],
    ['lead-data unset path', leadStep({ unset: ['__proto__.hasOwnProperty'] }), 'steps.0.spec.unset.0'],
    [
      'lead-data filter field',
      leadStep({ filter: { 'constructor.name': 'Object' }, set: { a: 1 } }),
      'steps.0.spec.filter.constructor.name',
    ],
    [
      'lead-data value key',
      leadStep({ set: { profile: { prototype: { x: 1 } } } }),
      'steps.0.spec.set.profile.prototype',
    ],
    [
      'mongo-document set path',
      documentStep({ op: 'set', fields: { 'constructor.prototype.polluted': true } }),
      'steps.0.spec.fields.constructor.prototype.polluted',
    ],
    [
      'mongo-document unset path',
      documentStep({ op: 'unset', fields: ['__proto__.hasOwnProperty'] }),
      'steps.0.spec.fields.0',
    ],
    [
      'mongo-document document key',
      documentStep({ op: 'replace', document: { limits: { constructor: 1 } } }),
      'steps.0.spec.document.limits.constructor',
    ],
    [
      'flow-config patch path',
      flowStep([{ op: 'add', path: '/constructor/prototype/polluted', value: 1 }]),
      'steps.0.spec.patch.0.path',
    ],
    [
      'flow-config patch from',
      flowStep([{ op: 'copy', from: '/__proto__', path: '/copy' }]),
      'steps.0.spec.patch.0.from',
    ],
    [
      'flow-config patch value key',
      flowStep([{ op: 'add', path: '/rules', value: { prototype: { x: 1 } } }]),
      'steps.0.spec.patch.0.value.prototype',
    ],
    [
      'CRM record property',
      crmStep({ action: 'update-record', objectType: 'contacts', recordId: '1', properties: { constructor: 'x' } }),
      'steps.0.spec.properties.constructor',
    ],
    [
      'CRM property name',
      crmStep({ action: 'delete-property', objectType: 'contacts', name: 'prototype' }),
      'steps.0.spec.name',
    ],
    ['webhook header name', hookStep({ headers: { constructor: 'x' } }), 'steps.0.spec.forward.headers.constructor'],
    ['webhook body key', hookStep({ body: { lead: { prototype: 1 } } }), 'steps.0.spec.forward.body.lead.prototype'],
    ['webhook secret name', hookStep({}, { secret: 'constructor' }), 'steps.0.spec.secret'],
    [
      'step id',
      {
        ...leadStep({ set: { a: 1 } }),
        steps: [{ id: 'constructor', target: 'lead-data', spec: { filter: { a: 1 }, set: { b: 1 } } }],
      },
      'steps.0.id',
    ],
  ])('given a %s, when parsed, then it is refused at %s', (_what, input, field) => {
    expect(issuePaths(input)).toContain(field);
  });

  test('given JSON text with raw __proto__ keys, when the client parses it, then it is refused naming where (not dropped)', () => {
    const input: unknown = JSON.parse(
      JSON.stringify(leadStep({ set: { status: 'x' } })).replace(
        '"status":"x"',
        '"status":"x","__proto__":{"polluted":true}',
      ),
    );
    expect(issuePaths(input)).toEqual(['steps.0.spec.set.__proto__']);
  });

  test('given a request whose prototype carries the steps (a { __proto__: … } literal), when parsed, then it is refused instead of read through', () => {
    const valid = leadStep({ set: { status: 'x' } });
    const { steps, ...rest } = valid;
    expect(issuePaths({ __proto__: { steps }, ...rest })).toEqual(['']);
  });
});

describe('the doors parse raw keys into a refusal naming the field', () => {
  test('given an API body with a raw __proto__ key, when parsed, then it is a 400 naming body and path', () => {
    let error: unknown;
    try {
      parseJsonBody('{"title":"x","steps":[{"spec":{"fields":{"__proto__":{"polluted":true}}}}]}');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([
      { in: 'body', path: 'steps.0.spec.fields.__proto__', message: expect.stringContaining('__proto__') },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('given a malformed or empty API body, when parsed, then Fastify errors are kept (400, "not valid JSON")', () => {
    expect(() => parseJsonBody('{"title": ')).toThrow(/Body is not valid JSON/);
    expect(() => parseJsonBody('')).toThrow(/Body cannot be empty/);
    expect(parseJsonBody('{"a":[1,{"b":null}]}')).toEqual({ a: [1, { b: null }] });
  });

  test('given a YAML change file with __proto__ keys, when read by the CLI, then the keys reach the check as own keys and are refused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safe-keys-'));
    try {
      const file = path.join(dir, 'change.yaml');
      fs.writeFileSync(
        file,
        'title: x\nrequestedBy: requester@example.com\n__proto__:\n  polluted: true\nsteps:\n  - id: s\n    target: lead-data\n    spec:\n      filter: { batch: b1 }\n      set:\n        __proto__: { polluted: true }\n',
      );
      const input = readChangeFile(file);
      expect(Object.getPrototypeOf(input)).toBe(Object.prototype);
      expect(Object.keys(input as object)).toContain('__proto__');
      expect(issuePaths(input)).toEqual([expect.stringMatching(/__proto__$/)]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
