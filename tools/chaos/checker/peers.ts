import type { PeerStats } from '../../peers/server';

/** What the checker reads from a peer, over its admin HTTP routes (not from the campaign's memory). */
export interface PeerView<State> {
  stats: PeerStats;
  state: State;
}

export interface CrmPeerStateView {
  properties: Record<string, { name: string; label: string; type: string; fieldType: string; groupName: string }[]>;
  records: Record<string, { id: string; properties: Record<string, string | null> }[]>;
}

export async function readPeer<State>(url: string): Promise<PeerView<State>> {
  const [stats, state] = await Promise.all([
    getJson<PeerStats>(`${url}/__peer/stats`),
    getJson<State>(`${url}/__peer/state`),
  ]);
  return { stats, state };
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}
