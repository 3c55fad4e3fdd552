import type { Summary } from './stats';

/** A plain-text table with aligned columns (numbers right-aligned), for the terminal and docs/benchmarks.md. */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.every((r) => /^[-\d.,×%\s()–/≤≥~x]*$/.test(r[i] ?? '') || r[i] === '—'));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (numeric[i] && i > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] && i > 0 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** `12.3` with a fixed number of decimals, `—` for a figure that was not measured. */
export function num(value: number | undefined, decimals = 1): string {
  return value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(decimals);
}

/** `median (min–max)`. */
export function medianRange(summary: Summary, decimals = 1): string {
  return summary.n === 0
    ? '—'
    : `${num(summary.median, decimals)} (${num(summary.min, decimals)}–${num(summary.max, decimals)})`;
}

export function times(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : '—';
}

export function mib(bytes: number | undefined): string {
  return bytes === undefined || !Number.isFinite(bytes) ? '—' : (bytes / 1024 / 1024).toFixed(0);
}
