import { z } from 'zod';
import { collectionKinds, type CollectionKind, type TargetCollections } from '../domain/targets/collections';
import { collectionNameSchema } from '../domain/targets/fields';

/**
 * `TARGET_COLLECTIONS='lead-data=leads,leads_archive;mongo-document=partner_settings'`: the only
 * collections steps of each kind may target. A kind left out may target any collection that is not
 * reserved; `kind=` with no names allows none. Names are checked like a step's (a reserved
 * collection cannot be allowed).
 */
export const targetCollectionsSchema = z.string().transform((text, ctx): TargetCollections => {
  const allowed: TargetCollections = {};
  text
    .split(';')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .forEach((entry, index) => {
      const at = entry.indexOf('=');
      const kind = (at < 0 ? entry : entry.slice(0, at)).trim();
      if (!(collectionKinds as readonly string[]).includes(kind)) {
        ctx.addIssue({
          code: 'custom',
          message: `entry ${index + 1} must be kind=collection,… with a kind of ${collectionKinds.join(' or ')} (the kinds whose steps name a collection)`,
        });
        return;
      }
      if (Object.hasOwn(allowed, kind)) {
        ctx.addIssue({ code: 'custom', message: `${kind} is given twice` });
        return;
      }
      const names =
        at < 0
          ? []
          : entry
              .slice(at + 1)
              .split(',')
              .map((name) => name.trim())
              .filter(Boolean);
      for (const name of names) {
        const parsed = collectionNameSchema.safeParse(name);
        if (!parsed.success)
          ctx.addIssue({ code: 'custom', message: `${kind}: collection "${name}" ${parsed.error.issues[0]!.message}` });
      }
      allowed[kind as CollectionKind] = names;
    });
  return allowed;
});

/** Environment variables restricting step targets (worker, API and CLI read the same). */
export const targetSettingsSchema = {
  TARGET_COLLECTIONS: targetCollectionsSchema.optional(),
};
