import { z } from 'zod';
import { refusePrototypeKey } from '../safe-keys';

/**
 * A change to a HubSpot-compatible CRM (the CRM v3 REST API): one property definition created,
 * changed or deleted, or some property values of one record set. Credentials and the CRM's
 * address come from the worker's environment (`CRM_BASE_URL`, `CRM_TOKEN`), never from the spec.
 */

/** `contacts`, `companies`, `deals`, `tickets`, a custom object's name (`p_…`) or an object type id (`2-12345`). */
export const crmObjectTypeSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^(?:[a-z][a-z0-9_]*|\d+-\d+)$/, 'must be an object type such as contacts, p_my_object or 2-12345');

/** HubSpot internal property names: lowercase, digits and "_", starting with a letter; never a prototype key (names key the record values the worker reads). */
export const crmPropertyNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z][a-z0-9_]*$/, 'must be lowercase letters, digits and "_", starting with a letter')
  .superRefine(refusePrototypeKey);

export const crmRecordIdSchema = z.string().regex(/^\d{1,20}$/, 'must be a numeric record id');

export const crmPropertyTypes = ['string', 'number', 'date', 'datetime', 'enumeration', 'bool'] as const;
export const crmFieldTypes = [
  'text',
  'textarea',
  'number',
  'select',
  'radio',
  'checkbox',
  'booleancheckbox',
  'date',
  'phonenumber',
  'html',
  'file',
] as const;

export const crmOptionSchema = z.strictObject({
  label: z.string().min(1).max(200),
  value: z.string().min(1).max(200),
  description: z.string().max(500).optional(),
  displayOrder: z.int().min(-1).max(10_000).optional(),
  hidden: z.boolean().optional(),
});

/** Fields of a property definition that can be set on create and changed afterwards. */
const definitionFields = {
  label: z.string().min(1).max(200),
  type: z.enum(crmPropertyTypes),
  fieldType: z.enum(crmFieldTypes),
  groupName: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[a-z0-9_]+$/, 'must be lowercase letters, digits and "_"'),
  description: z.string().max(1000).optional(),
  options: z.array(crmOptionSchema).max(1000).optional(),
  displayOrder: z.int().min(-1).max(10_000).optional(),
  hidden: z.boolean().optional(),
  formField: z.boolean().optional(),
};

/** Property fields a change may set; `name` and `hasUniqueValue` cannot change after creation. */
export const updatablePropertyFields = [
  'label',
  'type',
  'fieldType',
  'groupName',
  'description',
  'options',
  'displayOrder',
  'hidden',
  'formField',
] as const;
/** Property fields a create sends (also used to re-create a deleted property from its recovery point). */
export const creatablePropertyFields = ['name', ...updatablePropertyFields, 'hasUniqueValue'] as const;

const selectFieldTypes: readonly string[] = ['select', 'radio', 'checkbox', 'booleancheckbox'];

function uniqueOptionValues(options: { value: string }[] | undefined, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  options?.forEach((option, index) => {
    if (seen.has(option.value))
      ctx.addIssue({
        code: 'custom',
        path: ['options', index, 'value'],
        message: `duplicate option value "${option.value}"`,
      });
    seen.add(option.value);
  });
}

export const crmPropertyCreateSchema = z
  .strictObject({ name: crmPropertyNameSchema, ...definitionFields, hasUniqueValue: z.boolean().optional() })
  .superRefine((property, ctx) => {
    uniqueOptionValues(property.options, ctx);
    if (property.type === 'enumeration') {
      if (!property.options?.length)
        ctx.addIssue({ code: 'custom', path: ['options'], message: 'an enumeration needs at least one option' });
      if (!selectFieldTypes.includes(property.fieldType)) {
        ctx.addIssue({
          code: 'custom',
          path: ['fieldType'],
          message: `an enumeration is shown as ${selectFieldTypes.join(', ')}`,
        });
      }
    } else if (property.type === 'bool') {
      if (property.fieldType !== 'booleancheckbox')
        ctx.addIssue({ code: 'custom', path: ['fieldType'], message: 'a bool is shown as booleancheckbox' });
    } else {
      if (property.options !== undefined)
        ctx.addIssue({ code: 'custom', path: ['options'], message: `a ${property.type} property has no options` });
      if (selectFieldTypes.includes(property.fieldType)) {
        ctx.addIssue({
          code: 'custom',
          path: ['fieldType'],
          message: `${property.fieldType} needs type enumeration or bool`,
        });
      }
    }
  });

export const crmPropertyUpdateSchema = z
  .strictObject({
    label: definitionFields.label.optional(),
    type: definitionFields.type.optional(),
    fieldType: definitionFields.fieldType.optional(),
    groupName: definitionFields.groupName.optional(),
    description: definitionFields.description,
    options: definitionFields.options,
    displayOrder: definitionFields.displayOrder,
    hidden: definitionFields.hidden,
    formField: definitionFields.formField,
  })
  .superRefine((changes, ctx) => {
    if (Object.keys(changes).length === 0)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `must change at least one of ${updatablePropertyFields.join(', ')}`,
      });
    uniqueOptionValues(changes.options, ctx);
  });

/** Record property values are strings, as the CRM stores them; `null` clears a value. */
export const crmRecordPropertiesSchema = z
  .record(crmPropertyNameSchema, z.string().max(65_536).nullable())
  .refine((properties) => Object.keys(properties).length >= 1, 'must set at least one property')
  .refine((properties) => Object.keys(properties).length <= 100, 'must set at most 100 properties');

export const crmSpecSchema = z.discriminatedUnion('action', [
  /** Creates a property; undone by deleting it (only if it still has the definition we created). */
  z.strictObject({
    action: z.literal('create-property'),
    objectType: crmObjectTypeSchema,
    property: crmPropertyCreateSchema,
  }),
  /** Changes some fields of a property's definition; undone by writing back those fields' recovery-point values. */
  z.strictObject({
    action: z.literal('update-property'),
    objectType: crmObjectTypeSchema,
    name: crmPropertyNameSchema,
    property: crmPropertyUpdateSchema,
  }),
  /** Deletes (archives) a property; undone by re-creating it from its recovery point. */
  z.strictObject({
    action: z.literal('delete-property'),
    objectType: crmObjectTypeSchema,
    name: crmPropertyNameSchema,
  }),
  /** Sets property values of one record; undone per property, only where the value is still what we wrote. */
  z.strictObject({
    action: z.literal('update-record'),
    objectType: crmObjectTypeSchema,
    recordId: crmRecordIdSchema,
    properties: crmRecordPropertiesSchema,
  }),
]);

export type CrmSpec = z.infer<typeof crmSpecSchema>;
export type CrmPropertyCreate = z.infer<typeof crmPropertyCreateSchema>;
export type CrmPropertyUpdate = z.infer<typeof crmPropertyUpdateSchema>;
export type CrmOption = z.infer<typeof crmOptionSchema>;
