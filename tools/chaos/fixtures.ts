import type { Db } from 'mongodb';
import { FlowStore } from '../../src/store/flows';
import type { ChangeRequestInput } from '../../src/domain/change-request';
import type { CrmPeer } from '../peers/crm-peer';
import type { PrometheusPeer } from '../peers/prometheus-peer';
import type { ChangeManifest, StepTarget } from './manifest';
import { plannedOutcome, type PlannedChange, type PlannedStep } from './plan';

type StepInput = ChangeRequestInput['steps'][number];

/** The webhook receiver's name in the worker's WEBHOOK_PARTNERS. */
export const WEBHOOK_PARTNER = 'peer';
/** Requests under this path are refused by the partner with 400 (a scripted fault): a deterministic failure. */
export const REFUSED_WEBHOOK_PATH = '/partner/refuse/';
/** Compensating webhook requests go under this path. */
export const WEBHOOK_ROUTES_PATH = '/partner/routes/';
export const REQUESTER = 'chaos@example.com';
/** Collections of the database target kinds' fixtures. */
export const LEADS_COLLECTION = 'chaos_leads';
export const DOCUMENTS_COLLECTION = 'chaos_partner_settings';
const LEADS_PER_STEP = 5;
export const ON_CALL = 'oncall@example.com';

const CRM_OBJECT = 'contacts';
/** Custom CRM properties the campaign's records carry. */
const recordProperties = [
  { name: 'chaos_tier', label: 'Chaos tier', type: 'string', fieldType: 'text', groupName: 'contactinformation' },
  { name: 'chaos_note', label: 'Chaos note', type: 'string', fieldType: 'text', groupName: 'contactinformation' },
];

export interface FixtureContext {
  db: Db;
  crm: CrmPeer;
  webhookUrl: string;
  runId: string;
  /** Where `trigger-after-apply` changes' metric is served (set high, so the trigger fires). */
  prometheus?: PrometheusPeer;
}

/**
 * Seeds every target the plan's changes touch (flows in MongoDB, records in the CRM peer) and
 * builds each change's request. Returns the manifest entries the checker judges against.
 */
export async function seedAndBuild(plan: PlannedChange[], context: FixtureContext): Promise<ChangeManifest[]> {
  for (const property of recordProperties) {
    if (!context.crm.state.property(CRM_OBJECT, property.name)) context.crm.state.createProperty(CRM_OBJECT, property);
  }
  const flows = new FlowStore(context.db);
  const manifest: ChangeManifest[] = [];
  for (const change of plan) {
    const steps: StepInput[] = [];
    const targets: StepTarget[] = [];
    for (const step of change.steps) {
      const { input, target } = await stepFixture(change, step, context, flows);
      steps.push(input);
      targets.push(target);
    }
    manifest.push({
      changeId: change.changeId,
      scenario: change.scenario,
      expected: plannedOutcome(change),
      request: requestFor(change, steps, context),
      targets,
    });
  }
  return manifest;
}

async function stepFixture(
  change: PlannedChange,
  step: PlannedStep,
  context: FixtureContext,
  flows: FlowStore,
): Promise<{ input: StepInput; target: StepTarget }> {
  const base = { id: step.id, description: `${change.scenario} step of chaos change ${change.index}` };
  switch (step.kind) {
    case 'flow': {
      const flowId = `${change.changeId}-${step.id}`;
      const seed = flowConfig(flowId);
      await flows.create(flowId, seed, 'chaos-seed');
      const patch =
        step.fails === 'flow-test-op'
          ? [
              { op: 'test' as const, path: '/pricing/currency', value: 'EUR' },
              { op: 'replace' as const, path: '/enabled', value: false },
            ]
          : [
              { op: 'replace' as const, path: '/pricing/cap', value: 21 + (change.index % 50) },
              { op: 'add' as const, path: '/labels', value: ['chaos', change.changeId] },
            ];
      return {
        input: { ...base, target: 'flow-config', spec: { flowId, patch, expectedVersion: 1 } },
        target: { stepId: step.id, kind: 'flow', flowId, seed },
      };
    }
    case 'crm-record': {
      const seed = { chaos_tier: 'bronze', chaos_note: `seeded for ${change.changeId}` };
      const record = context.crm.state.createRecord(CRM_OBJECT, seed);
      // A property the CRM does not have: the partner answers 400 and nothing is written.
      const properties: Record<string, string> =
        step.fails === 'crm-rejected'
          ? { chaos_tier: 'gold', chaos_unknown_field: 'x' }
          : { chaos_tier: 'gold', chaos_note: `changed by ${change.changeId}` };
      return {
        input: {
          ...base,
          target: 'crm',
          spec: { action: 'update-record', objectType: CRM_OBJECT, recordId: record.id, properties },
        },
        target: { stepId: step.id, kind: 'crm-record', objectType: CRM_OBJECT, recordId: record.id, seed },
      };
    }
    case 'crm-property': {
      const name = `chaos_${context.runId}_${change.index}_${step.id.replace(/-/g, '_')}`;
      return {
        input: {
          ...base,
          target: 'crm',
          spec: {
            action: 'create-property',
            objectType: CRM_OBJECT,
            property: {
              name,
              label: `Chaos ${change.index} ${step.id}`,
              type: 'string',
              fieldType: 'text',
              groupName: 'contactinformation',
            },
          },
        },
        target: { stepId: step.id, kind: 'crm-property', objectType: CRM_OBJECT, name },
      };
    }
    case 'lead-data': {
      const batch = `${change.changeId}-${step.id}`;
      const seed = Array.from({ length: LEADS_PER_STEP }, (_, n) => ({
        _id: `${batch}-${n}`,
        batch,
        status: 'new',
        score: n,
        email: `lead${n}@example.com`,
      }));
      await context.db.collection<{ _id: string }>(LEADS_COLLECTION).insertMany(seed.map((lead) => ({ ...lead })));
      return {
        input: {
          ...base,
          target: 'lead-data',
          spec: { collection: LEADS_COLLECTION, filter: { batch }, set: { status: 'qualified', tier: 'gold' } },
        },
        target: { stepId: step.id, kind: 'lead-data', collection: LEADS_COLLECTION, batch, seed },
      };
    }
    case 'mongo-document': {
      const id = `${change.changeId}-${step.id}`;
      const seed = { _id: id, endpoint: 'https://partner.example.com/leads', retries: 3, mode: 'lenient' };
      await context.db.collection<{ _id: string }>(DOCUMENTS_COLLECTION).insertOne({ ...seed });
      return {
        input: {
          ...base,
          target: 'mongo-document',
          spec: { collection: DOCUMENTS_COLLECTION, id, op: 'set', fields: { retries: 5, mode: 'strict' } },
        },
        target: { stepId: step.id, kind: 'mongo-document', collection: DOCUMENTS_COLLECTION, id, seed },
      };
    }
    case 'webhook': {
      const refused = step.fails === 'webhook-rejected';
      const root = `${context.webhookUrl}${refused ? REFUSED_WEBHOOK_PATH : WEBHOOK_ROUTES_PATH}`;
      return {
        input: {
          ...base,
          target: 'webhook',
          spec: {
            partner: WEBHOOK_PARTNER,
            timeoutMs: 5000,
            forward: {
              method: 'POST',
              url: `${root}?change={{changeId}}`,
              body: { change: '{{changeId}}', step: '{{stepId}}', route: `route-${change.index}` },
            },
            compensate: { method: 'DELETE', url: `${root}{{changeId}}-{{stepId}}` },
          },
        },
        target: { stepId: step.id, kind: 'webhook' },
      };
    }
  }
}

function requestFor(change: PlannedChange, steps: StepInput[], context: FixtureContext): ChangeRequestInput {
  const request: ChangeRequestInput = {
    title: `Chaos change ${change.index} (${change.scenario})`,
    requestedBy: REQUESTER,
    risk: 'low',
    steps,
  };
  if (change.scenario === 'ask-then-rollback') {
    request.policy = {
      onStepFailure: 'ask',
      escalation: {
        levels: [{ name: 'on-call', deciders: { actors: [ON_CALL], groups: [] }, notify: [], deadline: '1h' }],
      },
    };
  }
  if (change.scenario === 'trigger-after-apply') {
    if (!context.prometheus) throw new Error('a trigger-after-apply change needs the Prometheus peer');
    const query = `chaos_delivery_error_rate{change="${change.changeId}"}`;
    // 40 % of deliveries failing after the change: above the 5 % threshold at the first sample.
    context.prometheus.set(query, 0.4);
    request.policy = {
      observe: {
        bakeTime: '1m',
        interval: '2s',
        triggers: [
          {
            name: 'delivery-errors',
            metric: { source: 'prometheus', query },
            comparison: { kind: 'above', threshold: 0.05 },
            minSamples: 1,
          },
        ],
        onTrigger: 'rollback',
      },
    };
  }
  return request;
}

function flowConfig(name: string): Record<string, unknown> {
  return {
    name,
    enabled: true,
    steps: [
      { type: 'filter', rules: [{ field: 'state', op: 'in', value: ['CA', 'TX'] }] },
      { type: 'delivery', recipient: 'crm-east', timeoutMs: 5000 },
    ],
    pricing: { cap: 20, currency: 'USD' },
  };
}
