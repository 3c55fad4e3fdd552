import { z } from 'zod';
import { changeIdSchema, changeRequestSchema } from '../domain/change-request';
import type { StartedRehearsal } from '../client/rehearsals';
import type { RehearsalReport } from '../domain/rehearsal';

/** Response and body schemas of `/v1/rehearsals`, checked against the client's types below. */
const failure = z.object({ type: z.string().optional(), message: z.string() });
const outcome = z
  .object({ status: z.string(), summary: z.string() })
  .describe('See the target adapter contract for every field');

export const rehearsalBodySchema = z
  .strictObject({
    changeId: changeIdSchema.optional().describe('Rehearse a stored change'),
    request: changeRequestSchema.optional().describe('Rehearse a change request that has not run'),
  })
  .superRefine((body, ctx) => {
    if ((body.changeId === undefined) === (body.request === undefined))
      ctx.addIssue({ code: 'custom', message: 'give exactly one of changeId or request' });
  })
  .meta({ id: 'RehearsalBody' });

export const startedRehearsalSchema = z
  .object({
    rehearsalId: z.string(),
    workflowId: z.string(),
    created: z.boolean(),
    links: z.object({ self: z.string(), temporalUi: z.string() }),
  })
  .meta({ id: 'StartedRehearsal' });

export const rehearsalReportSchema = z
  .object({
    rehearsalId: z.string(),
    changeId: z.string().optional(),
    title: z.string(),
    requestedBy: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    exact: z.boolean().describe('Every rehearsed step restored exactly (at least one step rehearsed)'),
    productionUntouched: z.boolean().describe('No production document a step names changed during the rehearsal'),
    applyFailed: z.object({ stepId: z.string(), error: failure }).optional(),
    steps: z.array(
      z.object({
        stepId: z.string(),
        target: z.string(),
        outcome: z.enum(['exact', 'differs', 'not-rehearsed']),
        detail: z.string(),
        applied: outcome.optional(),
        applyError: failure.optional(),
        restore: outcome.optional(),
        restoreError: failure.optional(),
        sandbox: z.object({ documents: z.number(), before: z.string(), after: z.string().optional() }).optional(),
        production: z.enum(['untouched', 'changed', 'not-read']),
      }),
    ),
  })
  .meta({ id: 'RehearsalReport' });

type Fits<Actual, Schema extends z.ZodType> = Actual extends z.output<Schema> ? true : never;
const _fits: [
  Fits<RehearsalReport, typeof rehearsalReportSchema>,
  Fits<StartedRehearsal & { links: { self: string; temporalUi: string } }, typeof startedRehearsalSchema>,
] = [true, true];
