import { IDEMPOTENCY_HEADER } from '../../../http/signature';
import { jsonBody, sendHttp, failureFor, type HttpMethod, type HttpRequest } from '../../../http/sender';
import { OPERATOR_CONFIGURED } from '../../../http/destinations';
import type { CrmOption } from '../../../domain/targets/crm';

/** Where the CRM is and how to authenticate: from the worker's environment only. */
export interface CrmConnection {
  /** e.g. `https://api.hubapi.com` or a peer's `http://127.0.0.1:PORT`. */
  baseUrl: string;
  /** Private-app or OAuth access token, sent as `Authorization: Bearer …`. */
  token: string;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
}

/** A property definition as the CRM returns it (fields beyond these are kept but not interpreted). */
export interface CrmProperty {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description?: string;
  options?: CrmOption[];
  displayOrder?: number;
  hidden?: boolean;
  formField?: boolean;
  hasUniqueValue?: boolean;
  hubspotDefined?: boolean;
  [field: string]: unknown;
}

export type RecordValues = Record<string, string | null>;

/** The subset of HubSpot's CRM v3 REST API the `crm` target kind uses. */
export class CrmApi {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(private readonly connection: CrmConnection) {
    this.base = connection.baseUrl.endsWith('/') ? connection.baseUrl : `${connection.baseUrl}/`;
    this.timeoutMs = connection.timeoutMs ?? 10_000;
  }

  /** The property, or null when the CRM has none by that name (404). */
  async getProperty(objectType: string, name: string): Promise<CrmProperty | null> {
    const request = this.request(
      'GET',
      `crm/v3/properties/${seg(objectType)}/${seg(name)}`,
      `CRM read property ${objectType}.${name}`,
    );
    const response = await sendHttp(request);
    if (response.status === 404) return null;
    if (response.status !== 200) throw failureFor(response, request.what);
    return jsonBody<CrmProperty>(response, request.what);
  }

  /** The named property values of a record (`null` where unset). A missing record is a TargetNotFoundError. */
  async getRecordValues(objectType: string, recordId: string, names: string[]): Promise<RecordValues> {
    const query = new URLSearchParams({ properties: names.join(',') });
    const request = this.request(
      'GET',
      `crm/v3/objects/${seg(objectType)}/${seg(recordId)}?${query}`,
      `CRM read record ${objectType}/${recordId}`,
    );
    const response = await sendHttp(request);
    if (response.status !== 200) throw failureFor(response, request.what);
    const record = jsonBody<{ properties?: Record<string, unknown> }>(response, request.what);
    return Object.fromEntries(names.map((name) => [name, normaliseValue(record.properties?.[name])]));
  }

  createProperty(objectType: string, property: Record<string, unknown>, idempotencyKey: string): HttpRequest {
    return this.request(
      'POST',
      `crm/v3/properties/${seg(objectType)}`,
      `CRM create property ${objectType}.${String(property.name)}`,
      property,
      idempotencyKey,
    );
  }

  updateProperty(
    objectType: string,
    name: string,
    changes: Record<string, unknown>,
    idempotencyKey: string,
  ): HttpRequest {
    return this.request(
      'PATCH',
      `crm/v3/properties/${seg(objectType)}/${seg(name)}`,
      `CRM update property ${objectType}.${name}`,
      changes,
      idempotencyKey,
    );
  }

  deleteProperty(objectType: string, name: string, idempotencyKey: string): HttpRequest {
    return this.request(
      'DELETE',
      `crm/v3/properties/${seg(objectType)}/${seg(name)}`,
      `CRM delete property ${objectType}.${name}`,
      undefined,
      idempotencyKey,
    );
  }

  /** PATCH of record values; `null` is sent as "" (how the CRM clears a value). */
  updateRecord(objectType: string, recordId: string, values: RecordValues, idempotencyKey: string): HttpRequest {
    const properties = Object.fromEntries(Object.entries(values).map(([name, value]) => [name, value ?? '']));
    return this.request(
      'PATCH',
      `crm/v3/objects/${seg(objectType)}/${seg(recordId)}`,
      `CRM update record ${objectType}/${recordId}`,
      { properties },
      idempotencyKey,
    );
  }

  private request(
    method: HttpMethod,
    path: string,
    what: string,
    body?: unknown,
    idempotencyKey?: string,
  ): HttpRequest {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.connection.token}`,
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    // HubSpot ignores it; it lets peers and logs tie each write to its change step.
    if (idempotencyKey) headers[IDEMPOTENCY_HEADER.toLowerCase()] = idempotencyKey;
    return {
      method,
      url: new URL(path, this.base).toString(),
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: this.timeoutMs,
      what,
      // The operator's CRM_BASE_URL, which a request cannot change (its parts are path segments, encoded).
      network: OPERATOR_CONFIGURED,
    };
  }
}

/** The CRM clears a value with "" and may return it as "" or null: both mean "no value". */
export function normaliseValue(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  return typeof value === 'string' ? value : String(value);
}

function seg(value: string): string {
  return encodeURIComponent(value);
}
