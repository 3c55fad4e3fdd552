import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';
import {
  ChangeClosedError,
  ChangeIdConflictError,
  ChangeNotFoundError,
  FlowExistsError,
  FlowNotFoundError,
  NotAllowedError,
  RehearsalNotAvailableError,
  RehearsalNotFoundError,
  ReportNotAvailableError,
  RequestRefusedError,
} from '../client/errors';
import { ValidationError } from '../domain/validation';

export interface RequestIssue {
  in: 'body' | 'query' | 'path' | 'header';
  path: string;
  message: string;
}

/** Bad request input: every bad field with where it was (body, query, path, header). */
export class RequestValidationError extends Error {
  override readonly name = 'RequestValidationError';
  constructor(readonly issues: RequestIssue[]) {
    super(`invalid request: ${issues.map((i) => `${i.in} ${i.path || '(root)'}: ${i.message}`).join('; ')}`);
  }
}

/** An error that already knows its status (authentication, authorization, the API's own checks). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface Problem {
  status: number;
  code: string;
  detail: string;
  issues?: RequestIssue[];
  headers?: Record<string, string>;
}

/** Maps every error the API can meet to a status; unknown errors are 500 and logged, their text not shown. */
export function problemFor(err: unknown): Problem | undefined {
  if (err instanceof ApiError) return { status: err.status, code: err.code, detail: err.message, headers: err.headers };
  if (err instanceof RequestValidationError)
    return { status: 400, code: 'ValidationError', detail: err.message, issues: err.issues };
  // Client-level validation (the change request's cross-field rules, an expired page token).
  if (err instanceof ValidationError) {
    const where: RequestIssue['in'] =
      err.subject === 'list filter'
        ? 'query'
        : err.subject === 'change id' || err.subject === 'rehearsal id' || err.subject === 'flow id'
          ? 'path'
          : err.subject === 'flow versions' || err.subject === 'insights query'
            ? 'query'
            : 'body';
    return {
      status: 400,
      code: 'ValidationError',
      detail: err.message,
      issues: err.issues.map((i) => ({ in: where, ...i })),
    };
  }
  if (err instanceof ChangeNotFoundError) return { status: 404, code: 'ChangeNotFound', detail: err.message };
  if (err instanceof NotAllowedError) return { status: 403, code: 'NotAllowed', detail: err.reason };
  if (err instanceof RequestRefusedError) return { status: 409, code: 'Conflict', detail: err.reason };
  if (err instanceof ChangeClosedError) return { status: 409, code: 'ChangeClosed', detail: err.message };
  if (err instanceof ChangeIdConflictError) return { status: 409, code: 'IdempotencyKeyReused', detail: err.message };
  if (err instanceof ReportNotAvailableError) return { status: 409, code: 'ReportNotAvailable', detail: err.message };
  if (err instanceof FlowNotFoundError) return { status: 404, code: 'FlowNotFound', detail: err.message };
  if (err instanceof FlowExistsError) return { status: 409, code: 'FlowExists', detail: err.message };
  if (err instanceof RehearsalNotFoundError) return { status: 404, code: 'RehearsalNotFound', detail: err.message };
  if (err instanceof RehearsalNotAvailableError)
    return { status: 409, code: 'RehearsalNotAvailable', detail: err.message };
  const status = (err as FastifyError).statusCode;
  // Fastify's own 4xx (malformed JSON, unsupported media type, body too large).
  if (typeof status === 'number' && status >= 400 && status < 500)
    return { status, code: (err as FastifyError).code ?? 'BadRequest', detail: (err as Error).message };
  return undefined;
}

/** Every error becomes RFC 9457 problem details with the request id; nothing else leaks. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const problem = problemFor(err) ?? {
      status: 500,
      code: 'InternalError',
      detail: 'internal error; see the server log for this request id',
    };
    if (problem.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      problem.detail = unsupportedMediaType(request.headers['content-type']);
    if (problem.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ status: problem.status, code: problem.code }, 'request refused');
    return reply
      .code(problem.status)
      .headers(problem.headers ?? {})
      .type('application/problem+json')
      .send({
        title: STATUS_CODES[problem.status] ?? 'Error',
        status: problem.status,
        detail: problem.detail,
        code: problem.code,
        ...(problem.issues ? { issues: problem.issues } : {}),
        requestId: request.id,
      });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('application/problem+json')
      .send({
        title: 'Not Found',
        status: 404,
        detail: `no route ${request.method} ${request.url.split('?')[0]}`,
        code: 'RouteNotFound',
        requestId: request.id,
      }),
  );
}

/** Fastify's 415 says only "Unsupported Media Type": name the header and what was sent (trimmed, printable). */
function unsupportedMediaType(contentType: string | undefined): string {
  const sent = (contentType ?? '').replace(/[^\x20-\x7e]/g, '').slice(0, 100);
  return `content-type "${sent}" is not accepted here: send application/json`;
}
