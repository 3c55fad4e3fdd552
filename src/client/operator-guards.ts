import type { Db } from 'mongodb';
import { configuredPartners } from '../config/partners';
import { policyFloorOf } from '../config/policy-floor';
import type { Config } from '../config/index';
import { policyFloorGuard } from './floor-guard';
import { partnerGuard } from './partner-guard';
import { composeGuards, type RequestGuard } from './request-guard';
import { targetCollectionsGuard } from './target-collections-guard';

/**
 * The request guards the operator's configuration asks for, as the API and the CLI apply them
 * (the worker applies the same configuration again before anything is applied).
 */
export function operatorGuards(
  config: Config,
  deps: { db?: Db } = {},
  env: NodeJS.ProcessEnv = process.env,
): RequestGuard {
  return composeGuards([
    partnerGuard(configuredPartners(config, env)),
    targetCollectionsGuard(config.TARGET_COLLECTIONS),
    policyFloorGuard(policyFloorOf(config), deps),
  ]);
}
