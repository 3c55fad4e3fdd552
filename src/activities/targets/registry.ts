import type { Db } from 'mongodb';
import type { Step } from '../../domain/change-request';
import type { TargetKind } from '../../domain/targets/index';
import type { CrmConnection } from './crm/api';
import { collectionGate } from './common/collection-gate';
import type { TargetCollections } from '../../domain/targets/collections';
import { createCrmAdapter } from './crm/adapter';
import { createFlowConfigAdapter } from './flow-config/adapter';
import { createLeadDataAdapter } from './lead-data/adapter';
import { createMongoDocumentAdapter } from './mongo-document/adapter';
import type { Partners } from '../../domain/partners';
import { createWebhookAdapter } from './webhook/adapter';
import type { TargetAdapter } from '../../domain/outcomes';

export type AdapterRegistry = { [K in TargetKind]: TargetAdapter<Extract<Step, { target: K }>['spec']> };

/** Dependencies target adapters may use; `src/worker.ts` builds the real ones. */
export interface TargetDeps {
  db: Db;
  /** The CRM `crm` steps talk to (from CRM_BASE_URL / CRM_TOKEN); without it they fail as WorkerMisconfiguredError. */
  crm?: CrmConnection;
  /** The partners `webhook` steps may call, with their secrets (from WEBHOOK_PARTNERS). */
  partners?: Partners;
  /** Collections lead-data and mongo-document steps may target (TARGET_COLLECTIONS); reserved ones never. */
  targetCollections?: TargetCollections;
  /** Lead fields whose values are never stored or returned in conflict samples and previews (REDACTED_LEAD_FIELDS). */
  redactedLeadFields?: readonly string[];
}

export function createAdapterRegistry(deps: TargetDeps): AdapterRegistry {
  return {
    'flow-config': createFlowConfigAdapter(deps.db),
    'lead-data': collectionGate(
      'lead-data',
      createLeadDataAdapter(deps.db, { redactedFields: deps.redactedLeadFields }),
      deps.targetCollections,
    ),
    'mongo-document': collectionGate(
      'mongo-document',
      createMongoDocumentAdapter(deps.db, deps.redactedLeadFields),
      deps.targetCollections,
    ),
    crm: createCrmAdapter(deps.db, deps.crm, deps.redactedLeadFields),
    webhook: createWebhookAdapter(deps.db, deps.partners),
  };
}

/** The adapter for a step, typed by its target kind. */
export function adapterFor(registry: AdapterRegistry, step: Step): TargetAdapter<Step['spec']> {
  return registry[step.target] as TargetAdapter<Step['spec']>;
}
