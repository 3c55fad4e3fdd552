import type { Db } from 'mongodb';
import { checksum } from '../../../domain/canonical';
import { ErrorType } from '../../../domain/errors';
import { partnerDestinationProblem, type Partner, type Partners } from '../../../domain/partners';
import { permanent } from '../../../domain/failures';
import { EXCERPT_CHARS, type HttpRequest } from '../../../http/sender';
import { journaledSend } from '../../http/journaled-send';
import { idempotencyKey, SendJournal, type SendDoc, type SendPhase } from '../../../store/send-journal';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signedPartsOf, signRequest } from '../../../http/signature';
import { RecoveryPointStore, toRef, type RecoveryPointDoc } from '../../../store/recovery-points';
import type { StepKey, TargetAdapter } from '../../../domain/outcomes';
import { sandboxUrl } from './sandbox-url';
import { restoredBefore } from '../common/restored-before';
import {
  defaultConflictStatus,
  defaultExpectedStatus,
  type WebhookRequestTemplate,
  type WebhookSpec,
} from '../../../domain/targets/webhook';
import { renderHeader, renderJson, renderUrl, type TemplateValues } from '../../../domain/targets/webhook-template';

const DEFAULT_TIMEOUT_MS = 10_000;

export interface WebhookAdapterOptions {
  /**
   * The adapter of a rehearsal: `partners` are the partners' sandboxes, and every request goes to
   * its partner's sandbox origin — built from the parsed URL, path and query kept — whatever the
   * step's URL says. Nothing this adapter sends can reach another destination.
   */
  sandbox?: boolean;
}

/** What a webhook step will send, without secrets or signatures: its recovery point. */
export interface RequestFingerprint {
  method: string;
  url: string;
  headerNames: string[];
  bodySha256: string | null;
  idempotencyKey: string;
  /** sha256 of method, URL, headers and body as rendered. */
  fingerprint: string;
}

interface WebhookState {
  forward: RequestFingerprint;
  compensate: RequestFingerprint | null;
  irreversible: boolean;
  partner: string;
}

/**
 * Partner webhooks: a forward request and the compensating request that undoes it. A partner's
 * state cannot be read back, so the recovery point is what will be sent (a request fingerprint)
 * and the journal (`http_sends`, keyed by idempotency key: intent before sending, outcome after)
 * is the record of what was. A restore sends the compensating request once, and only when the
 * forward request may have reached the partner.
 */
export function createWebhookAdapter(
  db: Db,
  partners: Partners = new Map(),
  options: WebhookAdapterOptions = {},
): TargetAdapter<WebhookSpec> {
  const recoveryPoints = new RecoveryPointStore(db);
  const journal = new SendJournal(db);
  const where = options.sandbox ? 'REHEARSAL_WEBHOOK_PARTNERS' : 'WEBHOOK_PARTNERS';

  /** The step's partner with its secret; a step naming none this worker knows fails before anything is sent. */
  function partnerFor(spec: WebhookSpec): Partner & { secret: string } {
    const partner = spec.partner === undefined ? undefined : partners.get(spec.partner);
    if (!partner) {
      const named =
        spec.partner === undefined
          ? 'names no partner (it was written before partners: finish or roll it back on the release that started it)'
          : `names partner "${spec.partner}", which is not in this worker's ${where}`;
      throw permanent(ErrorType.WorkerMisconfigured, `the webhook step ${named}`);
    }
    if (!partner.secret)
      throw permanent(
        ErrorType.WorkerMisconfigured,
        `partner "${partner.name}" has no signing secret on this worker (${where}: secret or secretEnv)`,
      );
    return partner as Partner & { secret: string };
  }

  /** The request for a phase as this adapter sends it: rendered, moved to the sandbox when rehearsing, checked against the partner. */
  function render(key: StepKey, spec: WebhookSpec, phase: SendPhase, template: WebhookRequestTemplate): Rendered {
    const partner = partnerFor(spec);
    const request = rendered(
      key,
      phase,
      template,
      options.sandbox ? (url) => sandboxUrl(url, partner.origins[0]!) : undefined,
    );
    const problem = partnerDestinationProblem(request.url, partner);
    if (problem) throw permanent(ErrorType.InvalidStep, `webhook ${phase} URL ${request.url}: ${problem}`);
    return request;
  }

  /** The request to send for a phase, signed with the partner's secret over method, host, path, key and body. */
  function build(key: StepKey, spec: WebhookSpec, phase: SendPhase, template: WebhookRequestTemplate): HttpRequest {
    const partner = partnerFor(spec);
    const { fingerprint, headers, body, url } = render(key, spec, phase, template);
    const signed = { ...headers };
    signed[SIGNATURE_HEADER.toLowerCase()] = signRequest(
      partner.secret,
      signedPartsOf({ method: template.method, url, idempotencyKey: fingerprint.idempotencyKey, body }),
    );
    return {
      method: template.method,
      url,
      headers: signed,
      body,
      timeoutMs: spec.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      what: `webhook ${phase} ${template.method} ${url}`,
      network: partner,
    };
  }

  async function beforeImage(key: StepKey): Promise<(RecoveryPointDoc & { state: WebhookState }) | null> {
    return (await recoveryPoints.get(key, 'before-apply')) as (RecoveryPointDoc & { state: WebhookState }) | null;
  }

  return {
    kind: 'webhook',

    async snapshot(key, spec) {
      const existing = await beforeImage(key);
      if (existing) return toRef(existing);
      // An unknown partner, a missing secret or a URL off the partner's origins fails here, before anything is sent.
      const forward = render(key, spec, 'forward', spec.forward).fingerprint;
      const state: WebhookState = {
        forward,
        compensate: spec.compensate ? render(key, spec, 'compensate', spec.compensate).fingerprint : null,
        irreversible: spec.irreversible === true,
        partner: spec.partner,
      };
      const point = await recoveryPoints.capture(key, 'before-apply', {
        target: 'webhook',
        locator: { url: forward.url, idempotencyKey: forward.idempotencyKey },
        state,
        summary: `webhook ${forward.method} ${forward.url} not yet sent; ${state.compensate ? `undone by ${state.compensate.method} ${state.compensate.url}` : 'irreversible'}`,
      });
      return toRef(point);
    },

    async apply(key, spec) {
      const point = await beforeImage(key);
      if (!point)
        throw permanent(
          ErrorType.RecoveryPointMissing,
          `no recovery point for ${key.changeId}/${key.stepId}; refusing to send`,
        );
      const request = build(key, spec, 'forward', spec.forward);
      const sent = await journal.get(key, 'forward');
      if (sent?.state === 'delivered')
        return {
          status: 'already-applied',
          summary: `${request.method} ${request.url} already delivered (HTTP ${sent.lastStatus})`,
        };
      const response = await journaledSend(journal, key, {
        target: 'webhook',
        phase: 'forward',
        request,
        expected: spec.forward.expectedStatus ?? defaultExpectedStatus,
      });
      return { status: 'applied', summary: `${request.method} ${request.url} → HTTP ${response.status}` };
    },

    async verify(key, spec) {
      const sent = await journal.get(key, 'forward');
      const expected = render(key, spec, 'forward', spec.forward);
      if (sent?.state !== 'delivered') {
        throw permanent(
          ErrorType.VerificationFailed,
          `webhook ${expected.fingerprint.method} ${expected.url} was not delivered (${sent?.state ?? 'never sent'})`,
        );
      }
      if (sent.fingerprint !== journalFingerprint(expected)) {
        throw permanent(
          ErrorType.VerificationFailed,
          `the delivered request under key ${sent._id} is not the one this step describes`,
        );
      }
    },

    async restore(key, spec) {
      const point = await beforeImage(key);
      const sent = await journal.get(key, 'forward');
      if (!point || !sent)
        return {
          status: 'not-applied',
          summary: 'the forward request was never sent: nothing to undo',
          recoveryPointId: point?._id,
        };
      if (sent.state === 'rejected') {
        return {
          status: 'not-applied',
          summary: `the partner refused the forward request (HTTP ${sent.lastStatus ?? '?'}): nothing to undo`,
          recoveryPointId: point._id,
        };
      }
      if (sent.state === 'not-sent') {
        return {
          status: 'not-applied',
          summary: `the forward request never left the worker (${sent.lastError ?? 'refused before sending'}): nothing to undo`,
          recoveryPointId: point._id,
        };
      }
      if (!spec.compensate) {
        throw permanent(
          ErrorType.Irreversible,
          `step ${key.stepId} is irreversible and its forward request was ${sent.state === 'delivered' ? 'delivered' : 'possibly delivered'}: it cannot be undone`,
        );
      }
      const undone = await journal.get(key, 'compensate');
      if (undone?.state === 'delivered') {
        const delivered = `compensating request delivered (HTTP ${undone.lastStatus})`;
        return restoredBefore(recoveryPoints, key, point._id, delivered);
      }
      const request = build(key, spec, 'compensate', spec.compensate);
      const preRestore = await recoveryPoints.capture(key, 'before-restore', {
        target: 'webhook',
        locator: { url: request.url, idempotencyKey: idempotencyKey(key, 'compensate') },
        state: { forward: forwardRecord(sent) },
        summary: `webhook forward ${sent.state} (HTTP ${sent.lastStatus ?? '?'}), before sending the compensating request`,
      });
      const conflictStatus: readonly number[] = spec.compensate.conflictStatus ?? defaultConflictStatus;
      const response = await journaledSend(journal, key, {
        target: 'webhook',
        phase: 'compensate',
        request,
        expected: spec.compensate.expectedStatus ?? defaultExpectedStatus,
        tolerated: conflictStatus,
      });
      if (conflictStatus.includes(response.status)) {
        await journal.failed(key, 'compensate', 'rejected', {
          status: response.status,
          error: `partner reports a conflict: ${response.text.slice(0, EXCERPT_CHARS)}`,
        });
        return {
          status: 'conflict',
          summary: `the partner refused the compensating ${request.method} ${request.url} with HTTP ${response.status}: its state changed since; left as is`,
          recoveryPointId: point._id,
          preRestorePointId: preRestore._id,
          conflicts: {
            count: 1,
            sample: [
              {
                item: `${request.method} ${request.url}`,
                before: 'forward not sent',
                written: { forward: sent._id, status: sent.lastStatus ?? null },
                now: { status: response.status, body: response.text.slice(0, EXCERPT_CHARS) },
              },
            ],
          },
        };
      }
      return {
        status: 'restored',
        summary: `compensating ${request.method} ${request.url} → HTTP ${response.status}, undoing change ${key.changeId}`,
        recoveryPointId: point._id,
        preRestorePointId: preRestore._id,
      };
    },

    async verifyRestore(key, spec) {
      const sent = await journal.get(key, 'forward');
      if (!sent || neverTookEffect(sent) || !spec.compensate) return;
      const undone = await journal.get(key, 'compensate');
      if (undone?.state !== 'delivered') {
        throw permanent(
          ErrorType.VerificationFailed,
          `the compensating request ${idempotencyKey(key, 'compensate')} was not delivered (${undone?.state ?? 'never sent'})`,
        );
      }
    },

    async preview(key, spec) {
      const point = await beforeImage(key);
      const sent = await journal.get(key, 'forward');
      if (!point || !sent || neverTookEffect(sent))
        return {
          recoveryPointId: point?._id,
          operations: [],
          summary: 'the forward request never took effect: nothing to undo',
        };
      if (!spec.compensate)
        return {
          recoveryPointId: point._id,
          operations: [],
          summary: 'irreversible: the forward request cannot be undone',
        };
      const undone = await journal.get(key, 'compensate');
      if (undone?.state === 'delivered')
        return { recoveryPointId: point._id, operations: [], summary: 'already undone' };
      const { fingerprint } = render(key, spec, 'compensate', spec.compensate);
      return {
        recoveryPointId: point._id,
        operations: [
          {
            op: 'request',
            method: fingerprint.method,
            url: fingerprint.url,
            idempotencyKey: fingerprint.idempotencyKey,
          },
        ],
        summary: `would send ${fingerprint.method} ${fingerprint.url} once (Idempotency-Key ${fingerprint.idempotencyKey})`,
      };
    },
  };
}

interface Rendered {
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
  fingerprint: RequestFingerprint;
}

/**
 * Fills a request template for one phase; deterministic, so every attempt sends the same request.
 * `destination` maps the rendered URL (a rehearsal moves it to the sandbox origin).
 */
export function rendered(
  key: StepKey,
  phase: SendPhase,
  template: WebhookRequestTemplate,
  destination: (url: string) => string = (url) => url,
): Rendered {
  const ikey = idempotencyKey(key, phase);
  const values: TemplateValues = { changeId: key.changeId, stepId: key.stepId, idempotencyKey: ikey };
  const url = destination(renderUrl(template.url, values));
  const body = template.body === undefined ? undefined : JSON.stringify(renderJson(template.body, values));
  const headers: Record<string, string> = {
    'user-agent': 'lead-rollback',
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  };
  for (const [name, value] of Object.entries(template.headers ?? {})) {
    try {
      headers[name.toLowerCase()] = renderHeader(value, values);
    } catch (err) {
      throw permanent(ErrorType.InvalidStep, `header ${name}: ${(err as Error).message}`);
    }
  }
  headers[IDEMPOTENCY_HEADER.toLowerCase()] = ikey;
  const headerNames = Object.keys(headers).sort();
  return {
    url,
    headers,
    body,
    fingerprint: {
      method: template.method,
      url,
      headerNames,
      bodySha256: body === undefined ? null : checksum(body),
      idempotencyKey: ikey,
      fingerprint: checksum({ method: template.method, url, headers, body: body ?? null }),
    },
  };
}

/** The fingerprint the journal keeps for a request (method, URL, body). */
function journalFingerprint(request: Rendered): string {
  return checksum({ method: request.fingerprint.method, url: request.url, body: request.body ?? null });
}

/** Refused by the partner for good, or never sent at all: the forward request did not take effect. */
function neverTookEffect(sent: SendDoc): boolean {
  return sent.state === 'rejected' || sent.state === 'not-sent';
}

function forwardRecord(sent: SendDoc): Record<string, unknown> {
  return {
    idempotencyKey: sent._id,
    state: sent.state,
    lastStatus: sent.lastStatus ?? null,
    attempts: sent.attempts,
    request: sent.request,
  };
}
