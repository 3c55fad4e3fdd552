import { crmSpecSchema } from '../activities/targets/crm/spec';
import { flowConfigSpecSchema } from '../activities/targets/flow-config/spec';
import { leadDataSpecSchema } from '../activities/targets/lead-data/spec';
import { mongoDocumentSpecSchema } from '../activities/targets/mongo-document/spec';
import { webhookSpecSchema } from '../activities/targets/webhook/spec';

/**
 * Every target kind and the schema of its step spec. Adding a kind means adding its spec here and
 * its adapter to the activity registry; the workflow does not change.
 */
export const targetSpecSchemas = {
  'flow-config': flowConfigSpecSchema,
  'lead-data': leadDataSpecSchema,
  'mongo-document': mongoDocumentSpecSchema,
  crm: crmSpecSchema,
  webhook: webhookSpecSchema,
} as const;

export type TargetKind = keyof typeof targetSpecSchemas;
export const targetKinds = Object.keys(targetSpecSchemas) as TargetKind[];
