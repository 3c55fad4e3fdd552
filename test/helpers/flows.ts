import type { Db } from 'mongodb';
import { FlowStore, type FlowConfig } from '../../src/store/flows';

/** A lead flow as the platform keeps it: steps, rules, field mappings, recipients and pricing. */
export function sampleFlowConfig(name: string): FlowConfig {
  return {
    name,
    enabled: true,
    steps: [
      { type: 'filter', rules: [{ field: 'state', op: 'in', value: ['CA', 'TX'] }] },
      { type: 'mapping', fields: { phone: 'phone_1', email: 'email' } },
      { type: 'delivery', recipient: 'crm-east', timeoutMs: 5000 },
    ],
    pricing: { cap: 20, currency: 'USD' },
  };
}

export async function seedFlows(db: Db, flowIds: string[]): Promise<FlowStore> {
  const store = new FlowStore(db);
  for (const id of flowIds) await store.create(id, sampleFlowConfig(id), 'test-seed');
  return store;
}
