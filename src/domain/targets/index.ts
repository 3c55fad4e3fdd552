import { crmSpecSchema } from './crm';
import { flowConfigSpecSchema } from './flow-config';
import { leadDataSpecSchema } from './lead-data';
import { mongoDocumentSpecSchema } from './mongo-document';
import { webhookSpecSchema } from './webhook';

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
