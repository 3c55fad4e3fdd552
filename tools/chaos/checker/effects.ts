import type { PeerStats } from '../../peers/server';
import type { Inconsistency } from './types';

/**
 * Every side effect happened at most once per idempotency key: the peers count, per key, the
 * requests that changed their state (`effects`; a repeated write that changes nothing, or a
 * replay answered from the receiver's cache, is not one).
 */
export function checkAtMostOnce(peers: { name: string; stats: PeerStats }[]): {
  inconsistencies: Inconsistency[];
  keysSeen: number;
  maxEffectsPerKey: number;
} {
  const inconsistencies: Inconsistency[] = [];
  let keysSeen = 0;
  let maxEffectsPerKey = 0;
  for (const { name, stats } of peers) {
    for (const [key, counts] of Object.entries(stats.keys)) {
      keysSeen += 1;
      maxEffectsPerKey = Math.max(maxEffectsPerKey, counts.effects);
      if (counts.effects > 1) {
        inconsistencies.push({
          check: 'at-most-once',
          changeId: key.split('/')[0],
          detail: `${name} took ${counts.effects} effects under idempotency key ${key} (${counts.received} received)`,
        });
      }
    }
  }
  return { inconsistencies, keysSeen, maxEffectsPerKey };
}
