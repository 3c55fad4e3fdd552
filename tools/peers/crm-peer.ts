import { randomBytes, randomUUID } from 'node:crypto';
import { crmFieldTypes, crmPropertyTypes, updatablePropertyFields } from '../../src/domain/targets/crm';
import type { FaultConfigInput } from './faults';
import { headerValue, startPeerServer, type Call, type PeerRequest, type PeerStats, type Reply } from './server';
import type { FaultInjector } from './faults';

/**
 * A small HubSpot-compatible CRM: the CRM v3 endpoints the `crm` target kind uses, with state in
 * memory, bearer-token auth, HubSpot-shaped errors (`{ status: "error", message, correlationId,
 * category }`), and the peers' request log, idempotency-key counters and fault injection.
 *
 * - `GET    /crm/v3/properties/{objectType}` → `{ results: [...] }`
 * - `GET    /crm/v3/properties/{objectType}/{name}` → 200 property | 404
 * - `POST   /crm/v3/properties/{objectType}` → 201 | 409 OBJECT_ALREADY_EXISTS | 400 VALIDATION_ERROR
 * - `PATCH  /crm/v3/properties/{objectType}/{name}` → 200 | 404 | 400 (HubSpot-defined properties are read-only)
 * - `DELETE /crm/v3/properties/{objectType}/{name}` → 204 | 404 | 400 (HubSpot-defined)
 * - `POST   /crm/v3/objects/{objectType}` `{ properties }` → 201 record
 * - `GET    /crm/v3/objects/{objectType}/{id}[?properties=a,b]` → 200 record | 404
 * - `PATCH  /crm/v3/objects/{objectType}/{id}` `{ properties }` → 200 | 404 | 400 (unknown property, bad option)
 * An unknown object type is a 400, as in HubSpot. Record values are strings; "" clears a value.
 */

export interface CrmPeerOptions {
  /** Bearer token the peer accepts; random when absent. */
  token?: string;
  host?: string;
  port?: number;
  faults?: FaultConfigInput;
  /** Custom object types besides contacts, companies, deals and tickets. */
  objectTypes?: string[];
}

export interface CrmOptionValue {
  label: string;
  value: string;
  description: string;
  displayOrder: number;
  hidden: boolean;
}

export interface PeerProperty {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description: string;
  options: CrmOptionValue[];
  displayOrder: number;
  hidden: boolean;
  formField: boolean;
  hasUniqueValue: boolean;
  calculated: boolean;
  externalOptions: boolean;
  hubspotDefined?: boolean;
  modificationMetadata: { archivable: boolean; readOnlyDefinition: boolean; readOnlyValue: boolean };
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface PeerRecord {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface CrmPeer {
  url: string;
  token: string;
  state: CrmPeerState;
  faults: FaultInjector;
  requests(filter?: { since?: number; key?: string }): PeerRequest[];
  stats(): PeerStats;
  clearLog(): void;
  stop(): Promise<void>;
}

/** A refusal in HubSpot's dialect. */
export class CrmError extends Error {
  constructor(
    readonly status: number,
    readonly category: string,
    message: string,
  ) {
    super(message);
  }
}

const DEFAULT_OBJECT_TYPES = ['contacts', 'companies', 'deals', 'tickets'];

/** The peer's data, also editable in-process (tests use it to play "someone else"). */
export class CrmPeerState {
  private readonly properties = new Map<string, Map<string, PeerProperty>>();
  private readonly records = new Map<string, Map<string, PeerRecord>>();
  private nextId = 1001;

  constructor(objectTypes: string[]) {
    for (const type of [...DEFAULT_OBJECT_TYPES, ...objectTypes]) {
      this.properties.set(type, new Map());
      this.records.set(type, new Map());
    }
    for (const [type, definitions] of Object.entries(HUBSPOT_DEFINED)) {
      for (const definition of definitions)
        this.properties.get(type)!.set(definition.name as string, property(definition, true));
    }
  }

  objectTypes(): string[] {
    return [...this.properties.keys()];
  }

  listProperties(objectType: string): PeerProperty[] {
    return [...this.props(objectType).values()].map(clone);
  }

  property(objectType: string, name: string): PeerProperty | undefined {
    const found = this.props(objectType).get(name);
    return found && clone(found);
  }

  createProperty(objectType: string, input: unknown): PeerProperty {
    const props = this.props(objectType);
    const definition = validateDefinition(input, true);
    if (props.has(definition.name as string)) {
      throw new CrmError(409, 'OBJECT_ALREADY_EXISTS', `A property named '${String(definition.name)}' already exists.`);
    }
    const created = property(definition, false);
    props.set(created.name, created);
    return clone(created);
  }

  /** Returns the property and whether anything changed. */
  updateProperty(objectType: string, name: string, input: unknown): { property: PeerProperty; changed: boolean } {
    const existing = this.props(objectType).get(name);
    if (!existing) throw new CrmError(404, 'OBJECT_NOT_FOUND', `Property ${name} does not exist`);
    if (existing.hubspotDefined)
      throw new CrmError(
        400,
        'VALIDATION_ERROR',
        `Property ${name} is HubSpot-defined and its definition is read-only`,
      );
    const changes = validateDefinition(input, false);
    const merged = property({ ...existing, ...changes, name }, false);
    const changed =
      JSON.stringify({ ...merged, updatedAt: '', createdAt: '' }) !==
      JSON.stringify({ ...existing, updatedAt: '', createdAt: '' });
    if (changed) this.props(objectType).set(name, { ...merged, createdAt: existing.createdAt });
    return { property: clone(this.props(objectType).get(name)!), changed };
  }

  deleteProperty(objectType: string, name: string): void {
    const existing = this.props(objectType).get(name);
    if (!existing) throw new CrmError(404, 'OBJECT_NOT_FOUND', `Property ${name} does not exist`);
    if (existing.hubspotDefined)
      throw new CrmError(400, 'VALIDATION_ERROR', `Property ${name} is HubSpot-defined and cannot be archived`);
    // Values stay on the records, as HubSpot keeps an archived property's data: re-creating it brings them back.
    this.props(objectType).delete(name);
  }

  createRecord(objectType: string, values: Record<string, string | null> = {}): PeerRecord {
    const records = this.recs(objectType);
    this.checkValues(objectType, values);
    const now = new Date().toISOString();
    const id = String(this.nextId++);
    const record: PeerRecord = { id, properties: cleaned(values), createdAt: now, updatedAt: now, archived: false };
    records.set(id, record);
    return this.view(objectType, record);
  }

  /** The record with the named (or all set) properties; undefined when absent. */
  record(objectType: string, id: string, names?: string[]): PeerRecord | undefined {
    const found = this.recs(objectType).get(id);
    return found && this.view(objectType, found, names);
  }

  /** Sets values ("" or null clears); returns whether anything changed. */
  updateRecord(
    objectType: string,
    id: string,
    values: Record<string, string | null>,
  ): { record: PeerRecord; changed: boolean } {
    const found = this.recs(objectType).get(id);
    if (!found) throw new CrmError(404, 'OBJECT_NOT_FOUND', `Object not found.  objectId are usually numeric.`);
    this.checkValues(objectType, values);
    let changed = false;
    for (const [name, value] of Object.entries(cleaned(values))) {
      if ((found.properties[name] ?? null) !== value) changed = true;
      found.properties[name] = value;
    }
    if (changed) found.updatedAt = new Date().toISOString();
    return { record: this.view(objectType, found), changed };
  }

  snapshot(): unknown {
    return {
      properties: Object.fromEntries(
        [...this.properties].map(([type, props]) => [type, [...props.values()].filter((p) => !p.hubspotDefined)]),
      ),
      records: Object.fromEntries([...this.records].map(([type, recs]) => [type, [...recs.values()]])),
    };
  }

  private props(objectType: string): Map<string, PeerProperty> {
    const props = this.properties.get(objectType);
    if (!props) throw new CrmError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${objectType}`);
    return props;
  }

  private recs(objectType: string): Map<string, PeerRecord> {
    this.props(objectType);
    return this.records.get(objectType)!;
  }

  private checkValues(objectType: string, values: Record<string, unknown>): void {
    const props = this.props(objectType);
    const problems: string[] = [];
    for (const [name, value] of Object.entries(values)) {
      const definition = props.get(name);
      if (!definition) {
        problems.push(`Property "${name}" does not exist`);
        continue;
      }
      if (value !== null && typeof value !== 'string') {
        problems.push(`${name} must be a string`);
        continue;
      }
      if (definition.type === 'enumeration' && value) {
        const allowed = definition.options.map((o) => o.value);
        const chosen = definition.fieldType === 'checkbox' ? value.split(';') : [value];
        const bad = chosen.filter((v) => !allowed.includes(v));
        if (bad.length)
          problems.push(`${bad.join(';')} was not one of the allowed options for ${name}: [${allowed.join(', ')}]`);
      }
      if (definition.type === 'number' && value && Number.isNaN(Number(value)))
        problems.push(`${value} is not a valid number for ${name}`);
      if (definition.type === 'bool' && value && value !== 'true' && value !== 'false')
        problems.push(`${value} is not a valid bool for ${name}`);
    }
    if (problems.length)
      throw new CrmError(400, 'VALIDATION_ERROR', `Property values were not valid: ${problems.join('; ')}`);
  }

  private view(objectType: string, record: PeerRecord, names?: string[]): PeerRecord {
    const props = this.props(objectType);
    const wanted = names ?? Object.keys(record.properties);
    const properties: Record<string, string | null> = {
      hs_object_id: record.id,
      createdate: record.createdAt,
      lastmodifieddate: record.updatedAt,
    };
    // Values of archived (deleted) properties are hidden until the property is re-created.
    for (const name of wanted) if (props.has(name)) properties[name] = record.properties[name] ?? null;
    return { ...record, properties };
  }
}

export async function startCrmPeer(options: CrmPeerOptions = {}): Promise<CrmPeer> {
  const token = options.token ?? `crm-peer-${randomBytes(16).toString('hex')}`;
  const state = new CrmPeerState(options.objectTypes ?? []);
  const server = await startPeerServer({
    name: 'crm',
    host: options.host,
    port: options.port,
    faults: options.faults,
    errorBody,
    state: () => state.snapshot(),
    authorize(call) {
      if (headerValue(call.headers, 'authorization') === `Bearer ${token}`) return undefined;
      return {
        status: 401,
        body: errorBody(
          401,
          'Authentication credentials not found. This API supports OAuth 2.0 authentication.',
          'INVALID_AUTHENTICATION',
        ),
      };
    },
    handle: (call) => route(state, call),
  });
  return { ...server, token, state };
}

function route(state: CrmPeerState, call: Call): Reply {
  const parts = call.path.split('/').filter(Boolean).map(decodeURIComponent);
  try {
    if (parts[0] !== 'crm' || parts[1] !== 'v3') return notFound(call);
    const [, , area, objectType, id, extra] = parts;
    if (!objectType || extra !== undefined) return notFound(call);
    if (area === 'properties') return properties(state, call, objectType, id);
    if (area === 'objects') return objects(state, call, objectType, id);
    return notFound(call);
  } catch (err) {
    if (err instanceof CrmError)
      return { status: err.status, processed: true, body: errorBody(err.status, err.message, err.category) };
    throw err;
  }
}

function properties(state: CrmPeerState, call: Call, objectType: string, name: string | undefined): Reply {
  switch (`${call.method} ${name === undefined ? 'collection' : 'item'}`) {
    case 'GET collection':
      return { status: 200, body: { results: state.listProperties(objectType) } };
    case 'POST collection':
      return { status: 201, body: state.createProperty(objectType, call.body), effect: true };
    case 'GET item': {
      const found = state.property(objectType, name!);
      return found
        ? { status: 200, body: found }
        : { status: 404, body: errorBody(404, `Unable to find property ${name}`, 'OBJECT_NOT_FOUND') };
    }
    case 'PATCH item': {
      const { property, changed } = state.updateProperty(objectType, name!, call.body);
      return { status: 200, body: property, effect: changed };
    }
    case 'DELETE item':
      state.deleteProperty(objectType, name!);
      return { status: 204, effect: true };
    default:
      return notAllowed(call);
  }
}

function objects(state: CrmPeerState, call: Call, objectType: string, id: string | undefined): Reply {
  switch (`${call.method} ${id === undefined ? 'collection' : 'item'}`) {
    case 'POST collection':
      return { status: 201, body: state.createRecord(objectType, recordValues(call.body)), effect: true };
    case 'GET item': {
      const names = call.query.get('properties')?.split(',').filter(Boolean);
      const found = state.record(objectType, id!, names);
      return found
        ? { status: 200, body: found }
        : { status: 404, body: errorBody(404, 'Object not found.  objectId are usually numeric.', 'OBJECT_NOT_FOUND') };
    }
    case 'PATCH item': {
      const { record, changed } = state.updateRecord(objectType, id!, recordValues(call.body));
      return { status: 200, body: record, effect: changed };
    }
    default:
      return notAllowed(call);
  }
}

function recordValues(body: unknown): Record<string, string | null> {
  const properties = (body as { properties?: unknown } | undefined)?.properties;
  if (properties === null || typeof properties !== 'object' || Array.isArray(properties)) {
    throw new CrmError(400, 'VALIDATION_ERROR', 'Invalid input JSON: "properties" must be an object');
  }
  return properties as Record<string, string | null>;
}

function errorBody(status: number, message: string, category: string): unknown {
  return { status: 'error', message, correlationId: randomUUID(), category };
}

function notFound(call: Call): Reply {
  return {
    status: 404,
    processed: false,
    body: errorBody(404, `no route ${call.method} ${call.path}`, 'OBJECT_NOT_FOUND'),
  };
}

function notAllowed(call: Call): Reply {
  return {
    status: 405,
    processed: false,
    body: errorBody(405, `method ${call.method} not allowed on ${call.path}`, 'VALIDATION_ERROR'),
  };
}

const creatable = new Set(['name', 'hasUniqueValue', ...updatablePropertyFields]);
const updatable = new Set<string>(updatablePropertyFields);

/** Checks a create or update body the way HubSpot would, returning the fields it sets. */
function validateDefinition(input: unknown, create: boolean): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new CrmError(400, 'VALIDATION_ERROR', 'Invalid input JSON: expected an object');
  const body = input as Record<string, unknown>;
  const allowed = create ? creatable : updatable;
  const unknown = Object.keys(body).filter((field) => !allowed.has(field));
  if (unknown.length) throw new CrmError(400, 'VALIDATION_ERROR', `Unrecognized field(s): ${unknown.join(', ')}`);
  const problems: string[] = [];
  const text = (field: string, required: boolean) => {
    const value = body[field];
    if (value === undefined) {
      if (required) problems.push(`${field} is required`);
    } else if (typeof value !== 'string' || (field !== 'description' && value.length === 0))
      problems.push(`${field} must be a non-empty string`);
  };
  if (create) {
    text('name', true);
    if (typeof body.name === 'string' && !/^[a-z][a-z0-9_]*$/.test(body.name))
      problems.push('name must be lowercase letters, digits and "_"');
  }
  for (const field of ['label', 'groupName']) text(field, create);
  text('description', false);
  for (const [field, allowedValues] of [
    ['type', crmPropertyTypes],
    ['fieldType', crmFieldTypes],
  ] as const) {
    const value = body[field];
    if (value === undefined ? create : !(allowedValues as readonly unknown[]).includes(value))
      problems.push(`${field} must be one of ${allowedValues.join(', ')}`);
  }
  for (const field of ['hidden', 'formField', 'hasUniqueValue']) {
    if (body[field] !== undefined && typeof body[field] !== 'boolean') problems.push(`${field} must be a boolean`);
  }
  if (body.displayOrder !== undefined && !Number.isInteger(body.displayOrder))
    problems.push('displayOrder must be an integer');
  if (body.options !== undefined) {
    if (!Array.isArray(body.options)) problems.push('options must be an array');
    else
      body.options.forEach((option: unknown, index) => {
        const o = option as Record<string, unknown> | null;
        if (!o || typeof o.label !== 'string' || typeof o.value !== 'string' || !o.label || !o.value)
          problems.push(`options[${index}] needs a label and a value`);
      });
  }
  if (create && body.type === 'enumeration' && !(Array.isArray(body.options) && body.options.length > 0))
    problems.push('an enumeration needs options');
  if (problems.length)
    throw new CrmError(400, 'VALIDATION_ERROR', `Property definition was not valid: ${problems.join('; ')}`);
  return body;
}

function property(definition: Record<string, unknown>, hubspotDefined: boolean): PeerProperty {
  const now = new Date().toISOString();
  const options = ((definition.options as Partial<CrmOptionValue>[] | undefined) ?? []).map((o, index) => ({
    label: o.label!,
    value: o.value!,
    description: o.description ?? '',
    displayOrder: o.displayOrder ?? index,
    hidden: o.hidden ?? false,
  }));
  return {
    name: definition.name as string,
    label: definition.label as string,
    type: definition.type as string,
    fieldType: definition.fieldType as string,
    groupName: definition.groupName as string,
    description: (definition.description as string | undefined) ?? '',
    options,
    displayOrder: (definition.displayOrder as number | undefined) ?? -1,
    hidden: (definition.hidden as boolean | undefined) ?? false,
    formField: (definition.formField as boolean | undefined) ?? false,
    hasUniqueValue: (definition.hasUniqueValue as boolean | undefined) ?? false,
    calculated: false,
    externalOptions: false,
    ...(hubspotDefined ? { hubspotDefined: true } : {}),
    modificationMetadata: { archivable: !hubspotDefined, readOnlyDefinition: hubspotDefined, readOnlyValue: false },
    createdAt: (definition.createdAt as string | undefined) ?? now,
    updatedAt: now,
    archived: false,
  };
}

function cleaned(values: Record<string, string | null>): Record<string, string | null> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, value === '' ? null : value]));
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

const enumeration = (name: string, label: string, values: string[]) => ({
  name,
  label,
  type: 'enumeration',
  fieldType: 'radio',
  groupName: 'contactinformation',
  options: values.map((value) => ({ label: value, value })),
});
const text = (name: string, label: string, groupName: string, fieldType = 'text') => ({
  name,
  label,
  type: 'string',
  fieldType,
  groupName,
});

/** A few of HubSpot's built-in properties, read-only as there. */
const HUBSPOT_DEFINED: Record<string, Record<string, unknown>[]> = {
  contacts: [
    text('email', 'Email', 'contactinformation'),
    text('firstname', 'First Name', 'contactinformation'),
    text('lastname', 'Last Name', 'contactinformation'),
    text('phone', 'Phone Number', 'contactinformation', 'phonenumber'),
    text('state', 'State/Region', 'contactinformation'),
    enumeration('lifecyclestage', 'Lifecycle Stage', [
      'subscriber',
      'lead',
      'marketingqualifiedlead',
      'salesqualifiedlead',
      'opportunity',
      'customer',
    ]),
    enumeration('hs_lead_status', 'Lead Status', [
      'NEW',
      'OPEN',
      'IN_PROGRESS',
      'OPEN_DEAL',
      'UNQUALIFIED',
      'ATTEMPTED_TO_CONTACT',
      'CONNECTED',
      'BAD_TIMING',
    ]),
  ],
  companies: [
    text('name', 'Company name', 'companyinformation'),
    text('domain', 'Company Domain Name', 'companyinformation'),
  ],
  deals: [
    text('dealname', 'Deal Name', 'dealinformation'),
    { name: 'amount', label: 'Amount', type: 'number', fieldType: 'number', groupName: 'dealinformation' },
  ],
  tickets: [
    text('subject', 'Ticket name', 'ticketinformation'),
    text('content', 'Ticket description', 'ticketinformation', 'textarea'),
  ],
};
