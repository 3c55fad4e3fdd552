import fs from 'node:fs';
import path from 'node:path';

/**
 * Just enough Markdown for the docs checks: fenced blocks (with the example marker before them),
 * prose lines outside fences, headings as GitHub anchors them, links and inline code spans.
 */

export const repoRoot = path.resolve(__dirname, '..', '..');

/** README.md and every page under docs/, as repository-relative paths. */
export function docFiles(): string[] {
  const pages = (dir: string): string[] =>
    fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) return pages(rel);
      return entry.name.endsWith('.md') ? [rel] : [];
    });
  return ['README.md', ...pages('docs')];
}

export interface FencedBlock {
  /** The info string's first word: `json`, `yaml`, `sh`, … (empty when none). */
  lang: string;
  /** 1-based line of the opening fence. */
  line: number;
  source: string;
  /** What `<!-- example: … -->` on the line before the fence names, if anything. */
  marker?: string;
}

export interface ProseLine {
  line: number;
  text: string;
}

export interface Scanned {
  blocks: FencedBlock[];
  prose: ProseLine[];
  /** Markers not followed by a fenced block (the example they named was removed or moved). */
  strayMarkers: ProseLine[];
}

const FENCE = /^\s*(`{3,}|~{3,})\s*([^\s`]*)/;
export const MARKER = /^\s*<!--\s*example:\s*([^\s]+)\s*-->\s*$/;

export function scan(text: string): Scanned {
  const lines = text.split('\n');
  const blocks: FencedBlock[] = [];
  const prose: ProseLine[] = [];
  const strayMarkers: ProseLine[] = [];
  let pendingMarker: ProseLine | undefined;
  let open: { fence: string; lang: string; line: number; body: string[]; marker?: string } | undefined;
  lines.forEach((text, index) => {
    const line = index + 1;
    const fence = FENCE.exec(text);
    if (open) {
      // A fence closes only on the same character, at least as long, with nothing after it.
      if (fence && fence[1]![0] === open.fence[0] && fence[1]!.length >= open.fence.length && fence[2] === '') {
        blocks.push({
          lang: open.lang,
          line: open.line,
          source: open.body.join('\n'),
          ...(open.marker ? { marker: open.marker } : {}),
        });
        open = undefined;
      } else {
        open.body.push(text);
      }
      return;
    }
    if (fence) {
      open = { fence: fence[1]!, lang: fence[2]!.toLowerCase(), line, body: [] };
      if (pendingMarker) open.marker = MARKER.exec(pendingMarker.text)![1]!;
      pendingMarker = undefined;
      return;
    }
    if (text.trim() === '') return;
    if (pendingMarker) strayMarkers.push(pendingMarker);
    pendingMarker = MARKER.test(text) ? { line, text } : undefined;
    if (!pendingMarker) prose.push({ line, text });
  });
  if (pendingMarker) strayMarkers.push(pendingMarker);
  return { blocks, prose, strayMarkers };
}

/** Heading text → the anchor GitHub gives it (github-slugger: lowercase, punctuation dropped, spaces to "-"). */
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`/g, '')
    .toLowerCase()
    .trim()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a page offers: its headings (duplicates numbered as GitHub does) and explicit `<a id>`/`<a name>`. */
export function anchors(prose: ProseLine[]): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of prose) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (heading) {
      const base = slug(heading[1]!);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      found.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const match of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) found.add(match[1]!);
  }
  return found;
}

/** Inline code spans of a line, outside which links are looked for. */
const CODE_SPAN = /(`+)(.+?)\1/g;

export function codeSpans(text: string): string[] {
  return [...text.matchAll(CODE_SPAN)].map((match) => match[2]!.trim());
}

/** `[text](target)` links of a line (inline code ignored), targets as written. */
export function links(text: string): string[] {
  const withoutCode = text.replace(CODE_SPAN, '');
  return [...withoutCode.matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1]!);
}
