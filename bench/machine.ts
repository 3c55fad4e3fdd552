import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { ensureTemporalCli } from '../tools/devenv/tools';
import type { DatabaseKind } from '../tools/devenv/database';

/** Where the figures were measured: they mean little without it. */
export interface MachineInfo {
  cpus: { model: string; speedMHz: number }[];
  cpuCount: number;
  totalMemoryBytes: number;
  freeMemoryBytesAtStart: number;
  loadAverageAtStart: number[];
  platform: string;
  release: string;
  arch: string;
  node: string;
  temporalCli?: string;
  database: DatabaseKind;
  databaseVersion?: string;
}

export function machineInfo(database: DatabaseKind, databaseVersion?: string): MachineInfo {
  return {
    cpus: os.cpus().map((c) => ({ model: c.model, speedMHz: c.speed })),
    cpuCount: os.cpus().length,
    totalMemoryBytes: os.totalmem(),
    freeMemoryBytesAtStart: os.freemem(),
    loadAverageAtStart: os.loadavg(),
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    node: process.version,
    temporalCli: temporalVersion(),
    database,
    databaseVersion,
  };
}

function temporalVersion(): string | undefined {
  try {
    return execFileSync(ensureTemporalCli(), ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

export function describeMachine(m: MachineInfo): string {
  const model = m.cpus[0]?.model ?? 'unknown CPU';
  return `${m.cpuCount} × ${model}, ${(m.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB RAM, ${m.platform} ${m.release}, Node ${m.node}, ${m.temporalCli ?? 'Temporal CLI'}, database ${m.database}${m.databaseVersion ? ` ${m.databaseVersion}` : ''}`;
}
