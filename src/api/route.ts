import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Identity, Permission } from '../auth/identity';
import { pathTooDeep, tooDeepMessage } from '../domain/nesting';
import { authenticate } from './auth';
import { RequestValidationError, type RequestIssue } from './problem';

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
  /** Other media types the same status can answer with (e.g. text/markdown), each a string. */
  alsoAs?: string[];
}

type ZodObjectLike = z.ZodType<Record<string, unknown>>;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/**
 * One HTTP route, described once: the server registers it (authenticating, then validating path,
 * query, headers and body with its zod schemas, every bad field reported) and the OpenAPI document
 * is generated from the same object, so the two cannot disagree.
 */
export interface RouteSpec<P = unknown, Q = unknown, H = unknown, B = unknown> {
  method: 'GET' | 'POST';
  /** Fastify syntax (`/v1/changes/:changeId`); the document shows `{changeId}`. */
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** Absent: public (health, the document itself). */
  permission?: Permission;
  params?: P;
  query?: Q;
  /** Lowercase header names. */
  headers?: H;
  body?: B;
  /** Component name of the body schema in the document (e.g. ChangeRequest). */
  bodyName?: string;
  responses: Record<number, ResponseSpec>;
  handle(input: {
    params: Out<P>;
    query: Out<Q>;
    headers: Out<H>;
    body: Out<B>;
    identity: Identity;
    request: FastifyRequest;
    reply: FastifyReply;
  }): Promise<unknown>;
}

// Spec arrays mix routes of different input types; each route is checked where it is defined.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any, any>;

export function defineRoute<
  P extends ZodObjectLike | undefined = undefined,
  Q extends ZodObjectLike | undefined = undefined,
  H extends ZodObjectLike | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(spec: RouteSpec<P, Q, H, B>): RouteSpec<P, Q, H, B> {
  return spec;
}

const anonymous: Identity = { actor: 'anonymous', roles: [], groups: [] } as unknown as Identity;

const identities = new WeakMap<FastifyRequest, Identity>();

/**
 * Registers routes. Authentication (401/403) runs on request, before the body is even parsed, so
 * strangers learn nothing about validation and cannot make the server parse large bodies.
 */
export function registerRoutes(app: FastifyInstance, routes: AnyRoute[], tokens: ReadonlyMap<string, Identity>): void {
  for (const route of routes) {
    const permission = route.permission;
    app.route({
      method: route.method,
      url: route.url,
      onRequest: permission
        ? async (request) => {
            identities.set(request, authenticate(request, tokens, permission));
          }
        : undefined,
      handler: async (request, reply) => {
        const identity = identities.get(request) ?? anonymous;
        const issues: RequestIssue[] = [];
        const parse = (schema: z.ZodType | undefined, value: unknown, where: RequestIssue['in']) => {
          if (!schema) return undefined;
          // Schemas recurse: refuse what would overflow the stack (a 500) before they see it.
          const deep = pathTooDeep(value);
          if (deep) {
            issues.push({ in: where, path: deep.map(String).join('.'), message: tooDeepMessage() });
            return undefined;
          }
          const result = schema.safeParse(value);
          if (result.success) return result.data;
          issues.push(
            ...result.error.issues.map((i) => ({ in: where, path: i.path.map(String).join('.'), message: i.message })),
          );
          return undefined;
        };
        const params = parse(route.params, request.params, 'path');
        const query = parse(route.query, request.query, 'query');
        const headers = parse(route.headers, pickHeaders(request, route.headers), 'header');
        const body = parse(route.body, request.body, 'body');
        if (issues.length > 0) throw new RequestValidationError(issues);
        const result = await route.handle({ params, query, headers, body, identity, request, reply });
        return result;
      },
    });
  }
}

/** Only the headers a route declares are validated (a strict schema would refuse every other header). */
function pickHeaders(request: FastifyRequest, schema: z.ZodType | undefined): Record<string, unknown> {
  const shape = (schema as unknown as { shape?: Record<string, unknown> } | undefined)?.shape ?? {};
  return Object.fromEntries(Object.keys(shape).map((name) => [name, request.headers[name]]));
}
