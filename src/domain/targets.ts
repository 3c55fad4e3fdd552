import { crmSpecSchema } from '../activities/targets/crm/spec';
import { flowConfigSpecSchema } from '../activities/targets/flow-config/spec';
import { webhookSpecSchema } from '../activities/targets/webhook/spec';

/**
 * Every target kind and the schema of its step spec. Adding a kind means adding its spec here and
 * its adapter to the activity registry; the workflow does not change.
 */
export const targetSpecSchemas = {
  'flow-config': flowConfigSpecSchema,
  crm: crmSpecSchema,
  webhook: webhookSpecSchema,
} as const;

export type TargetKind = keyof typeof targetSpecSchemas;
export const targetKinds = Object.keys(targetSpecSchemas) as TargetKind[];
