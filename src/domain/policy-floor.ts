import { z } from 'zod';
import { collectionNameSchema } from './targets/fields';
import { durationSchema } from './duration';
import { channelSchema, groupSchema } from './policy';
import { targetKinds, type TargetKind } from './targets/index';
import type { FieldIssue } from './validation';

const crmActions = ['create-property', 'update-property', 'delete-property', 'update-record'] as const;

/**
 * The operator's policy floor: the least a change must accept, whatever its request says. The API,
 * the CLI and the client tighten every request to it (approval forced, decider groups added) and
 * refuse what cannot be tightened; the worker checks it again before anything is applied. Loaded
 * from `POLICY_FLOOR` (JSON) or `POLICY_FLOOR_FILE` (JSON or YAML).
 */
export const policyFloorSchema = z.strictObject({
  /** Shown in every change's status and report, e.g. `production 2025-06`. */
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9 ._:-]*$/, 'must be letters, digits, spaces, ".", "_", ":" or "-"')
    .default('operator floor'),
  /** When a change needs approval before anything is applied (any rule that matches is enough). */
  approval: z
    .strictObject({
      /** Changes of these risks (`risk: high` always needs approval, by two distinct approvers). */
      risks: z
        .array(z.enum(['low', 'medium', 'high']))
        .max(3)
        .default([]),
      /** Changes with a step of one of these target kinds, e.g. every `webhook` step. */
      targets: z
        .array(z.enum(targetKinds as [TargetKind, ...TargetKind[]]))
        .max(targetKinds.length)
        .default([]),
      /** Changes of more than this many steps. */
      maxSteps: z.int().min(1).max(100).optional(),
      /** `lead-data` steps whose filter selects more than `maxLeads` leads (counted at validation, and again when applied). */
      leadData: z.strictObject({ maxLeads: z.int().min(0).max(1_000_000_000) }).optional(),
      /** `mongo-document` steps on one of these collections. */
      mongoDocument: z.strictObject({ collections: z.array(collectionNameSchema).min(1).max(100) }).optional(),
      /** `crm` steps with one of these actions, e.g. `delete-property`. */
      crm: z.strictObject({ actions: z.array(z.enum(crmActions)).min(1).max(crmActions.length) }).optional(),
    })
    .default({ risks: [], targets: [] }),
  /**
   * Groups that are always part of the escalation: they join the first level, and since a level's
   * deciders include every earlier level's, they may decide at every level. A request without
   * escalation gets one level of its own (the requester and these groups, this deadline and notify).
   */
  deciders: z
    .strictObject({
      groups: z.array(groupSchema).max(10).default([]),
      deadline: durationSchema.default('1h'),
      notify: z.array(channelSchema).max(10).default([]),
    })
    .default({ groups: [], deadline: '1h', notify: [] }),
  /** Groups that may always decide (at any level) and roll back, whatever the change's policy names. */
  breakGlass: z
    .strictObject({ groups: z.array(groupSchema).max(10).default(['admin']) })
    .default({ groups: ['admin'] }),
});

export type PolicyFloor = z.infer<typeof policyFloorSchema>;

/** A floor and where it was read from, as the worker, the API and the CLI hold it. */
export interface LoadedFloor {
  floor: PolicyFloor;
  /** `POLICY_FLOOR`, `POLICY_FLOOR_FILE <path>`, or `built-in` when neither is set. */
  source: string;
}

/** Without configuration: only the built-in rules (risk high needs approval) and `admin` as break-glass group. */
export const builtInFloor: LoadedFloor = {
  floor: policyFloorSchema.parse({ name: 'built-in' }),
  source: 'built-in (POLICY_FLOOR and POLICY_FLOOR_FILE unset)',
};

/** The floor that applied to one change, as its status and report show it. */
export interface FloorRecord {
  name: string;
  source: string;
  /** Each rule of the floor that applied to this change, with the reason and the rule's name. */
  rules: string[];
  /** Who may always decide and roll back. */
  breakGlassGroups: string[];
}

/** The worker's verdict on a change before anything is applied: the floor that applies, and how the request is weaker. */
export interface FloorVerdict {
  floor: FloorRecord;
  /** Empty when the request meets the floor; otherwise the change ends rejected. */
  violations: FieldIssue[];
}
