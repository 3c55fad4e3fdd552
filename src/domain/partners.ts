import { z } from 'zod';
import { hostProblem, type NetworkPolicy } from './addresses';
import { refusePrototypeKey } from './safe-keys';

/**
 * A partner the operator configured (`WEBHOOK_PARTNERS`): where its endpoints are (origins), the
 * secret that signs every request to it, and whether it lives on a private network. Webhook steps
 * and notification webhooks name a partner; they never carry an origin of their own that the
 * worker would trust, nor a secret.
 */
export interface Partner extends NetworkPolicy {
  name: string;
  /** Canonical origins (`https://hooks.partner-a.example`, `http://127.0.0.1:8080`). */
  origins: readonly string[];
  /** The signing secret. Absent where the process does not sign (the API and CLI only validate). */
  secret?: string;
}

export type Partners = ReadonlyMap<string, Partner>;

export const partnerNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lowercase letters, digits, "_" or "-"')
  .superRefine(refusePrototypeKey);

/**
 * Query keys that carry credentials. A credential in a URL lands in histories, summaries, logs and
 * notifications; the partner's secret signs every request instead. Compared lower-cased with "-",
 * "_" and "." removed, so `access_token`, `Api-Key` and `X.API.KEY` all match.
 */
const CREDENTIAL_KEYS = new Set([
  'token',
  'key',
  'secret',
  'password',
  'passwd',
  'pwd',
  'sig',
  'signature',
  'auth',
  'authorization',
  'apikey',
  'xapikey',
  'credential',
  'credentials',
  'sessionid',
]);
const CREDENTIAL_SUFFIXES = ['token', 'secret', 'password', 'apikey', 'signature'];

/** The first query key of a URL (or URL template) that looks like a credential, as written. */
export function credentialInQuery(url: string): string | undefined {
  const at = url.indexOf('?');
  if (at < 0) return undefined;
  const query = url.slice(at + 1).split('#')[0]!;
  for (const pair of query.split(/[&;]/)) {
    const raw = pair.split('=')[0]!;
    let decoded = raw;
    try {
      decoded = decodeURIComponent(raw.replace(/\+/g, ' '));
    } catch {
      // A malformed escape stays as written; it is judged as text.
    }
    const key = decoded
      .toLowerCase()
      .replace(/\[\]$/, '')
      .replace(/[-_.\s]/g, '');
    if (CREDENTIAL_KEYS.has(key) || CREDENTIAL_SUFFIXES.some((suffix) => key.endsWith(suffix))) return raw;
  }
  return undefined;
}

/**
 * An origin as the URL parser writes it: lowercase scheme and host, no default port, no path,
 * no credentials. Undefined when the text is not an http(s) origin.
 */
export function canonicalOrigin(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return undefined;
  return url.origin;
}

/** Characters never allowed anywhere in a destination: whitespace, controls, backslashes. */
const UNSAFE = /[\s\x00-\x1f\x7f\\]/;

/**
 * Why `url` (a template as written, or a rendered URL) may not be sent to `partner`, or undefined.
 * The text itself must start with one of the partner's canonical origins followed by "/", "?", "#"
 * or nothing — whatever the WHATWG parser would make of other forms (`https:host/…`, `https:/…`,
 * a leading space, a backslash, userinfo, a placeholder in the host, another port). The parsed URL
 * must then have that same origin, and the host must be allowed by the partner's network policy.
 */
export function partnerDestinationProblem(url: string, partner: Partner): string | undefined {
  return destinationProblem(url, partner, `partner "${partner.name}"`);
}

/** The same rules for any allow-list of origins (`owner` names it in messages, e.g. a setting). */
export function destinationProblem(
  url: string,
  destination: { origins: readonly string[] } & NetworkPolicy,
  owner: string,
): string | undefined {
  if (UNSAFE.test(url)) return 'must not contain whitespace, control characters or backslashes';
  const origin = destination.origins.find(
    (o) => url.startsWith(o) && (url.length === o.length || '/?#'.includes(url[o.length]!)),
  );
  if (!origin)
    return `must start with an origin of ${owner} (${destination.origins.join(', ')}) followed by "/", "?" or the end`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (parsed.origin !== origin || parsed.username || parsed.password)
    return `must stay on the origin ${origin} of ${owner}`;
  return hostProblem(parsed.hostname, destination);
}
