import { redactValueAt } from '../../../domain/redaction';
import type { LeadJournalDoc } from '../../../store/lead-journal';

const pointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** RFC 6902 operations that take one lead's written fields back to their before-image (`/<leadKey>/<field>/…`), always-redacted fields replaced. */
export function previewOperations(entry: LeadJournalDoc, redacted: readonly string[] = []): unknown[] {
  return entry.paths.map((path, i) => {
    const target = `/${pointer(entry.leadKey)}/${path.split('.').map(pointer).join('/')}`;
    const before = entry.before[i]!;
    const written = entry.written[i]!;
    if (!before.exists) return { op: 'remove', path: target };
    return { op: written.exists ? 'replace' : 'add', path: target, value: redactValueAt(path, before.value, redacted) };
  });
}
