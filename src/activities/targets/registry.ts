import type { Db } from 'mongodb';
import type { Step } from '../../domain/change-request';
import type { TargetKind } from '../../domain/targets';
import { createFlowConfigAdapter } from './flow-config/adapter';
import { createLeadDataAdapter } from './lead-data/adapter';
import { createMongoDocumentAdapter } from './mongo-document/adapter';
import type { TargetAdapter } from './types';

export type AdapterRegistry = { [K in TargetKind]: TargetAdapter<Extract<Step, { target: K }>['spec']> };

/** Dependencies target adapters may use; `src/worker.ts` builds the real ones. */
export interface TargetDeps {
  db: Db;
}

export function createAdapterRegistry(deps: TargetDeps): AdapterRegistry {
  return {
    'flow-config': createFlowConfigAdapter(deps.db),
    'lead-data': createLeadDataAdapter(deps.db),
    'mongo-document': createMongoDocumentAdapter(deps.db),
  };
}

/** The adapter for a step, typed by its target kind. */
export function adapterFor(registry: AdapterRegistry, step: Step): TargetAdapter<Step['spec']> {
  return registry[step.target] as TargetAdapter<Step['spec']>;
}
