import jsonPatch, { type Operation } from 'fast-json-patch';
import type { Db } from 'mongodb';
import { checksum, deepEqual } from '../../../src/domain/canonical';
import type { ChangeManifest, StepTarget } from '../manifest';
import type { CrmPeerStateView } from './peers';
import type { PeerStats } from '../../peers/server';
import type { Inconsistency } from './types';
import { productCollection } from '../../../src/store/collections';

export interface TargetContext {
  db: Db;
  crm: CrmPeerStateView;
  webhookStats: PeerStats;
}

type Verdict = { inconsistencies: Inconsistency[]; compensationsWithoutForward: number };

interface RecoveryPointView {
  _id: string;
  state: unknown;
  checksum: string;
  version?: number;
}

/**
 * Each target equals the state the change's outcome implies: the request applied to the seed when
 * the change completed, the seed (its recovery point) when it rolled back. Computed from the
 * request and the seed, read from the target itself (MongoDB for flows, the CRM peer's state, the
 * webhook receiver's effects per idempotency key) — never from the workflow's report. The recovery
 * point, where one was taken, must hold the seed: a restore is only as good as what it restores.
 */
export async function checkTargets(
  change: ChangeManifest,
  outcome: 'completed' | 'rolled-back',
  context: TargetContext,
): Promise<Verdict> {
  const verdict: Verdict = { inconsistencies: [], compensationsWithoutForward: 0 };
  for (const target of change.targets) {
    const step = change.request.steps.find((s) => s.id === target.stepId)!;
    const fail = (detail: string) =>
      verdict.inconsistencies.push({ check: 'target', changeId: change.changeId, stepId: target.stepId, detail });
    const point = await productCollection<RecoveryPointView>(context.db, 'recoveryPoints').findOne({
      _id: `${change.changeId}/${target.stepId}/before-apply`,
    });
    if (point && checksum(point.state) !== point.checksum)
      fail(`recovery point ${point._id} does not match its own checksum`);
    switch (target.kind) {
      case 'flow':
        await checkFlow(change, target, step.spec as { patch: Operation[] }, outcome, point, context.db, fail);
        break;
      case 'crm-record':
        checkCrmRecord(
          target,
          step.spec as { properties: Record<string, string | null> },
          outcome,
          point,
          context.crm,
          fail,
        );
        break;
      case 'crm-property':
        checkCrmProperty(target, step.spec as { property: Record<string, unknown> }, outcome, point, context.crm, fail);
        break;
      case 'lead-data':
        await checkLeads(target, step.spec as { set?: Record<string, unknown> }, outcome, context.db, fail);
        break;
      case 'mongo-document':
        await checkDocument(target, step.spec as { fields: Record<string, unknown> }, outcome, point, context.db, fail);
        break;
      case 'webhook': {
        const effects = (phase: string) =>
          context.webhookStats.keys[`${change.changeId}/${target.stepId}/${phase}`]?.effects ?? 0;
        const forward = effects('forward');
        const compensate = effects('compensate');
        if (outcome === 'completed' && (forward !== 1 || compensate !== 0))
          fail(`completed, but the partner took the forward request ${forward}× and the compensation ${compensate}×`);
        if (outcome === 'rolled-back' && forward > 0 && compensate !== forward)
          fail(`rolled back, but the partner took the forward request ${forward}× and the compensation ${compensate}×`);
        if (outcome === 'rolled-back' && forward === 0 && compensate > 0) verdict.compensationsWithoutForward += 1;
        break;
      }
    }
  }
  return verdict;
}

async function checkFlow(
  change: ChangeManifest,
  target: Extract<StepTarget, { kind: 'flow' }>,
  spec: { patch: Operation[] },
  outcome: 'completed' | 'rolled-back',
  point: RecoveryPointView | null,
  db: Db,
  fail: (detail: string) => void,
): Promise<void> {
  const flow = await productCollection<{
    _id: string;
    version: number;
    config: unknown;
    writtenBy?: { changeId?: string; stepId?: string; action?: string };
  }>(db, 'flows').findOne({ _id: target.flowId });
  if (!flow) return fail(`flow ${target.flowId} is gone`);
  const expected =
    outcome === 'completed'
      ? jsonPatch.applyPatch(structuredClone(target.seed), spec.patch, true, false).newDocument
      : target.seed;
  if (!deepEqual(flow.config, expected))
    fail(
      `flow ${target.flowId} (version ${flow.version}) is neither as ${outcome === 'completed' ? 'applied' : 'its recovery point'}: ${JSON.stringify(flow.config)}`,
    );
  if (point && (!deepEqual(point.state, target.seed) || point.version !== 1))
    fail(`recovery point ${point._id} does not hold the flow as seeded (version 1)`);
  if (outcome === 'completed' && !point) fail(`completed without a recovery point for flow ${target.flowId}`);
  // Every write is a version: more than one apply (or restore) of a step is a write that happened twice.
  // The live document counts too: a crash between writing the flow and recording its version leaves
  // the newest version only there (the next write records it).
  const writes = async (action: string) => {
    const filter = {
      flowId: target.flowId,
      'writtenBy.changeId': change.changeId,
      'writtenBy.stepId': target.stepId,
      'writtenBy.action': action,
    };
    const versions = await productCollection<{ version: number }>(db, 'flowVersions')
      .find(filter)
      .project<{ version: number }>({ version: 1 })
      .toArray();
    const live =
      flow.writtenBy?.changeId === change.changeId &&
      flow.writtenBy.stepId === target.stepId &&
      flow.writtenBy.action === action;
    return versions.length + (live && !versions.some((v) => v.version === flow.version) ? 1 : 0);
  };
  const [applies, restores] = [await writes('apply'), await writes('restore')];
  if (applies > 1 || restores > 1)
    fail(`flow ${target.flowId} was written ${applies}× by apply and ${restores}× by restore (at most once each)`);
  if (outcome === 'completed' && (applies !== 1 || restores !== 0))
    fail(`completed, but flow ${target.flowId} has ${applies} apply and ${restores} restore write(s)`);
  if (outcome === 'rolled-back' && restores !== applies)
    fail(`rolled back, but flow ${target.flowId} has ${applies} apply and ${restores} restore write(s)`);
}

function checkCrmRecord(
  target: Extract<StepTarget, { kind: 'crm-record' }>,
  spec: { properties: Record<string, string | null> },
  outcome: 'completed' | 'rolled-back',
  point: RecoveryPointView | null,
  crm: CrmPeerStateView,
  fail: (detail: string) => void,
): void {
  const record = crm.records[target.objectType]?.find((r) => r.id === target.recordId);
  if (!record) return fail(`CRM record ${target.objectType}/${target.recordId} is gone`);
  const names = Object.keys(spec.properties);
  const seed = Object.fromEntries(names.map((name) => [name, target.seed[name] ?? null]));
  const expected =
    outcome === 'completed' ? Object.fromEntries(names.map((name) => [name, spec.properties[name] || null])) : seed;
  const actual = Object.fromEntries(names.map((name) => [name, record.properties[name] ?? null]));
  if (!deepEqual(actual, expected))
    fail(
      `CRM record ${target.objectType}/${target.recordId} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)} (${outcome})`,
    );
  if (point && !deepEqual((point.state as { values?: unknown }).values, seed))
    fail(`recovery point ${point._id} does not hold the record as seeded`);
  if (outcome === 'completed' && !point) fail(`completed without a recovery point for CRM record ${target.recordId}`);
}

function checkCrmProperty(
  target: Extract<StepTarget, { kind: 'crm-property' }>,
  spec: { property: Record<string, unknown> },
  outcome: 'completed' | 'rolled-back',
  point: RecoveryPointView | null,
  crm: CrmPeerStateView,
  fail: (detail: string) => void,
): void {
  const property = crm.properties[target.objectType]?.find((p) => p.name === target.name);
  if (outcome === 'rolled-back' && property)
    fail(`CRM property ${target.objectType}.${target.name} still exists after the rollback`);
  if (outcome === 'completed') {
    const wanted = {
      label: spec.property.label,
      type: spec.property.type,
      fieldType: spec.property.fieldType,
      groupName: spec.property.groupName,
    };
    if (!property) fail(`CRM property ${target.objectType}.${target.name} is missing although the change completed`);
    else if (
      !deepEqual(
        { label: property.label, type: property.type, fieldType: property.fieldType, groupName: property.groupName },
        wanted,
      )
    )
      fail(`CRM property ${target.objectType}.${target.name} has another definition`);
    if (!point) fail(`completed without a recovery point for CRM property ${target.name}`);
  }
  if (point && !deepEqual(point.state, { exists: false }))
    fail(`recovery point ${point._id} does not record the property as absent`);
}

/** Every lead the step's filter selects is its seed, with the step's fields set when the change completed. */
async function checkLeads(
  target: Extract<StepTarget, { kind: 'lead-data' }>,
  spec: { set?: Record<string, unknown> },
  outcome: 'completed' | 'rolled-back',
  db: Db,
  fail: (detail: string) => void,
): Promise<void> {
  const leads = await db
    .collection<{ _id: string }>(target.collection)
    .find({ batch: target.batch })
    .sort({ _id: 1 })
    .toArray();
  if (leads.length !== target.seed.length)
    return fail(`${target.collection}: ${leads.length} leads in batch ${target.batch}, ${target.seed.length} seeded`);
  const expected = target.seed.map((lead) => (outcome === 'completed' ? { ...lead, ...spec.set } : lead));
  const wrong = leads.filter((lead, index) => !deepEqual(lead, expected[index]));
  if (wrong.length > 0)
    fail(
      `${wrong.length} of ${leads.length} leads of batch ${target.batch} are neither as ${outcome === 'completed' ? 'applied' : 'seeded'}, e.g. ${JSON.stringify(wrong[0])}`,
    );
}

/** The document is its seed, with the step's fields set when the change completed; its recovery point holds the seed. */
async function checkDocument(
  target: Extract<StepTarget, { kind: 'mongo-document' }>,
  spec: { fields: Record<string, unknown> },
  outcome: 'completed' | 'rolled-back',
  point: RecoveryPointView | null,
  db: Db,
  fail: (detail: string) => void,
): Promise<void> {
  const document = await db.collection<{ _id: string }>(target.collection).findOne({ _id: target.id });
  const expected = outcome === 'completed' ? { ...target.seed, ...spec.fields } : target.seed;
  if (!deepEqual(document, expected))
    fail(
      `document ${target.collection}/${target.id} is ${JSON.stringify(document)}, expected ${JSON.stringify(expected)} (${outcome})`,
    );
  if (point && !deepEqual(point.state, { exists: true, document: target.seed }))
    fail(`recovery point ${point._id} does not hold the document as seeded`);
  if (outcome === 'completed' && !point) fail(`completed without a recovery point for document ${target.id}`);
}
