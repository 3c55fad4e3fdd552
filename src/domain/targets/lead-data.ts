import type { Document, Filter } from 'mongodb';
import { z } from 'zod';
import {
  checkKeys,
  collectionNameSchema,
  MISSING,
  overlappingPaths,
  pathProblem,
  writablePathSchema,
  writableValueSchema,
  type Slot,
} from './fields';

const scalarSchema = z.union([
  z.string().max(1000),
  z.number().refine(Number.isFinite, 'must be a finite number'),
  z.boolean(),
  z.null(),
]);
const comparableSchema = z.union([z.string().max(1000), z.number().refine(Number.isFinite, 'must be a finite number')]);

const operatorNames = ['eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'exists'] as const;

/** Operators the filter language has, each mapped to one MongoDB operator; nothing else passes. */
const operatorsSchema = z
  .strictObject({
    eq: scalarSchema.optional(),
    ne: scalarSchema.optional(),
    in: z.array(scalarSchema).min(1).max(1000).optional(),
    nin: z.array(scalarSchema).min(1).max(1000).optional(),
    gt: comparableSchema.optional(),
    gte: comparableSchema.optional(),
    lt: comparableSchema.optional(),
    lte: comparableSchema.optional(),
    exists: z.boolean().optional(),
  })
  .refine((ops) => operatorNames.some((name) => ops[name] !== undefined), `needs one of ${operatorNames.join(', ')}`);

const conditionSchema = z.union([scalarSchema, operatorsSchema], {
  error: `must be a string, number, boolean, null, or an object of operators (${operatorNames.join(', ')})`,
});

/**
 * Which leads a step touches: field path → value (equality) or operators, all conditions ANDed.
 * A restricted language, not a MongoDB query: field names and operators are checked here and
 * translated by `toMongoFilter`, so `$where`, `$function` or any injected `$` key is refused.
 */
export const leadFilterSchema = z
  .record(z.string(), conditionSchema)
  .superRefine(...checkKeys((field) => pathProblem(field)))
  .superRefine((filter, ctx) => {
    const fields = Object.keys(filter);
    if (fields.length === 0)
      ctx.addIssue({
        code: 'custom',
        message: 'must select by at least one field (an empty filter would select every lead)',
      });
    if (fields.length > 20) ctx.addIssue({ code: 'custom', message: 'at most 20 fields' });
  });

/**
 * A batch update of lead records: the leads of `collection` matching `filter` get the `set`
 * fields written and the `unset` fields removed. Before-images of exactly those fields are
 * journaled per lead, so a restore puts back only what the change wrote.
 */
export const leadDataSpecSchema = z
  .strictObject({
    collection: collectionNameSchema.default('leads'),
    filter: leadFilterSchema,
    set: z
      .record(z.string(), writableValueSchema)
      .superRefine(...checkKeys((path) => pathProblem(path, true)))
      .optional(),
    unset: z.array(writablePathSchema).max(100).optional(),
  })
  .superRefine((spec, ctx) => {
    const setPaths = Object.keys(spec.set ?? {});
    if (setPaths.length > 100) ctx.addIssue({ code: 'custom', path: ['set'], message: 'at most 100 fields' });
    const all = [...setPaths, ...(spec.unset ?? [])];
    if (all.length === 0)
      ctx.addIssue({ code: 'custom', path: ['set'], message: 'a lead-data step must set or unset at least one field' });
    const overlap = overlappingPaths(all);
    if (overlap)
      ctx.addIssue({
        code: 'custom',
        path: ['unset'],
        message: `fields "${overlap[0]}" and "${overlap[1]}" overlap; write each field once`,
      });
  });

export type LeadDataSpec = z.infer<typeof leadDataSpecSchema>;
export type LeadFilter = z.infer<typeof leadFilterSchema>;
type Operators = z.infer<typeof operatorsSchema>;

const mongoOperator: Record<keyof Operators, string> = {
  eq: '$eq',
  ne: '$ne',
  in: '$in',
  nin: '$nin',
  gt: '$gt',
  gte: '$gte',
  lt: '$lt',
  lte: '$lte',
  exists: '$exists',
};

/** The MongoDB query for a validated filter; every value is wrapped in a known operator. */
export function toMongoFilter(filter: LeadFilter): Filter<Document> {
  const conditions = Object.entries(filter).map(([field, condition]) => {
    if (condition === null || typeof condition !== 'object') return { [field]: { $eq: condition } };
    const ops: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(condition))
      if (value !== undefined) ops[mongoOperator[name as keyof Operators]] = value;
    return { [field]: ops };
  });
  return conditions.length === 1 ? conditions[0]! : { $and: conditions };
}

/** The fields a step writes, in a fixed order, and the value it writes to each. */
export function writtenFields(spec: LeadDataSpec): { paths: string[]; written: Slot[] } {
  const set = Object.entries(spec.set ?? {});
  const unset = spec.unset ?? [];
  return {
    paths: [...set.map(([path]) => path), ...unset],
    written: [...set.map(([, value]): Slot => ({ exists: true, value })), ...unset.map(() => MISSING)],
  };
}
