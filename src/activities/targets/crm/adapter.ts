import type { Db } from 'mongodb';
import { deepEqual } from '../../../domain/canonical';
import { ErrorType } from '../../../domain/errors';
import { redactValueAt } from '../../../domain/redaction';
import { ownValue } from '../../../domain/safe-keys';
import { permanent } from '../../../domain/failures';
import type { HttpRequest } from '../../../http/sender';
import { journaledSend } from '../../http/journaled-send';
import { idempotencyKey, SendJournal, type SendDoc } from '../../../store/send-journal';
import { RecoveryPointStore, toRef, type RecoveryPointDoc } from '../../../store/recovery-points';
import type { ConflictReport, RestoreOutcome, StepKey, TargetAdapter } from '../../../domain/outcomes';
import { CrmApi, normaliseValue, type CrmConnection, type CrmProperty, type RecordValues } from './api';
import { creatablePropertyFields, type CrmSpec } from '../../../domain/targets/crm';
import { restoredBefore } from '../common/restored-before';

type PropertySpec = Exclude<CrmSpec, { action: 'update-record' }>;
type RecordSpec = Extract<CrmSpec, { action: 'update-record' }>;

/** The captured state of what a step touches: one property definition, or some values of one record. */
type PropertyState = { exists: false } | { exists: true; property: CrmProperty };
type RecordState = { values: RecordValues };
type CrmState = PropertyState | RecordState;

/** One item a restore looks at, three-way: recovery point, what the change wrote, what is there now. */
interface ItemPlan {
  item: string;
  /** `restore`: still what we wrote, put back; `unchanged`: already at the recovery point; `conflict`: someone else's. */
  status: 'restore' | 'unchanged' | 'conflict';
  before: unknown;
  written: unknown;
  now: unknown;
}

interface RestorePlan {
  items: ItemPlan[];
  /** The compensating request for the `restore` items, when there are any. */
  request?: (api: CrmApi, key: string) => HttpRequest;
  /** Statuses of that request meaning "done". */
  expected: number[];
  /** RFC 6902 operations from now to the recovery point, for previews. */
  operations: unknown[];
}

const PROPERTY_DEFAULTS = { description: '', options: [], displayOrder: -1, hidden: false, formField: false } as const;

/**
 * A HubSpot-compatible CRM over HTTP. Every write is journaled (intent before, outcome after) in
 * `http_sends` and carries an `Idempotency-Key`; recovery points hold the property definition or
 * the touched record values. Restores are three-way per item: put back only what still carries
 * our write, leave anything someone else changed and report it as a conflict.
 */
/** `redacted`: record properties whose values conflict samples and previews never show (REDACTED_LEAD_FIELDS). */
export function createCrmAdapter(
  db: Db,
  connection?: CrmConnection,
  redacted: readonly string[] = [],
): TargetAdapter<CrmSpec> {
  const recoveryPoints = new RecoveryPointStore(db);
  const journal = new SendJournal(db);

  function crm(): CrmApi {
    if (!connection)
      throw permanent(
        ErrorType.WorkerMisconfigured,
        'crm steps need CRM_BASE_URL and CRM_TOKEN in the worker environment',
      );
    return new CrmApi(connection);
  }

  async function beforeImage(key: StepKey): Promise<(RecoveryPointDoc & { state: CrmState }) | null> {
    return (await recoveryPoints.get(key, 'before-apply')) as (RecoveryPointDoc & { state: CrmState }) | null;
  }

  return {
    kind: 'crm',

    async snapshot(key, spec) {
      const existing = await beforeImage(key);
      if (existing) return toRef(existing);
      const state = await readState(crm(), spec);
      if (spec.action === 'create-property' && 'exists' in state && state.exists) {
        throw permanent(
          ErrorType.Conflict,
          `${describe(spec)}: the property already exists; change it with update-property instead`,
        );
      }
      if (
        (spec.action === 'update-property' || spec.action === 'delete-property') &&
        'exists' in state &&
        !state.exists
      ) {
        throw permanent(ErrorType.TargetNotFound, `${describe(spec)}: the CRM has no such property`);
      }
      const point = await recoveryPoints.capture(key, 'before-apply', {
        target: 'crm',
        locator: locator(spec),
        state,
        summary: `${subject(spec)}: ${stateSummary(state)}`,
      });
      return toRef(point);
    },

    async apply(key, spec) {
      const point = await beforeImage(key);
      if (!point)
        throw permanent(
          ErrorType.RecoveryPointMissing,
          `no recovery point for ${key.changeId}/${key.stepId}; refusing to apply`,
        );
      const forward = await journal.get(key, 'forward');
      if (forward?.state === 'delivered')
        return { status: 'already-applied', summary: `${describe(spec)} already applied` };
      const api = crm();
      const now = await readState(api, spec);
      if (carriesChange(spec, now)) {
        // Our earlier attempt got through before its answer was journaled; or (no intent) the CRM
        // already looked like this: then nothing of ours is there to undo later.
        if (forward) await journal.delivered(key, 'forward', 200, { note: 'found in place' });
        return { status: 'already-applied', summary: `${describe(spec)}: the CRM already carries it` };
      }
      assertUnchangedSince(spec, point.state, now, forward);
      const ikey = idempotencyKey(key, 'forward');
      const send = { target: 'crm' as const, phase: 'forward' as const };
      switch (spec.action) {
        case 'create-property': {
          const request = api.createProperty(spec.objectType, spec.property, ikey);
          const response = await journaledSend(journal, key, {
            ...send,
            request,
            expected: [200, 201],
            tolerated: [409],
          });
          if (response.status === 409) {
            await resolveCreateConflict(api, journal, key, 'forward', spec.objectType, spec.property);
            return {
              status: 'already-applied',
              summary: `${describe(spec)}: the CRM already has it with this definition (409)`,
            };
          }
          break;
        }
        case 'update-property':
          await journaledSend(journal, key, {
            ...send,
            request: api.updateProperty(spec.objectType, spec.name, spec.property, ikey),
            expected: [200],
          });
          break;
        case 'delete-property':
          await journaledSend(journal, key, {
            ...send,
            request: api.deleteProperty(spec.objectType, spec.name, ikey),
            expected: [200, 204, 404],
          });
          break;
        case 'update-record':
          await journaledSend(journal, key, {
            ...send,
            request: api.updateRecord(spec.objectType, spec.recordId, writtenValues(spec), ikey),
            expected: [200],
          });
          break;
      }
      return { status: 'applied', summary: describe(spec) };
    },

    async verify(_key, spec) {
      const now = await readState(crm(), spec);
      if (!carriesChange(spec, now)) {
        throw permanent(
          ErrorType.VerificationFailed,
          `${describe(spec)} is not in place: the CRM has ${stateSummary(now)}`,
        );
      }
    },

    async restore(key, spec) {
      const point = await beforeImage(key);
      const forward = await journal.get(key, 'forward');
      // No intent, or every attempt failed before anything left the worker: nothing to undo.
      if (!point || !forward || forward.state === 'not-sent') {
        return {
          status: 'not-applied',
          summary: `no request of this step ever went to the CRM (${subject(spec)})`,
          recoveryPointId: point?._id,
        };
      }
      const compensate = await journal.get(key, 'compensate');
      const api = crm();
      const now = await readState(api, spec);
      const plan = planRestore(spec, point.state, now, redacted);
      const restoring = plan.items.filter((i) => i.status === 'restore');
      const conflicts = conflictReport(plan.items);
      if (compensate?.state === 'delivered') {
        // Restored before: never written twice. Items still someone else's are reported again.
        const restoredCount = (compensate.outcome?.restored as string[] | undefined)?.length;
        if (conflicts) {
          return {
            status: 'partial',
            summary: `${subject(spec)} restored before; ${conflicts.count} item(s) changed by someone else left as is`,
            recoveryPointId: point._id,
            restoredCount,
            conflicts,
          };
        }
        return restoredBefore(recoveryPoints, key, point._id, `${subject(spec)} restored`, restoredCount);
      }
      if (!plan.request || restoring.length === 0) {
        if (conflicts) {
          return {
            status: 'conflict',
            summary: `${subject(spec)} was changed after this step; left as is`,
            recoveryPointId: point._id,
            conflicts,
          };
        }
        // A compensating request that may have gone out (its worker died while it was in flight) did it.
        if (compensate?.state === 'intent' || compensate?.state === 'uncertain')
          return restoredBefore(recoveryPoints, key, point._id, `${subject(spec)} is at its recovery point`);
        return nothingToRestore(spec, point, forward, compensate);
      }
      const preRestore = await recoveryPoints.capture(key, 'before-restore', {
        target: 'crm',
        locator: locator(spec),
        state: now,
        summary: `${subject(spec)}: ${stateSummary(now)}, before restore`,
      });
      const request = plan.request(api, idempotencyKey(key, 'compensate'));
      const outcome = { restored: restoring.map((i) => i.item), conflicts: conflicts?.count ?? 0 };
      const response = await journaledSend(journal, key, {
        target: 'crm',
        phase: 'compensate',
        request,
        expected: plan.expected,
        // Re-creating a deleted property: 409 means it is back already (ours, or someone else's).
        tolerated: spec.action === 'delete-property' ? [409] : [],
        outcome,
      });
      if (
        response.status === 409 &&
        spec.action === 'delete-property' &&
        'exists' in point.state &&
        point.state.exists
      ) {
        const ours = creatable(point.state.property);
        if (!(await resolveCreateConflict(api, journal, key, 'compensate', spec.objectType, ours, false))) {
          const later = await readState(api, spec);
          return {
            status: 'conflict',
            summary: `${subject(spec)} was re-created by someone else while restoring; left as is`,
            recoveryPointId: point._id,
            conflicts: {
              count: 1,
              sample: [
                {
                  item: itemName(spec),
                  before: ours,
                  written: null,
                  now: 'exists' in later && later.exists ? later.property : null,
                },
              ],
            },
          };
        }
      }
      const summary = `${subject(spec)} restored (${restoring.map((i) => i.item).join(', ')}), undoing change ${key.changeId}`;
      if (conflicts) {
        return {
          status: 'partial',
          summary: `${summary}; ${conflicts.count} item(s) changed by someone else left as is`,
          recoveryPointId: point._id,
          preRestorePointId: preRestore._id,
          restoredCount: restoring.length,
          conflicts,
        };
      }
      return {
        status: 'restored',
        summary,
        recoveryPointId: point._id,
        preRestorePointId: preRestore._id,
        restoredCount: restoring.length,
      };
    },

    async verifyRestore(key, spec) {
      const point = await beforeImage(key);
      if (!point || !(await journal.get(key, 'forward'))) return;
      const plan = planRestore(spec, point.state, await readState(crm(), spec), redacted);
      const left = plan.items.filter((i) => i.status === 'restore');
      if (left.length > 0) {
        throw permanent(
          ErrorType.VerificationFailed,
          `${subject(spec)} still carries this step's write (${left.map((i) => i.item).join(', ')}); recovery point ${point._id}`,
        );
      }
    },

    async preview(key, spec) {
      const point = await beforeImage(key);
      if (!point) return { operations: [], summary: `no recovery point: nothing to restore on ${subject(spec)}` };
      const plan = planRestore(spec, point.state, await readState(crm(), spec), redacted);
      const conflicts = conflictReport(plan.items);
      return {
        recoveryPointId: point._id,
        operations: plan.operations,
        counts: {
          restore: plan.items.filter((i) => i.status === 'restore').length,
          conflicts: conflicts?.count ?? 0,
          unchanged: plan.items.filter((i) => i.status === 'unchanged').length,
        },
        ...(conflicts ? { conflicts: conflicts.sample } : {}),
        summary: `${plan.operations.length} operation(s) back to the recovery point of ${subject(spec)}${conflicts ? `; ${conflicts.count} conflicting item(s) would be left as is` : ''}`,
      };
    },
  };
}

/** What the step touches, read from the CRM now. */
async function readState(api: CrmApi, spec: CrmSpec): Promise<CrmState> {
  if (spec.action === 'update-record') {
    return { values: await api.getRecordValues(spec.objectType, spec.recordId, Object.keys(spec.properties)) };
  }
  const property = await api.getProperty(spec.objectType, propertyName(spec));
  return property ? { exists: true, property: normaliseProperty(property) } : { exists: false };
}

/** True when the CRM already looks as the step wants it. */
function carriesChange(spec: CrmSpec, now: CrmState): boolean {
  if (spec.action === 'update-record') {
    const values = (now as RecordState).values;
    return Object.entries(writtenValues(spec)).every(([name, value]) => ownValue(values, name) === value);
  }
  const state = now as PropertyState;
  if (spec.action === 'delete-property') return !state.exists;
  return state.exists && matchesSubset(state.property, spec.property);
}

/**
 * Before writing: the CRM must still be as the recovery point captured it (or already partly
 * ours), otherwise a restore would later put back a stale state over someone else's edit.
 */
function assertUnchangedSince(spec: CrmSpec, before: CrmState, now: CrmState, forward: SendDoc | null): void {
  const moved = (detail: string) =>
    permanent(
      ErrorType.Conflict,
      `${subject(spec)} changed after its recovery point was taken (${detail}); refusing to apply`,
    );
  if (spec.action === 'update-record') {
    const was = (before as RecordState).values;
    const is = (now as RecordState).values;
    const written = writtenValues(spec);
    const changed = Object.keys(written).filter(
      (name) => ownValue(is, name) !== ownValue(was, name) && ownValue(is, name) !== ownValue(written, name),
    );
    if (changed.length) throw moved(`properties ${changed.join(', ')}`);
    return;
  }
  const was = before as PropertyState;
  const is = now as PropertyState;
  if (spec.action === 'create-property') {
    if (is.exists) throw moved(forward ? 'it exists with another definition' : 'someone else created it');
    return;
  }
  if (!is.exists) throw moved('it was deleted');
  if (!was.exists) return;
  if (spec.action === 'delete-property') {
    if (!matchesSubset(is.property, creatable(was.property))) throw moved('its definition changed');
    return;
  }
  const changed = Object.keys(spec.property).filter(
    (field) =>
      !deepEqual(is.property[field], was.property[field]) &&
      !matchesSubset(is.property[field], (spec.property as Record<string, unknown>)[field]),
  );
  if (changed.length) throw moved(`fields ${changed.join(', ')}`);
}

function planRestore(spec: CrmSpec, before: CrmState, now: CrmState, redacted: readonly string[]): RestorePlan {
  return spec.action === 'update-record'
    ? planRecordRestore(spec, before as RecordState, now as RecordState, redacted)
    : planPropertyRestore(spec, before as PropertyState, now as PropertyState);
}

/** Record values are contact data: the items and operations people see have the always-redacted properties replaced; the request does not. */
function planRecordRestore(
  spec: RecordSpec,
  before: RecordState,
  now: RecordState,
  redacted: readonly string[],
): RestorePlan {
  const shown = (name: string, value: unknown) => redactValueAt(name, value, redacted);
  const written = writtenValues(spec);
  const items: ItemPlan[] = Object.keys(written).map((name) => {
    // Own values only: property names index records read from the CRM.
    const was = ownValue(before.values, name) ?? null;
    const is = ownValue(now.values, name) ?? null;
    const status = is === was ? 'unchanged' : is === ownValue(written, name) ? 'restore' : 'conflict';
    return {
      item: `${spec.objectType}/${spec.recordId}.${name}`,
      status,
      before: shown(name, was),
      written: shown(name, ownValue(written, name)),
      now: shown(name, is),
    };
  });
  const restore = Object.fromEntries(
    Object.keys(written).flatMap((name, index) =>
      items[index]!.status === 'restore' ? [[name, ownValue(before.values, name) ?? null]] : [],
    ),
  ) as RecordValues;
  const names = Object.keys(restore);
  return {
    items,
    request: names.length ? (api, key) => api.updateRecord(spec.objectType, spec.recordId, restore, key) : undefined,
    expected: [200],
    operations: names.map((name) => ({
      op: 'replace',
      path: `/${spec.objectType}/${spec.recordId}/properties/${name}`,
      value: shown(name, ownValue(restore, name)),
    })),
  };
}

function planPropertyRestore(spec: PropertySpec, before: PropertyState, now: PropertyState): RestorePlan {
  const item = itemName(spec);
  const path = `/${spec.objectType}/properties/${propertyName(spec)}`;
  const nowValue = now.exists ? now.property : null;
  const none: RestorePlan = { items: [], expected: [], operations: [] };
  switch (spec.action) {
    case 'create-property': {
      const base = { item, before: null, written: spec.property, now: nowValue };
      if (!now.exists) return { ...none, items: [{ ...base, status: 'unchanged' }] };
      if (!matchesSubset(now.property, spec.property)) return { ...none, items: [{ ...base, status: 'conflict' }] };
      return {
        items: [{ ...base, status: 'restore' }],
        request: (api, key) => api.deleteProperty(spec.objectType, spec.property.name, key),
        expected: [200, 204, 404],
        operations: [{ op: 'remove', path }],
      };
    }
    case 'delete-property': {
      const definition = before.exists ? creatable(before.property) : null;
      const base = { item, before: definition, written: null, now: nowValue };
      if (!definition) return { ...none, items: [{ ...base, status: 'unchanged' }] };
      if (now.exists)
        return {
          ...none,
          items: [{ ...base, status: matchesSubset(now.property, definition) ? 'unchanged' : 'conflict' }],
        };
      return {
        items: [{ ...base, status: 'restore' }],
        request: (api, key) => api.createProperty(spec.objectType, definition, key),
        expected: [200, 201],
        operations: [{ op: 'add', path, value: definition }],
      };
    }
    case 'update-property': {
      const fields = Object.keys(spec.property);
      const written = spec.property as Record<string, unknown>;
      const was = before.exists ? pick(before.property, fields) : {};
      const base = { item, before: was, written, now: now.exists ? pick(now.property, fields) : null };
      if (!now.exists || !before.exists) return { ...none, items: [{ ...base, status: 'conflict' }] };
      const back: Record<string, unknown> = {};
      for (const field of fields) {
        if (deepEqual(now.property[field], before.property[field])) continue;
        if (!matchesSubset(now.property[field], written[field]))
          return { ...none, items: [{ ...base, status: 'conflict' }] };
        back[field] = before.property[field];
      }
      if (Object.keys(back).length === 0) return { ...none, items: [{ ...base, status: 'unchanged' }] };
      return {
        items: [{ ...base, status: 'restore' }],
        request: (api, key) => api.updateProperty(spec.objectType, spec.name, back, key),
        expected: [200],
        operations: Object.entries(back).map(([field, value]) => ({ op: 'replace', path: `${path}/${field}`, value })),
      };
    }
  }
}

/**
 * A create answered 409: the property exists. It is ours (already created by an earlier attempt)
 * when it has our definition; the journal is completed then. Returns whether it was ours; throws
 * a Conflict when not and `throwOnConflict`.
 */
async function resolveCreateConflict(
  api: CrmApi,
  journal: SendJournal,
  key: StepKey,
  phase: 'forward' | 'compensate',
  objectType: string,
  definition: Record<string, unknown>,
  throwOnConflict = true,
): Promise<boolean> {
  const current = await api.getProperty(objectType, String(definition.name));
  if (current && matchesSubset(normaliseProperty(current), definition)) {
    await journal.delivered(key, phase, 409, { note: 'already exists with our definition' });
    return true;
  }
  await journal.failed(key, phase, 'rejected', {
    status: 409,
    error: `property ${objectType}.${String(definition.name)} exists with another definition`,
  });
  if (throwOnConflict)
    throw permanent(
      ErrorType.Conflict,
      `property ${objectType}.${String(definition.name)} already exists with another definition`,
    );
  return false;
}

function nothingToRestore(
  spec: CrmSpec,
  point: RecoveryPointDoc,
  forward: SendDoc,
  compensate: SendDoc | null,
): RestoreOutcome {
  if (forward.state === 'delivered' || compensate) {
    return {
      status: 'already-restored',
      summary: `${subject(spec)} is already at its recovery point`,
      recoveryPointId: point._id,
    };
  }
  return {
    status: 'not-applied',
    summary: `this step's write never took effect on ${subject(spec)}`,
    recoveryPointId: point._id,
  };
}

function conflictReport(items: ItemPlan[]): ConflictReport | undefined {
  const conflicts = items.filter((i) => i.status === 'conflict');
  if (conflicts.length === 0) return undefined;
  return {
    count: conflicts.length,
    sample: conflicts.slice(0, 20).map(({ item, before, written, now }) => ({ item, before, written, now })),
  };
}

/** True when every field of `expected` is in `actual` with the same value (objects and arrays recursively). */
export function matchesSubset(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((item, index) => matchesSubset(actual[index], item))
    );
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return Object.entries(expected).every(
      ([field, value]) => value === undefined || matchesSubset((actual as Record<string, unknown>)[field], value),
    );
  }
  return actual === expected;
}

/** Fills the fields the CRM may leave out, so definitions compare by meaning. */
function normaliseProperty(property: CrmProperty): CrmProperty {
  return {
    ...property,
    ...Object.fromEntries(Object.entries(PROPERTY_DEFAULTS).map(([field, value]) => [field, property[field] ?? value])),
  };
}

function creatable(property: CrmProperty): Record<string, unknown> {
  return pick(
    property,
    creatablePropertyFields.filter((field) => property[field] !== undefined),
  );
}

function pick(source: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((field) => [field, source[field]]));
}

function writtenValues(spec: RecordSpec): RecordValues {
  return Object.fromEntries(Object.entries(spec.properties).map(([name, value]) => [name, normaliseValue(value)]));
}

function propertyName(spec: PropertySpec): string {
  return spec.action === 'create-property' ? spec.property.name : spec.name;
}

function itemName(spec: PropertySpec): string {
  return `${spec.objectType}.${propertyName(spec)}`;
}

function locator(spec: CrmSpec): Record<string, unknown> {
  return spec.action === 'update-record'
    ? { objectType: spec.objectType, recordId: spec.recordId, properties: Object.keys(spec.properties) }
    : { objectType: spec.objectType, property: propertyName(spec) };
}

function subject(spec: CrmSpec): string {
  return spec.action === 'update-record'
    ? `CRM record ${spec.objectType}/${spec.recordId}`
    : `CRM property ${itemName(spec)}`;
}

function describe(spec: CrmSpec): string {
  switch (spec.action) {
    case 'create-property':
      return `create ${subject(spec)}`;
    case 'update-property':
      return `update ${subject(spec)} (${Object.keys(spec.property).join(', ')})`;
    case 'delete-property':
      return `delete ${subject(spec)}`;
    case 'update-record':
      return `update ${subject(spec)} (${Object.keys(spec.properties).join(', ')})`;
  }
}

/** One line for people and workflow history: names, never record values (they may be personal data). */
function stateSummary(state: CrmState): string {
  if ('values' in state) {
    const set = Object.entries(state.values)
      .filter(([, v]) => v !== null)
      .map(([name]) => name);
    return `${Object.keys(state.values).length} propert${Object.keys(state.values).length === 1 ? 'y' : 'ies'} captured (${set.length} set)`;
  }
  if (!state.exists) return 'property absent';
  const p = state.property;
  return `property "${p.label}" (${p.type}/${p.fieldType}${p.options?.length ? `, ${p.options.length} options` : ''})`;
}
