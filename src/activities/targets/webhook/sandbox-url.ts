import { ErrorType } from '../../../domain/errors';
import { permanent } from '../../../domain/failures';

/**
 * A rendered webhook URL moved to a sandbox origin: the URL is parsed (as the HTTP client will
 * parse it), and the sandbox URL is built from the sandbox origin with the parsed path and query
 * set on it — never by editing text, so no form of URL (`https:host/…`, `https:/…`, a leading
 * space, a backslash) can keep its own host. The fragment is dropped: it is never sent.
 */
export function sandboxUrl(url: string, sandboxOrigin: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw permanent(ErrorType.InvalidStep, `webhook URL ${JSON.stringify(url)} is not an absolute URL`);
  }
  const target = new URL(sandboxOrigin);
  target.pathname = parsed.pathname;
  target.search = parsed.search;
  return target.toString();
}
