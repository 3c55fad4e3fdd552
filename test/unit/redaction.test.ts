import { conflictOf } from '../../src/activities/targets/lead-data/classify';
import type { LeadJournalDoc } from '../../src/store/lead-journal';
import { previewOperations } from '../../src/activities/targets/lead-data/preview';
import { conflictSample } from '../../src/activities/targets/mongo-document/document';
import type { MongoDocumentSpec } from '../../src/domain/targets/mongo-document';
import { viewFor } from '../../src/auth/target-values';
import { loadConfig } from '../../src/config/index';
import { REDACTED, redactFields, redactValueAt, withoutTargetValues } from '../../src/domain/redaction';

const sample = {
  item: 'leads/lead-1',
  before: { contact: { email: 'ana@example.com' } },
  written: { contact: { email: 'pool@example.com' } },
  now: { contact: { email: 'bo@example.com' } },
};
const status = {
  changeId: 'c-1',
  phase: 'rolled-back',
  steps: [
    {
      id: 'requalify',
      target: 'lead-data',
      state: 'conflict',
      restore: {
        status: 'partial',
        summary: '1 lead changed since',
        recoveryPointId: 'rp',
        conflicts: { count: 1, sample: [sample], ref: 'lead_conflicts where …' },
      },
    },
    {
      id: 'cap',
      target: 'flow-config',
      state: 'restored',
      restore: { status: 'restored', summary: 'flow back at version 3', recoveryPointId: 'rp2' },
    },
  ],
};

describe('always-redacted fields (the worker, before anything is stored or returned)', () => {
  test('given nested fields and arrays of embedded documents, when redacted, then only the listed fields change and the input is left as it was', () => {
    const lead = {
      contact: { email: 'a@b.c', name: 'Ana' },
      phone: '555',
      phones: [{ phone: '1' }, { phone: '2' }],
      status: 'new',
    };
    const copy = structuredClone(lead);
    expect(redactFields(lead, ['contact.email', 'phone', 'phones.phone', 'missing.field'])).toEqual({
      contact: { email: REDACTED, name: 'Ana' },
      phone: REDACTED,
      phones: [{ phone: REDACTED }, { phone: REDACTED }],
      status: 'new',
    });
    expect(lead).toEqual(copy);
  });

  test('given a value found at a path, when redacted, then it goes whole when the path is or lies inside a listed field, else the listed fields inside it', () => {
    expect(redactValueAt('contact.email', 'a@b.c', ['contact.email'])).toBe(REDACTED);
    expect(redactValueAt('contact.email.domain', 'b.c', ['contact.email'])).toBe(REDACTED);
    expect(redactValueAt('contact', { email: 'a@b.c', name: 'Ana' }, ['contact.email'])).toEqual({
      email: REDACTED,
      name: 'Ana',
    });
    expect(redactValueAt('contacts', 'x', ['contact'])).toBe('x');
  });

  const entry = {
    _id: 'c/s/before-apply/l1',
    changeId: 'c',
    stepId: 's',
    purpose: 'before-apply',
    collection: 'leads',
    leadId: 'l1',
    leadKey: 'l1',
    paths: ['contact', 'status'],
    before: [
      { exists: true, value: { email: 'ana@example.com', name: 'Ana' } },
      { exists: true, value: 'new' },
    ],
    written: [
      { exists: true, value: { email: 'pool@example.com', name: 'Pool' } },
      { exists: true, value: 'qualified' },
    ],
    journaledAt: new Date(),
  } as LeadJournalDoc;

  test('given a lead conflict, when recorded, then the always-redacted field is replaced on every side and the rest is kept', () => {
    const conflict = conflictOf(entry, { contact: { email: 'bo@example.com', name: 'Bo' }, status: 'sold' }, [
      'contact.email',
    ]);
    expect(conflict).toMatchObject({
      before: { contact: { email: REDACTED, name: 'Ana' }, status: 'new' },
      written: { contact: { email: REDACTED, name: 'Pool' }, status: 'qualified' },
      now: { contact: { email: REDACTED, name: 'Bo' }, status: 'sold' },
    });
    expect(JSON.stringify(conflict)).not.toContain('@example.com');
  });

  test('given a lead preview, when its operations are built, then the always-redacted values are replaced', () => {
    expect(previewOperations(entry, ['contact.email'])).toEqual([
      { op: 'replace', path: '/l1/contact', value: { email: REDACTED, name: 'Ana' } },
      { op: 'replace', path: '/l1/status', value: 'new' },
    ]);
  });

  test('given a document conflict, when sampled, then always-redacted fields are replaced, whole documents included', () => {
    const spec = {
      collection: 'leads',
      id: 'l1',
      idType: 'string',
      op: 'set',
      fields: { phone: '1' },
    } as MongoDocumentSpec;
    const doc = (phone: string) => ({ exists: true as const, document: { _id: 'l1', phone, tier: 'gold' } });
    expect(conflictSample(spec, doc('555-0100'), doc('555-0101'), doc('555-0102'), ['phone'])).toEqual([
      { item: 'leads/l1.phone', before: REDACTED, written: REDACTED, now: REDACTED },
    ]);
    const [whole] = conflictSample(spec, doc('555-0100'), doc('555-0101'), { exists: false }, ['phone']);
    expect(whole).toEqual({
      item: 'leads/l1',
      before: { _id: 'l1', phone: REDACTED, tier: 'gold' },
      written: { _id: 'l1', phone: REDACTED, tier: 'gold' },
      now: null,
    });
  });

  test('given REDACTED_LEAD_FIELDS and TARGET_COLLECTIONS, when the configuration is loaded, then both are parsed; a bad field path is refused by name', () => {
    const config = loadConfig({
      REDACTED_LEAD_FIELDS: 'contact.email, phone,phone',
      TARGET_COLLECTIONS: 'lead-data=leads',
    });
    expect(config.REDACTED_LEAD_FIELDS).toEqual(['contact.email', 'phone']);
    expect(config.TARGET_COLLECTIONS).toEqual({ 'lead-data': ['leads'] });
    expect(loadConfig({}).REDACTED_LEAD_FIELDS).toEqual([]);
    expect(() => loadConfig({ REDACTED_LEAD_FIELDS: 'contact.$where' })).toThrow(/REDACTED_LEAD_FIELDS/);
    expect(() => loadConfig({ REDACTED_LEAD_FIELDS: '__proto__.x' })).toThrow(/REDACTED_LEAD_FIELDS/);
  });
});

describe('target values by role (the API and chat ops, for each reader)', () => {
  test('given a status with conflict samples, when redacted, then every value is hidden, the items and everything else are kept, and the input is unchanged', () => {
    const copy = structuredClone(status);
    const hidden = withoutTargetValues(status);
    expect(hidden.steps[0]).toMatchObject({
      restore: {
        status: 'partial',
        summary: '1 lead changed since',
        conflicts: {
          count: 1,
          ref: 'lead_conflicts where …',
          sample: [{ item: 'leads/lead-1', before: REDACTED, written: REDACTED, now: REDACTED }],
        },
      },
    });
    expect(hidden.steps[1]).toEqual(status.steps[1]);
    expect(JSON.stringify(hidden)).not.toContain('@example.com');
    expect(status).toEqual(copy);
  });

  test('given a rollback preview, when redacted, then conflict values and operation values are hidden, paths kept', () => {
    const preview = {
      changeId: 'c-1',
      steps: [
        {
          stepId: 's',
          target: 'lead-data',
          summary: 'x',
          operations: [
            { op: 'replace', path: '/l1/contact/email', value: 'ana@example.com' },
            { op: 'remove', path: '/l1/x' },
          ],
          conflicts: [sample],
        },
      ],
    };
    expect(withoutTargetValues(preview).steps[0]).toEqual({
      stepId: 's',
      target: 'lead-data',
      summary: 'x',
      operations: [
        { op: 'replace', path: '/l1/contact/email', value: REDACTED },
        { op: 'remove', path: '/l1/x' },
      ],
      conflicts: [{ item: 'leads/lead-1', before: REDACTED, written: REDACTED, now: REDACTED }],
    });
  });

  test.each([
    [['requester'], true],
    [['approver'], false],
    [['admin'], false],
    [['requester', 'approver'], false],
  ] as const)(
    'given a reader with roles %j, when the status is viewed, then its values are redacted: %s',
    (roles, redacted) => {
      const view = viewFor({ actor: 'someone@example.com', roles: [...roles], groups: [] }, status);
      expect(JSON.stringify(view).includes('ana@example.com')).toBe(!redacted);
    },
  );
});
