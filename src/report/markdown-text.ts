/** Helpers for writing Markdown safely: table cells, inline code, quotes. */

/** Markdown for a table cell: `|` escaped (also inside code spans, as GFM tables require), line breaks as `<br>`. */
export function cell(markdown: string): string {
  return markdown.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/** Inline code that survives backticks in the value (a longer fence around it). */
export function code(value: string): string {
  const longest = Math.max(0, ...(value.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = value.startsWith('`') || value.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${value.replace(/\r?\n/g, ' ')}${pad}${fence}`;
}

/** Running text on one line: line breaks become spaces, Markdown's own characters are escaped (`|` is left to `cell`). */
export function inline(value: string): string {
  return value.replace(/\r?\n/g, ' ').replace(/([\\`*_[\]<>#])/g, '\\$1');
}

/** A block quote of multi-line text (every line quoted, so a blank line does not end it). */
export function quote(value: string): string {
  return value
    .split(/\r?\n/)
    .map((line) => `> ${inline(line)}`.trimEnd())
    .join('\n');
}

/** A GFM table; cells are Markdown already (use `inline` for text, `code` for ids). */
export function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

/** `340 ms`, `2.45 s`, `3 min 05 s`. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  if (Math.abs(ms) < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}
