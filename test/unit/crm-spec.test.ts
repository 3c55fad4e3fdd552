import { changeRequestSchema } from '../../src/domain/change-request';
import { parseOrThrow, ValidationError } from '../../src/domain/validation';

function request(spec: Record<string, unknown>) {
  return { title: 'CRM change', requestedBy: 'ops@example.com', steps: [{ id: 'crm', target: 'crm', spec }] };
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

const tier = {
  name: 'lead_tier',
  label: 'Lead tier',
  type: 'enumeration',
  fieldType: 'select',
  groupName: 'contactinformation',
  options: [
    { label: 'Gold', value: 'gold' },
    { label: 'Silver', value: 'silver' },
  ],
};

describe('crm step spec', () => {
  test.each([
    ['create-property', { action: 'create-property', objectType: 'contacts', property: tier }],
    [
      'update-property',
      { action: 'update-property', objectType: 'contacts', name: 'lead_tier', property: { label: 'Tier' } },
    ],
    ['delete-property', { action: 'delete-property', objectType: 'p_leads', name: 'lead_tier' }],
    [
      'update-record',
      {
        action: 'update-record',
        objectType: 'contacts',
        recordId: '512',
        properties: { lifecyclestage: 'lead', hs_lead_status: null },
      },
    ],
    ['an object type id', { action: 'delete-property', objectType: '2-12345', name: 'x' }],
  ])('given a valid %s, when parsed, then it is accepted', (_, spec) => {
    expect(parseOrThrow(changeRequestSchema, request(spec), 'change request').steps[0]!.spec).toEqual(spec);
  });

  test('given an unknown action, when parsed, then the action is named', () => {
    expect(issuesOf({ action: 'drop-table', objectType: 'contacts' }).map((i) => i.path)).toEqual([
      'steps.0.spec.action',
    ]);
  });

  test('given an enumeration without options shown as text, when parsed, then both fields are named', () => {
    const issues = issuesOf({
      action: 'create-property',
      objectType: 'contacts',
      property: { ...tier, options: undefined, fieldType: 'text' },
    });
    expect(issues.map((i) => i.path).sort()).toEqual([
      'steps.0.spec.property.fieldType',
      'steps.0.spec.property.options',
    ]);
  });

  test('given duplicate option values, when parsed, then the duplicate is named', () => {
    const issues = issuesOf({
      action: 'create-property',
      objectType: 'contacts',
      property: { ...tier, options: [tier.options[0], tier.options[0]] },
    });
    expect(issues).toEqual([
      { path: 'steps.0.spec.property.options.1.value', message: 'duplicate option value "gold"' },
    ]);
  });

  test.each([
    [
      'an object type with a MongoDB operator',
      { action: 'delete-property', objectType: '$where', name: 'x' },
      'steps.0.spec.objectType',
    ],
    [
      'an object type with a path',
      { action: 'delete-property', objectType: 'contacts/../x', name: 'x' },
      'steps.0.spec.objectType',
    ],
    [
      'a property name with a slash',
      { action: 'delete-property', objectType: 'contacts', name: 'a/b' },
      'steps.0.spec.name',
    ],
    [
      'a non-numeric record id',
      { action: 'update-record', objectType: 'contacts', recordId: '../1', properties: { a: 'b' } },
      'steps.0.spec.recordId',
    ],
    [
      'no properties to set',
      { action: 'update-record', objectType: 'contacts', recordId: '1', properties: {} },
      'steps.0.spec.properties',
    ],
    [
      'a number as a value',
      { action: 'update-record', objectType: 'contacts', recordId: '1', properties: { amount: 3 } },
      'steps.0.spec.properties.amount',
    ],
    [
      'an update that changes nothing',
      { action: 'update-property', objectType: 'contacts', name: 'x', property: {} },
      'steps.0.spec.property',
    ],
    [
      'an update of the name',
      { action: 'update-property', objectType: 'contacts', name: 'x', property: { name: 'y' } },
      'steps.0.spec.property',
    ],
    [
      'a token in the spec',
      { action: 'delete-property', objectType: 'contacts', name: 'x', token: 'abc' },
      'steps.0.spec',
    ],
  ])('given %s, when parsed, then %s is refused', (_, spec, path) => {
    expect(issuesOf(spec).map((i) => i.path)).toContain(path);
  });
});
