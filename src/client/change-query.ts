import { z } from 'zod';
import { actorSchema } from '../domain/actor';
import { targetKinds, type TargetKind } from '../domain/targets/index';
import { changePhases } from '../domain/status';
import { CHANGE_WORKFLOW_TYPE, ROLLBACK_LATER_WORKFLOW_TYPE } from '../workflows/definitions';
import { ChangeStatusKey, RequestedByKey, TargetsKey } from '../workflows/search-attributes';

/** Visibility values are quoted in the query; these characters could end a quote or escape it. */
const unquotable = /['"\\\u0000-\u001f\u007f]/;

export const listFilterSchema = z.strictObject({
  status: z.enum(changePhases).optional(),
  target: z.enum(targetKinds as [TargetKind, ...TargetKind[]]).optional(),
  requestedBy: actorSchema
    .refine((v) => !unquotable.test(v), 'must not contain quotes, backslashes or control characters')
    .optional(),
  pageSize: z.int().min(1).max(100).default(20),
  /** Opaque token from the previous page (base64). */
  nextPageToken: z
    .string()
    .max(8192)
    .regex(/^[A-Za-z0-9+/=_-]+$/, 'must be a token returned by a previous page')
    .optional(),
});

export type ListFilter = z.input<typeof listFilterSchema>;

/** Quotes a visibility value; values were validated already, this refuses anything that slipped by. */
function quote(value: string): string {
  if (unquotable.test(value))
    throw new TypeError('refusing to quote a value with quotes, backslashes or control characters');
  return `'${value}'`;
}

/**
 * The visibility query for a filter: changes (rollbacks later included) on this task queue, narrowed by the project's
 * search attributes. Values are validated by the schema and quoted, never interpolated raw.
 */
export function changeListQuery(taskQueue: string, filter: z.output<typeof listFilterSchema>): string {
  const types = [CHANGE_WORKFLOW_TYPE, ROLLBACK_LATER_WORKFLOW_TYPE].map(quote).join(', ');
  const clauses = [`WorkflowType IN (${types})`, `TaskQueue = ${quote(taskQueue)}`];
  if (filter.status) clauses.push(`${ChangeStatusKey.name} = ${quote(filter.status)}`);
  if (filter.target) clauses.push(`${TargetsKey.name} = ${quote(filter.target)}`);
  if (filter.requestedBy) clauses.push(`${RequestedByKey.name} = ${quote(filter.requestedBy)}`);
  return clauses.join(' AND ');
}
