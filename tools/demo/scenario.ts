import type { Db } from 'mongodb';
import { FlowStore } from '../../src/store/flows';
import type { ChangeRequestInput } from '../../src/domain/change-request';

/**
 * The demo's story: three lead flows, a CRM contact and a partner's webhook get a coordinated
 * change. The last step was planned against version 1 of the home-insurance flow, but a teammate
 * edited that flow in the meantime, so it fails with a conflict and every earlier step is rolled
 * back in reverse: the partner gets one compensating call, the CRM contact its old values.
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
  await flows.write(
    ids[2]!,
    home.version,
    { ...home.config, pricing: { cap: 18, currency: 'USD' } },
    { action: 'edit', actor: 'teammate@example.com' },
  );
  return ids;
}

/** The demo's HTTP partners: a contact in the CRM peer and the webhook receiver's URL. */
export interface DemoPartners {
  crmRecordId: string;
  webhookUrl: string;
  /** The partner (of the worker's WEBHOOK_PARTNERS) the webhook step calls; its secret signs. */
  partnerName: string;
}

export function demoChange([solar, auto, home]: string[], partners?: DemoPartners): ChangeRequestInput {
  const httpSteps: ChangeRequestInput['steps'] = partners
    ? [
        {
          id: 'qualify-contact',
          target: 'crm',
          description: 'mark the campaign contact as a new lead in the CRM',
          spec: {
            action: 'update-record',
            objectType: 'contacts',
            recordId: partners.crmRecordId,
            properties: { lifecyclestage: 'lead', hs_lead_status: 'NEW' },
          },
        },
        {
          id: 'notify-partner',
          target: 'webhook',
          description: 'tell the partner about the new solar cap (undone by a compensating call)',
          spec: {
            partner: partners.partnerName,
            forward: {
              method: 'POST',
              url: `${partners.webhookUrl}/hooks/caps`,
              body: { change: '{{changeId}}', flow: solar!, cap: 35 },
            },
            compensate: {
              method: 'POST',
              url: `${partners.webhookUrl}/hooks/caps/revert`,
              body: { change: '{{changeId}}', flow: solar!, cap: 20 },
            },
          },
        },
      ]
    : [];
  return {
    title: 'Spring campaign: raise solar cap, reroute auto deliveries, add a home recipient',
    requestedBy: 'ops@example.com',
    risk: 'medium',
    steps: [
      {
        id: 'raise-solar-cap',
        target: 'flow-config',
        description: 'cap 20 → 35',
        spec: { flowId: solar!, patch: [{ op: 'replace', path: '/pricing/cap', value: 35 }] },
      },
      {
        id: 'reroute-auto',
        target: 'flow-config',
        description: 'deliver auto leads to crm-west',
        spec: { flowId: auto!, patch: [{ op: 'replace', path: '/steps/2/recipient', value: 'crm-west' }] },
      },
      ...httpSteps,
      {
        id: 'home-recipient',
        target: 'flow-config',
        description: 'add a second recipient (planned against version 1)',
        spec: {
          flowId: home!,
          expectedVersion: 1,
          patch: [
            { op: 'add', path: '/steps/-', value: { type: 'delivery', recipient: 'partner-hub', timeoutMs: 3000 } },
          ],
        },
      },
    ],
  };
}
