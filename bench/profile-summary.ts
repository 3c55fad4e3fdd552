import fs from 'node:fs';

/**
 * Summarises a V8 .cpuprofile (from BENCH_CPU_PROF runs): self time by file and by function, so
 * the worker's CPU can be split between workflow code, activities, the SDK, the codec and the
 * MongoDB driver. Usage: `npx tsx bench/profile-summary.ts <file.cpuprofile> [top]`.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [top]');
  const top = Number(topArg ?? 25);
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byFile = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const where = area(frame.url, frame.functionName);
    byFile.set(where, (byFile.get(where) ?? 0) + us);
    const fn = `${frame.functionName || '(anonymous)'} ${shorten(frame.url)}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  const print = (title: string, map: Map<string, number>) => {
    console.log(`\n${title}`);
    for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`${(us / 1000).toFixed(0).padStart(8)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
  };
  console.log(`total sampled: ${(total / 1000).toFixed(0)} ms`);
  print('by area', byFile);
  print('by function (self time)', byFunction);
}

/** A coarse bucket: which package or project folder the code belongs to. */
function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native/builtin)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const project = /\/(src\/[^/]+|bench\/[^/]+)/.exec(url);
  if (project) return project[1]!;
  if (url.startsWith('node:')) return 'node internals';
  return shorten(url);
}

function shorten(url: string): string {
  return url
    .replace(/^file:\/\//, '')
    .replace(/.*node_modules\//, '')
    .replace(/.*\/(src|bench)\//, '$1/');
}

main();
