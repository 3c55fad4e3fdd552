import { REDACTED, withoutTargetValues } from '../domain/redaction';
import { can, type Identity } from './identity';

/**
 * A status or report as this reader may see it: with its target values (conflict samples, preview
 * values — lead data) for approvers and admins, redacted for everyone else. Every read path that
 * leaves the API or chat ops goes through here.
 */
export function viewFor<V extends { steps: readonly object[] }>(identity: Identity, view: V): V {
  return can(identity, 'readTargetValues') ? view : withoutTargetValues(view);
}

/** What the API document says about it, on every route that shows target values. */
export const TARGET_VALUES_NOTE = `Target values (conflict samples: before, written, now; preview values) are shown to approvers and admins; other tokens get them as "${REDACTED}".`;
