import { z } from 'zod';
import type { AnyRoute } from './route';
import { problemSchema } from './schemas';

type JsonSchema = Record<string, unknown>;

/**
 * Turns zod schemas into OpenAPI 3.1 component schemas (JSON Schema 2020-12). zod names nested
 * definitions in `$defs` local to each schema; they are hoisted into `components.schemas` and
 * every `#/$defs/…` reference is rewritten, so the document is one self-contained whole.
 */
class SchemaBook {
  readonly components: Record<string, JsonSchema> = {};
  private anonymous = 0;

  ref(schema: z.ZodType, name?: string): JsonSchema {
    const generated = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io: 'input',
      unrepresentable: 'any',
    }) as JsonSchema;
    delete generated.$schema;
    const defs = (generated.$defs ?? {}) as Record<string, JsonSchema>;
    delete generated.$defs;
    const stem = name ?? `Schema${++this.anonymous}`;
    const rename = (key: string) => (key.startsWith('__') ? `${stem}_${key.slice(2)}` : key);
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (value === null || typeof value !== 'object') return value;
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [
          k,
          k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')
            ? `#/components/schemas/${rename(v.slice(8))}`
            : rewrite(v),
        ]),
      );
    };
    for (const [key, def] of Object.entries(defs)) this.components[rename(key)] = rewrite(def) as JsonSchema;
    const root = rewrite(generated) as JsonSchema;
    if (!name || root.$ref) return root;
    this.components[name] = root;
    return { $ref: `#/components/schemas/${name}` };
  }

  /** Parameters from an object schema: one per property, required as the schema says. */
  parameters(schema: z.ZodType | undefined, where: 'path' | 'query' | 'header'): JsonSchema[] {
    if (!schema) return [];
    const object = this.ref(schema);
    const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((object.required ?? []) as string[]);
    return Object.entries(properties).map(([name, property]) => {
      const { description, ...rest } = property;
      return {
        name: where === 'header' ? headerName(name) : name,
        in: where,
        required: where === 'path' || required.has(name),
        ...(description ? { description } : {}),
        schema: rest,
      };
    });
  }
}

function headerName(lower: string): string {
  return lower.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

const problem = (book: SchemaBook, description: string) => ({
  description,
  content: { 'application/problem+json': { schema: book.ref(problemSchema) } },
});

/** The OpenAPI 3.1 document of the routes, generated from the same specs the server registers. */
export function openApiDocument(
  routes: AnyRoute[],
  info: { version: string; extraPaths?: Record<string, unknown> },
): Record<string, unknown> {
  const book = new SchemaBook();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      const alternatives = Object.fromEntries(
        (response.alsoAs ?? []).map((type) => [type, { schema: { type: 'string' } }]),
      );
      responses[status] = response.schema
        ? {
            description: response.description,
            content: {
              [response.contentType ?? 'application/json']: { schema: book.ref(response.schema) },
              ...alternatives,
            },
          }
        : { description: response.description };
    }
    if (route.params || route.query || route.headers || route.body)
      responses['400'] ??= problem(book, 'Bad input: every bad field with its location and path');
    if (route.permission) {
      responses['401'] ??= problem(book, 'Missing or unknown bearer token');
      responses['403'] ??= problem(book, `The token's roles do not allow this (needs ${route.permission})`);
    }
    responses['500'] ??= problem(book, 'Unexpected error; the server log has it under the request id');
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      ...(route.permission ? { security: [{ bearer: [] }] } : { security: [] }),
      parameters: [
        ...book.parameters(route.params, 'path'),
        ...book.parameters(route.query, 'query'),
        ...book.parameters(route.headers, 'header'),
      ],
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: book.ref(route.body, route.bodyName) } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'lead-rollback API',
      version: info.version,
      description:
        'Start, watch, decide on and roll back changes to a lead-distribution platform. Every request needs a bearer token whose identity (actor, roles, groups) comes from the server configuration.',
    },
    tags: [
      { name: 'changes', description: 'Changes and their decisions' },
      { name: 'flows', description: 'Restore a flow to a version or point in time' },
      { name: 'insights', description: 'Change failure rate, time to recover and rollbacks over the stored reports' },
      { name: 'rehearsals', description: 'Rehearse a change against sandbox targets before the real run' },
      { name: 'operations', description: 'Health and this document' },
      { name: 'chat ops', description: 'Slack slash command and interactive buttons (signed by Slack)' },
    ],
    paths: { ...paths, ...(info.extraPaths ?? {}) },
    components: {
      schemas: book.components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from API_TOKENS' } },
    },
  };
}
