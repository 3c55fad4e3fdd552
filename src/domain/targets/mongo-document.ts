import { z } from 'zod';
import {
  checkKeys,
  collectionNameSchema,
  keyProblem,
  overlappingPaths,
  pathProblem,
  writablePathSchema,
  writableValueSchema,
} from './fields';

const target = {
  collection: collectionNameSchema,
  /** The document's `_id`: a string, or with `idType: "objectId"` the 24-hex-digit form of an ObjectId. */
  id: z.string().min(1).max(256),
  idType: z.enum(['string', 'objectId']).default('string'),
};

/**
 * One document of a named collection, by `_id`: `set` fields, `unset` fields, or `replace` the
 * whole document (creating it when absent). Field paths and value keys are checked, so no `$`
 * operator or `$`/`.` key reaches MongoDB from a change request.
 */
export const mongoDocumentSpecSchema = z
  .discriminatedUnion('op', [
    z.strictObject({
      ...target,
      op: z.literal('set'),
      fields: z.record(z.string(), writableValueSchema).superRefine(...checkKeys((path) => pathProblem(path, true))),
    }),
    z.strictObject({ ...target, op: z.literal('unset'), fields: z.array(writablePathSchema).min(1).max(100) }),
    z.strictObject({
      ...target,
      op: z.literal('replace'),
      document: z
        .record(z.string(), writableValueSchema)
        .superRefine(...checkKeys((key) => (key === '_id' ? undefined : keyProblem(key)))),
    }),
  ])
  .superRefine((spec, ctx) => {
    if (spec.idType === 'objectId' && !/^[0-9a-fA-F]{24}$/.test(spec.id))
      ctx.addIssue({ code: 'custom', path: ['id'], message: 'must be 24 hexadecimal digits for idType "objectId"' });
    if (spec.op === 'set') {
      const paths = Object.keys(spec.fields);
      if (paths.length === 0)
        ctx.addIssue({ code: 'custom', path: ['fields'], message: 'must set at least one field' });
      if (paths.length > 100) ctx.addIssue({ code: 'custom', path: ['fields'], message: 'at most 100 fields' });
    }
    const paths = spec.op === 'set' ? Object.keys(spec.fields) : spec.op === 'unset' ? spec.fields : [];
    const overlap = overlappingPaths(paths);
    if (overlap)
      ctx.addIssue({
        code: 'custom',
        path: ['fields'],
        message: `fields "${overlap[0]}" and "${overlap[1]}" overlap; write each field once`,
      });
    if (spec.op === 'replace' && '_id' in spec.document)
      ctx.addIssue({
        code: 'custom',
        path: ['document', '_id'],
        message: "must not be given: the document keeps the step's id",
      });
  });

export type MongoDocumentSpec = z.infer<typeof mongoDocumentSpecSchema>;
