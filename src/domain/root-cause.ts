import { z } from 'zod';
import { actorSchema } from './actor';

/** A root-cause note as operators send it: what went wrong, in their words, and who says so. */
export const rootCauseInputSchema = z.strictObject({
  note: z.string().trim().min(1, 'must say what caused the problem').max(4000),
  author: actorSchema,
});

export type RootCauseInput = z.input<typeof rootCauseInputSchema>;

/** A note as stored on the report; `at` is when it was added. */
export interface RootCauseNote {
  note: string;
  author: string;
  at: string;
}

/**
 * What people add to a stored report after the change settled. `rootCause` is the latest note;
 * `rootCauseHistory` keeps every note, oldest first, so a corrected note does not erase the first.
 */
export interface ReportAnnotations {
  rootCause?: RootCauseNote;
  rootCauseHistory?: RootCauseNote[];
}
