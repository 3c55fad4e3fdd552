import { z } from 'zod';
import { changePhases } from '../domain/status';
import type { ChangePage } from '../client/change-page';
import type { StartedChange } from '../client/changes';
import type { AnnotatedReport, RootCauseResult } from '../client/reports';
import type { ChangeSummary } from '../client/change-summary';
import type { FlowVersions, FlowView } from '../client/flows';
import { decisionInputSchema, rollbackLaterRequestSchema, rollbackRequestSchema } from '../domain/decision-schemas';
import {
  decisionNames,
  questionOptions,
  rollbackCategories,
  type DecisionName,
  type DecisionOutcome,
  type QuestionKind,
  type RollbackRequestOutcome,
} from '../domain/decisions';
import { pendingQuestionSchema } from '../domain/notification-payload';
import { rootCauseInputSchema } from '../domain/root-cause';
import type { ChangeReport, ChangeStatus, RollbackPreview } from '../domain/status';
import type { Insights } from '../domain/insights';
import { periodKinds } from '../domain/periods';
import { targetKinds, type TargetKind } from '../domain/targets/index';

/**
 * Response schemas of the HTTP API, for the OpenAPI document. The workflow's types are plain
 * TypeScript; the checks at the bottom make the compiler prove that every value of those types
 * fits these schemas, so the published document cannot drift from what the API returns.
 */
const decisionName = z.enum(decisionNames as [DecisionName, ...DecisionName[]]);
const questionKind = z.enum(Object.keys(questionOptions) as [QuestionKind, ...QuestionKind[]]);
const isoTime = z.string().describe('ISO 8601 timestamp');
const failure = z.object({ type: z.string().optional(), message: z.string() });
const outcome = z
  .object({ status: z.string(), summary: z.string() })
  .describe('See the target adapter contract for every field');

export const changeSummarySchema = z
  .object({
    changeId: z.string(),
    workflowId: z.string(),
    title: z.string().optional(),
    rollsBack: z.string().optional().describe('For the rollback of a finished change later: the change it rolls back'),
    phase: z.enum(changePhases).optional().describe('ChangeStatus search attribute'),
    targets: z.array(z.string()),
    requestedBy: z.string().optional(),
    escalationLevel: z.number().optional(),
    executionStatus: z.string().describe('RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT'),
    startedAt: isoTime,
    closedAt: isoTime.optional(),
  })
  .meta({ id: 'ChangeSummary' });

export const changePageSchema = z
  .object({ changes: z.array(changeSummarySchema), nextPageToken: z.string().optional() })
  .meta({ id: 'ChangePage' });

const acceptedDecisionSchema = z.object({
  questionId: z.string(),
  kind: questionKind,
  stepId: z.string().optional(),
  decision: decisionName,
  actor: z.string(),
  comment: z.string().optional(),
  level: z.number(),
  at: isoTime,
});

const stepStatusSchema = z.object({
  id: z.string(),
  target: z.string(),
  state: z
    .string()
    .describe('pending, applying, applied, failed, skipped, compensating, restored, conflict, compensation-failed'),
  recoveryPoint: z
    .object({
      id: z.string(),
      target: z.string(),
      purpose: z.string(),
      checksum: z.string(),
      summary: z.string(),
      capturedAt: isoTime,
    })
    .optional(),
  applied: outcome.optional(),
  restore: outcome.optional(),
  error: failure.optional(),
  resolvedManually: z.object({ actor: z.string(), comment: z.string().optional(), at: isoTime }).optional(),
  timings: z
    .object({
      applyStartedAt: isoTime.optional(),
      appliedAt: isoTime.optional(),
      compensationStartedAt: isoTime.optional(),
      compensatedAt: isoTime.optional(),
    })
    .optional(),
});

const changeStatusShape = {
  changeId: z.string(),
  title: z.string(),
  phase: z.enum(changePhases),
  steps: z.array(stepStatusSchema),
  pendingDecisions: z.array(pendingQuestionSchema),
  decisions: z.array(acceptedDecisionSchema),
  rollbackRequest: z
    .object({ actor: z.string(), reason: z.string(), category: z.enum(rollbackCategories), at: isoTime })
    .optional(),
  floor: z
    .object({ name: z.string(), source: z.string(), rules: z.array(z.string()), breakGlassGroups: z.array(z.string()) })
    .optional()
    .describe('The operator policy floor the worker checked the change against, and the rules of it that applied'),
  timeline: z.array(
    z.object({
      at: isoTime,
      event: z.string(),
      stepId: z.string().optional(),
      actor: z.string().optional(),
      detail: z.string().optional(),
    }),
  ),
};

export const changeStatusSchema = z.object(changeStatusShape).meta({ id: 'ChangeStatus' });

/** GET /v1/changes/:id — the status query plus what visibility knows and a link to the UI. */
export const changeViewSchema = z
  .object({
    ...changeStatusShape,
    requestedBy: z.string().optional(),
    executionStatus: z.string(),
    startedAt: isoTime,
    closedAt: isoTime.optional(),
    links: z.object({ temporalUi: z.string() }),
  })
  .meta({ id: 'ChangeView' });

const metricSampleSchema = z.object({
  at: isoTime,
  trigger: z.string(),
  value: z.number().nullable(),
  samples: z.number().nullable(),
  verdict: z.enum(['breach', 'healthy', 'inconclusive']),
  reason: z.string(),
});
const rootCauseNoteSchema = z.object({ note: z.string(), author: z.string(), at: isoTime });

export const changeReportSchema = z
  .object({
    ...changeStatusShape,
    requestedBy: z.string(),
    rollsBack: z.string().optional().describe('For the rollback of a finished change later: the change it rolls back'),
    startedAt: isoTime,
    finishedAt: isoTime,
    cause: failure.extend({ stepId: z.string().optional() }).optional(),
    timeToRecoverMs: z.number().optional(),
    recovery: z
      .object({
        detectedAt: isoTime,
        rollbackStartedAt: isoTime,
        restoredAt: isoTime.describe('Every compensation ended: restored, or resolved by hand'),
        lastRestoreAt: isoTime.optional().describe("The last restore attempt finished (without people's wait)"),
        resolvedManuallyAt: isoTime.optional().describe('The last compensation resolved by hand'),
        waitedOnPeopleMs: z.number().optional().describe('Time the compensations waited on people'),
        validatedAt: isoTime.optional(),
        timeToRecoverMs: z.number(),
        measuredTo: z.enum(['validated', 'restored']).optional().describe('Where timeToRecoverMs ends'),
      })
      .optional(),
    cancelled: z.boolean().optional(),
    observation: z
      .object({
        startedAt: isoTime,
        endedAt: isoTime.optional(),
        outcome: z.enum(['healthy', 'fired', 'inconclusive', 'interrupted']),
        baselines: z.array(
          z.object({
            trigger: z.string(),
            value: z.number().nullable(),
            samples: z.number().nullable(),
            from: isoTime,
            to: isoTime,
          }),
        ),
        samples: z.array(metricSampleSchema),
      })
      .optional(),
    trigger: z
      .object({
        name: z.string(),
        metric: z.string(),
        comparison: z.string(),
        value: z.number().nullable(),
        baseline: z.number().nullable().optional(),
        samples: z.number().nullable(),
        consecutive: z.number(),
        firedAt: isoTime,
      })
      .optional(),
    validation: z
      .object({
        ok: z.boolean(),
        validatedAt: isoTime,
        targets: z.array(
          z.object({
            stepId: z.string(),
            target: z.string(),
            ok: z.boolean(),
            recoveryPointChecksum: z.string().optional(),
            resolvedManually: z.object({ actor: z.string(), at: isoTime }).optional(),
            detail: z.string(),
          }),
        ),
        metrics: z.array(metricSampleSchema).optional(),
      })
      .optional(),
    rootCause: rootCauseNoteSchema.optional().describe('The latest root-cause note, attached after the change settled'),
    rootCauseHistory: z.array(rootCauseNoteSchema).optional().describe('Every root-cause note, oldest first'),
  })
  .meta({ id: 'ChangeReport' });

export const rootCauseResultSchema = z
  .object({ changeId: z.string(), rootCause: rootCauseNoteSchema, rootCauseHistory: z.array(rootCauseNoteSchema) })
  .meta({ id: 'RootCauseResult' });

/** POST /v1/changes/:id/root-cause — the author is the caller. */
export const rootCauseBodySchema = rootCauseInputSchema.pick({ note: true }).meta({ id: 'RootCauseBody' });

export const changeAdmissionSchema = z
  .object({
    phase: changeStatusShape.phase,
    pendingDecisions: changeStatusShape.pendingDecisions,
    detail: z.string().optional().describe("Why it stands there: the floor's refusal, the change holding a target"),
    floor: changeStatusShape.floor,
  })
  .meta({ id: 'ChangeAdmission' })
  .describe(
    'What the change does first: applying, awaiting-approval (with the question), waiting-for-lock, or rejected. Absent when no worker answered within the admission wait; the change is started all the same.',
  );

export const startedChangeSchema = z
  .object({
    changeId: z.string(),
    workflowId: z.string(),
    created: z.boolean(),
    admission: changeAdmissionSchema.optional(),
    links: z.object({ self: z.string(), temporalUi: z.string() }),
  })
  .meta({ id: 'StartedChange' });

export const decisionOutcomeSchema = z
  .object({
    status: z.enum(['accepted', 'partial', 'queued', 'refused']),
    questionId: z.string().optional(),
    reason: z.string().optional(),
  })
  .meta({ id: 'DecisionOutcome' });

export const rollbackOutcomeSchema = z
  .object({ status: z.enum(['accepted', 'already-requested', 'refused']), reason: z.string().optional() })
  .meta({ id: 'RollbackOutcome' });

/** What callers send: the actor and groups come from the bearer token, never from the body. */
export const decisionBodySchema = decisionInputSchema
  .pick({ decision: true, comment: true, questionId: true })
  .meta({ id: 'DecisionBody' });
export const rollbackBodySchema = rollbackRequestSchema
  .pick({ reason: true, category: true })
  .meta({ id: 'RollbackBody' });

/** POST /v1/changes/:id/rollback-later — the requester is the caller (admins may name someone else). */
export const rollbackLaterBodySchema = rollbackLaterRequestSchema
  .extend({ requestedBy: rollbackLaterRequestSchema.shape.requestedBy.optional() })
  .meta({ id: 'RollbackLaterBody' });

const conflictItemSchema = z.object({ item: z.string(), before: z.unknown(), written: z.unknown(), now: z.unknown() });

/** GET /v1/changes/:id/rollback-preview — what a rollback would do per target, and what it would leave as conflicts. */
export const rollbackPreviewSchema = z
  .object({
    changeId: z.string(),
    steps: z.array(
      z.object({
        stepId: z.string(),
        target: z.string(),
        recoveryPointId: z.string().optional(),
        operations: z.array(z.unknown()).describe('RFC 6902 operations from the target now back to its recovery point'),
        summary: z.string(),
        counts: z
          .record(z.string(), z.number())
          .optional()
          .describe('Targets with many items: how many a restore would restore, leave as conflicts, find unchanged'),
        conflicts: z
          .array(conflictItemSchema)
          .optional()
          .describe('Up to 20 items changed since the change wrote them: a rollback leaves them and asks'),
      }),
    ),
  })
  .meta({ id: 'RollbackPreview' });

const flowWriterSchema = z.object({
  action: z.enum(['create', 'apply', 'restore', 'edit']),
  changeId: z.string().optional(),
  stepId: z.string().optional(),
  actor: z.string().optional(),
  restoresVersion: z.number().optional().describe('The version whose content this write put back'),
  undoesChanges: z.array(z.string()).optional().describe('For restore-to steps: the changes undone, oldest first'),
});

/** GET /v1/flows/{flowId} — the flow as it is now. */
export const flowViewSchema = z
  .object({
    flowId: z.string(),
    version: z.number(),
    config: z
      .record(z.string(), z.unknown())
      .describe('The flow document (schema/flow.schema.json for flows created here)'),
    writtenBy: flowWriterSchema,
    updatedAt: isoTime,
  })
  .meta({ id: 'Flow' });

/** GET /v1/flows/{flowId}/versions — lineage. */
export const flowVersionsSchema = z
  .object({
    flowId: z.string(),
    current: z.number(),
    versions: z.array(
      z.object({
        version: z.number(),
        writtenAt: isoTime,
        writtenBy: flowWriterSchema,
        undoneBy: z
          .object({ version: z.number(), action: flowWriterSchema.shape.action, changeId: z.string().optional() })
          .optional()
          .describe('The first later write that put an earlier content back over this version'),
      }),
    ),
  })
  .meta({ id: 'FlowVersions' });

/** GET /v1/flows/{flowId}/diff — two versions compared. */
export const flowDiffSchema = z
  .object({
    flowId: z.string(),
    from: z.number(),
    to: z.number(),
    operations: z.array(z.record(z.string(), z.unknown())).describe('RFC 6902 operations from `from` to `to`'),
    lines: z.array(z.string()).describe('One readable line per operation, with the old and new values'),
  })
  .meta({ id: 'FlowDiff' });

const count = z.number().int().min(0);
const durationFiguresSchema = z.object({
  count,
  totalMs: z.number(),
  meanMs: z.number().nullable(),
  p50Ms: z.number().nullable().describe('Nearest rank: one of the values'),
  p95Ms: z.number().nullable(),
});
const insightFiguresSchema = z.object({
  changes: z.object({
    settled: count.describe('completed + rolledBack + rolledBackLater'),
    completed: count.describe('Completed and not rolled back later'),
    rolledBack: count,
    rolledBackLater: count.describe('Completed, then rolled back by a rollback run later'),
    rejected: count.describe('Never applied (not approved, refused by the floor or a lock); not settled'),
    other: count,
    failed: count,
    failureRate: z.number().nullable().describe('failed / settled; null when nothing settled'),
  }),
  rollbacks: z.object({
    total: count,
    laterRuns: count,
    byCause: z.record(z.string(), count).describe('StepFailed, or the run cause: ManualRollback, TriggerFired, …'),
    byCategory: z.record(z.string(), count).describe('Reason category of manual rollbacks and rollbacks later'),
    byTrigger: z.array(z.object({ name: z.string(), source: z.string(), count })),
    byTargetKind: z.record(z.string(), count),
  }),
  timeToRecover: durationFiguresSchema,
  decisionWait: durationFiguresSchema.describe('Per answered question: first asked → answered'),
  escalations: count,
});

/** GET /v1/insights — figures over the stored reports, by period (docs/insights.md). */
export const insightsSchema = z
  .object({
    from: isoTime,
    to: isoTime,
    period: z.enum(periodKinds),
    targetKind: z.enum(targetKinds as [TargetKind, ...TargetKind[]]).optional(),
    totals: insightFiguresSchema,
    periods: z.array(insightFiguresSchema.extend({ period: z.string(), start: isoTime, end: isoTime })),
    failingSteps: z.array(z.object({ stepId: z.string(), target: z.string(), count })),
    rootCauses: z.object({
      mostRecent: z.array(z.object({ changeId: z.string(), note: z.string(), author: z.string(), at: isoTime })),
      mostFrequent: z.array(z.object({ note: z.string(), count })),
    }),
  })
  .meta({ id: 'Insights' });

/** RFC 9457 problem details, with every bad field's location and path for 400. */
export const problemSchema = z
  .object({
    title: z.string(),
    status: z.number(),
    detail: z.string(),
    code: z
      .string()
      .describe('Machine-readable: ValidationError, Unauthorized, NotAllowed, ChangeNotFound, Conflict, …'),
    issues: z
      .array(z.object({ in: z.enum(['body', 'query', 'path', 'header']), path: z.string(), message: z.string() }))
      .optional(),
    requestId: z.string(),
  })
  .meta({ id: 'Problem' });

// Compile-time proof that what the client returns fits what the document promises.
type Fits<Actual, Schema extends z.ZodType> = Actual extends z.output<Schema> ? true : never;
const _fits: [
  Fits<ChangeStatus, typeof changeStatusSchema>,
  Fits<ChangeReport, typeof changeReportSchema>,
  Fits<AnnotatedReport, typeof changeReportSchema>,
  Fits<RootCauseResult, typeof rootCauseResultSchema>,
  Fits<ChangeSummary, typeof changeSummarySchema>,
  Fits<ChangePage, typeof changePageSchema>,
  Fits<StartedChange & { links: { self: string; temporalUi: string } }, typeof startedChangeSchema>,
  Fits<DecisionOutcome, typeof decisionOutcomeSchema>,
  Fits<RollbackRequestOutcome, typeof rollbackOutcomeSchema>,
  Fits<RollbackPreview, typeof rollbackPreviewSchema>,
  Fits<FlowView, typeof flowViewSchema>,
  Fits<FlowVersions, typeof flowVersionsSchema>,
  Fits<Insights, typeof insightsSchema>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true];
