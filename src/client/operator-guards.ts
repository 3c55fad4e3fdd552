import type { Db } from 'mongodb';
import type { Config } from '../config';
import { composeGuards, type RequestGuard } from './request-guard';

/**
 * The request guards the operator's configuration asks for, as the API and the CLI apply them
 * (the worker applies the same configuration again before anything is applied).
 */
export function operatorGuards(_config: Config, _deps: { db?: Db } = {}): RequestGuard {
  return composeGuards([]);
}
