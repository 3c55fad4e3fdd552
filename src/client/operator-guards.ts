import type { Db } from 'mongodb';
import { policyFloorOf } from '../activities/policy-floor/settings';
import type { Config } from '../config';
import { policyFloorGuard } from './floor-guard';
import { composeGuards, type RequestGuard } from './request-guard';

/**
 * The request guards the operator's configuration asks for, as the API and the CLI apply them
 * (the worker applies the same configuration again before anything is applied).
 */
export function operatorGuards(config: Config, deps: { db?: Db } = {}): RequestGuard {
  return composeGuards([policyFloorGuard(policyFloorOf(config), deps)]);
}
