import { errorCodes } from 'fastify';
import { findUnsafeKey } from '../domain/safe-keys';
import { RequestValidationError } from './problem';

/**
 * The API's JSON body parser. Fastify's own refuses a `__proto__` or `constructor` key as "Body is
 * not valid JSON", naming nothing; this one parses with JSON.parse (which keeps such keys as plain
 * own keys, never prototypes) and answers them as a validation problem naming where they were, as
 * any other bad field. Malformed and empty bodies keep Fastify's errors; the size limit is the
 * server's `bodyLimit`, checked before this runs.
 */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
  }
  const unsafe = findUnsafeKey(value);
  if (unsafe)
    throw new RequestValidationError([
      { in: 'body', path: unsafe.path.map(String).join('.'), message: unsafe.problem },
    ]);
  return value;
}
