import type { Db } from 'mongodb';
import { FlowStore } from '../activities/targets/flow-config/store';
import type { ChangeRequestInput } from '../domain/change-request';

/**
 * The demo's story: three lead flows get a coordinated change. Step 3 was planned against
 * version 1 of the home-insurance flow, but a teammate edited that flow in the meantime, so it
 * fails with a conflict and steps 2 and 1 are rolled back.
 */
export async function seedDemoFlows(db: Db, suffix: string): Promise<string[]> {
  const flows = new FlowStore(db);
  const ids = ['solar-leads', 'auto-insurance', 'home-insurance'].map((name) => `${name}-${suffix}`);
  for (const id of ids) {
    await flows.create(
      id,
      {
        name: id,
        enabled: true,
        steps: [
          { type: 'filter', rules: [{ field: 'state', op: 'in', value: ['CA', 'TX', 'FL'] }] },
          { type: 'mapping', fields: { phone: 'phone_1', email: 'email', zip: 'postal_code' } },
          { type: 'delivery', recipient: 'crm-east', timeoutMs: 5000 },
        ],
        pricing: { cap: 20, currency: 'USD' },
      },
      'demo',
    );
  }
  const home = (await flows.get(ids[2]!))!;
  await flows.write(ids[2]!, home.version, { ...home.config, pricing: { cap: 18, currency: 'USD' } }, { action: 'edit', actor: 'teammate@example.com' });
  return ids;
}

export function demoChange([solar, auto, home]: string[]): ChangeRequestInput {
  return {
    title: 'Spring campaign: raise solar cap, reroute auto deliveries, add a home recipient',
    requestedBy: 'ops@example.com',
    risk: 'medium',
    steps: [
      { id: 'raise-solar-cap', target: 'flow-config', description: 'cap 20 → 35', spec: { flowId: solar!, patch: [{ op: 'replace', path: '/pricing/cap', value: 35 }] } },
      {
        id: 'reroute-auto',
        target: 'flow-config',
        description: 'deliver auto leads to crm-west',
        spec: { flowId: auto!, patch: [{ op: 'replace', path: '/steps/2/recipient', value: 'crm-west' }] },
      },
      {
        id: 'home-recipient',
        target: 'flow-config',
        description: 'add a second recipient (planned against version 1)',
        spec: {
          flowId: home!,
          expectedVersion: 1,
          patch: [{ op: 'add', path: '/steps/-', value: { type: 'delivery', recipient: 'partner-hub', timeoutMs: 3000 } }],
        },
      },
    ],
  };
}
