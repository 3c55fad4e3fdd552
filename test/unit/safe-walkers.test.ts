import { ApplicationFailure } from '@temporalio/common';
import { readSlots, slotsObject, updateFor } from '../../src/domain/targets/fields';
import { conflictOf } from '../../src/activities/targets/lead-data/classify';
import type { LeadJournalDoc } from '../../src/store/lead-journal';
import { conflictSample, targetState } from '../../src/activities/targets/mongo-document/document';
import type { MongoDocumentSpec } from '../../src/domain/targets/mongo-document';
import { render, renderJson } from '../../src/domain/targets/webhook-template';
import { ErrorType } from '../../src/domain/errors';

/**
 * The walkers over untrusted paths and keys, called directly with paths validation refuses: even a
 * path that slipped past it must not reach a prototype (defence in depth).
 */

const hostileSetPaths = [
  '__proto__.polluted',
  'constructor.prototype.polluted',
  '__proto__',
  'a.__proto__.polluted',
  'prototype.polluted',
];
const hostileUnsetPaths = ['__proto__.hasOwnProperty', 'constructor.prototype.toString', 'a.__proto__.valueOf'];

function prototypeState() {
  const keys = (proto: object) => Reflect.ownKeys(proto).map(String).sort();
  return { object: keys(Object.prototype), array: keys(Array.prototype), fn: keys(Function.prototype) };
}

let before: ReturnType<typeof prototypeState>;
beforeEach(() => (before = prototypeState()));
afterEach(() => {
  expect(prototypeState()).toEqual(before);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

const documentSpec = (op: 'set' | 'unset', paths: string[]): MongoDocumentSpec =>
  (op === 'set'
    ? {
        collection: 'partner_settings',
        id: 'a',
        idType: 'string',
        op,
        fields: Object.fromEntries(paths.map((p) => [p, true])),
      }
    : { collection: 'partner_settings', id: 'a', idType: 'string', op, fields: paths }) as MongoDocumentSpec;
const existing = { exists: true as const, document: { _id: 'a', a: { b: 1 }, name: 'x' } };

describe('mongo-document setPath / unsetPath', () => {
  test.each(hostileSetPaths)(
    'given the set path %s, when the target state is computed, then the step fails as InvalidStep and no prototype changes',
    (path) => {
      let error: unknown;
      try {
        targetState(existing, documentSpec('set', [path]));
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ApplicationFailure);
      expect(error).toMatchObject({ type: ErrorType.InvalidStep, nonRetryable: true });
    },
  );

  test.each(hostileUnsetPaths)(
    'given the unset path %s, when the target state is computed, then the step fails as InvalidStep and nothing is deleted from a prototype',
    (path) => {
      expect(() => targetState(existing, documentSpec('unset', [path]))).toThrow(/never followed/);
      expect(typeof Object.prototype.hasOwnProperty).toBe('function');
    },
  );

  test('given inherited names in the document, when a set walks past them, then only own fields are followed', () => {
    const state = targetState(existing, documentSpec('set', ['toString.x', 'a.c']));
    expect(state).toMatchObject({ exists: true, document: { toString: { x: true }, a: { b: 1, c: true } } });
  });

  test('given a conflict on a field the before-image lacks, when sampled, then inherited values are not reported as "before"', () => {
    const spec = documentSpec('set', ['constructor']);
    const sample = conflictSample(
      spec,
      { exists: true, document: { _id: 'a' } },
      { exists: true, document: { _id: 'a', toString: 1 } },
      { exists: true, document: { _id: 'a', toString: 2 } },
    );
    expect(sample).toEqual([{ item: 'partner_settings/a.toString', before: undefined, written: 1, now: 2 }]);
  });
});

describe('the field-slot walkers of the MongoDB targets', () => {
  test('given hostile paths, when read from a document, then inherited names are missing, never Object functions', () => {
    expect(readSlots({ a: {} }, ['constructor', '__proto__.polluted', 'a.hasOwnProperty', 'toString'])).toEqual([
      { exists: false },
      { exists: false, missingFrom: '__proto__' },
      { exists: false },
      { exists: false },
    ]);
  });

  test.each(hostileSetPaths)(
    'given the path %s, when slots become a nested object for people, then it is an own key',
    (path) => {
      const out = slotsObject([path], [{ exists: true, value: 'x' }]);
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
      expect(Object.keys(out)).toEqual([path.split('.')[0]]);
    },
  );

  test('given hostile paths, when an update is built, then $set and $unset hold them as own keys', () => {
    const slots = [
      { exists: true as const, value: { polluted: true } },
      { exists: false as const, missingFrom: 'constructor' },
    ];
    const update = updateFor(['__proto__', 'constructor.prototype.x'], slots, { constructor: {} });
    expect(Object.keys(update.$set!)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(update.$set)).toBe(Object.prototype);
    // An own, hollow parent is removed whole; an inherited one is not a field of the document.
    expect(Object.keys(update.$unset!)).toEqual(['constructor']);
    expect(Object.keys(updateFor(['__proto__', 'constructor.prototype.x'], slots, {}).$unset!)).toEqual([
      'constructor.prototype.x',
    ]);
  });

  test('given a journaled lead whose paths are hostile, when its conflict record is built, then before/written/now are plain objects with own keys', () => {
    const entry = {
      _id: 'c/s/before-apply/l1',
      changeId: 'c',
      stepId: 's',
      purpose: 'before-apply',
      collection: 'leads',
      leadId: 'l1',
      leadKey: 'l1',
      paths: ['__proto__.polluted', 'constructor.prototype.polluted'],
      before: [
        { exists: true, value: 1 },
        { exists: true, value: 2 },
      ],
      written: [
        { exists: true, value: 3 },
        { exists: true, value: 4 },
      ],
      journaledAt: new Date(),
    } as LeadJournalDoc;
    const conflict = conflictOf(entry, { other: 1 });
    for (const side of [conflict.before, conflict.written]) expect(Object.getPrototypeOf(side)).toBe(Object.prototype);
    expect(Object.keys(conflict.before)).toEqual(['__proto__', 'constructor']);
    expect(conflict.now).toEqual({});
  });
});

describe('the webhook templates', () => {
  const values = { changeId: 'c-1', stepId: 's', idempotencyKey: 'c-1/s/forward' };

  test('given body keys named like prototype keys, when rendered, then they stay own keys of a plain object', () => {
    const rendered = renderJson(
      JSON.parse('{"__proto__":{"polluted":"{{changeId}}"},"a":[{"constructor":{"prototype":1}}]}'),
      values,
    ) as Record<string, unknown>;
    expect(Object.getPrototypeOf(rendered)).toBe(Object.prototype);
    expect(Object.keys(rendered)).toEqual(['__proto__', 'a']);
    expect(JSON.stringify(rendered)).toBe('{"__proto__":{"polluted":"c-1"},"a":[{"constructor":{"prototype":1}}]}');
  });

  test("given a placeholder naming an inherited property, when rendered, then it is unknown, not Object's constructor", () => {
    expect(() => render('{{constructor}}', values)).toThrow(/unknown template variable/);
    expect(() => render('{{toString}}', values)).toThrow(/unknown template variable/);
  });
});
