import type { Db } from 'mongodb';
import { checksum } from '../../../domain/canonical';
import { ErrorType } from '../../../domain/errors';
import { permanent } from '../../failures';
import type { HttpRequest } from '../../http/client';
import { idempotencyKey, journaledSend, SendJournal, type SendDoc, type SendPhase } from '../../http/send-journal';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signRequest } from '../../http/signature';
import { RecoveryPointStore, toRef, type RecoveryPointDoc } from '../../recovery-points';
import type { StepKey, TargetAdapter } from '../types';
import { defaultConflictStatus, defaultExpectedStatus, type WebhookRequestTemplate, type WebhookSpec } from './spec';
import { renderHeader, renderJson, renderUrl, type TemplateValues } from './template';

/** Named HMAC secrets from the worker's environment (`WEBHOOK_SECRETS`). */
export type WebhookSecrets = Readonly<Record<string, string>>;

const DEFAULT_TIMEOUT_MS = 10_000;

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
  secret: string | null;
}

/**
 * Partner webhooks: a forward request and the compensating request that undoes it. A partner's
 * state cannot be read back, so the recovery point is what will be sent (a request fingerprint)
 * and the journal (`http_sends`, keyed by idempotency key: intent before sending, outcome after)
 * is the record of what was. A restore sends the compensating request once, and only when the
 * forward request may have reached the partner.
 */
export function createWebhookAdapter(db: Db, secrets: WebhookSecrets = {}): TargetAdapter<WebhookSpec> {
  const recoveryPoints = new RecoveryPointStore(db);
  const journal = new SendJournal(db);

  function secretFor(spec: WebhookSpec): string | undefined {
    if (!spec.secret) return undefined;
    const secret = Object.hasOwn(secrets, spec.secret) ? secrets[spec.secret] : undefined;
    if (!secret) throw permanent(ErrorType.WorkerMisconfigured, `webhook secret "${spec.secret}" is not in the worker's WEBHOOK_SECRETS`);
    return secret;
  }

  /** The request to send for a phase, signed when the step names a secret. */
  function build(key: StepKey, spec: WebhookSpec, phase: SendPhase, template: WebhookRequestTemplate): HttpRequest {
    const { fingerprint, headers, body, url } = rendered(key, phase, template);
    const secret = secretFor(spec);
    const signed = { ...headers };
    if (secret) {
      const target = new URL(url);
      signed[SIGNATURE_HEADER.toLowerCase()] = signRequest(secret, {
        method: template.method,
        path: `${target.pathname}${target.search}`,
        idempotencyKey: fingerprint.idempotencyKey,
        body: body ?? '',
      });
    }
    return {
      method: template.method,
      url,
      headers: signed,
      body,
      timeoutMs: spec.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      what: `webhook ${phase} ${template.method} ${url}`,
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
      secretFor(spec); // a missing secret fails here, before anything is sent
      const forward = rendered(key, 'forward', spec.forward).fingerprint;
      const state: WebhookState = {
        forward,
        compensate: spec.compensate ? rendered(key, 'compensate', spec.compensate).fingerprint : null,
        irreversible: spec.irreversible === true,
        secret: spec.secret ?? null,
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
      if (!point) throw permanent(ErrorType.RecoveryPointMissing, `no recovery point for ${key.changeId}/${key.stepId}; refusing to send`);
      const request = build(key, spec, 'forward', spec.forward);
      const sent = await journal.get(key, 'forward');
      if (sent?.state === 'delivered') return { status: 'already-applied', summary: `${request.method} ${request.url} already delivered (HTTP ${sent.lastStatus})` };
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
      const expected = rendered(key, 'forward', spec.forward);
      if (sent?.state !== 'delivered') {
        throw permanent(ErrorType.VerificationFailed, `webhook ${expected.fingerprint.method} ${expected.url} was not delivered (${sent?.state ?? 'never sent'})`);
      }
      if (sent.fingerprint !== journalFingerprint(expected)) {
        throw permanent(ErrorType.VerificationFailed, `the delivered request under key ${sent._id} is not the one this step describes`);
      }
    },

    async restore(key, spec) {
      const point = await beforeImage(key);
      const sent = await journal.get(key, 'forward');
      if (!point || !sent) return { status: 'not-applied', summary: 'the forward request was never sent: nothing to undo', recoveryPointId: point?._id };
      if (sent.state === 'rejected') {
        return { status: 'not-applied', summary: `the partner refused the forward request (HTTP ${sent.lastStatus ?? '?'}): nothing to undo`, recoveryPointId: point._id };
      }
      if (!spec.compensate) {
        throw permanent(ErrorType.Irreversible, `step ${key.stepId} is irreversible and its forward request was ${sent.state === 'delivered' ? 'delivered' : 'possibly delivered'}: it cannot be undone`);
      }
      const undone = await journal.get(key, 'compensate');
      if (undone?.state === 'delivered') {
        return { status: 'already-restored', summary: `compensating request already delivered (HTTP ${undone.lastStatus})`, recoveryPointId: point._id };
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
        await journal.failed(key, 'compensate', 'rejected', { status: response.status, error: `partner reports a conflict: ${response.text.slice(0, 200)}` });
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
                now: { status: response.status, body: response.text.slice(0, 500) },
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
      if (!sent || sent.state === 'rejected' || !spec.compensate) return;
      const undone = await journal.get(key, 'compensate');
      if (undone?.state !== 'delivered') {
        throw permanent(ErrorType.VerificationFailed, `the compensating request ${idempotencyKey(key, 'compensate')} was not delivered (${undone?.state ?? 'never sent'})`);
      }
    },

    async preview(key, spec) {
      const point = await beforeImage(key);
      const sent = await journal.get(key, 'forward');
      if (!point || !sent || sent.state === 'rejected') return { recoveryPointId: point?._id, operations: [], summary: 'the forward request was never sent: nothing to undo' };
      if (!spec.compensate) return { recoveryPointId: point._id, operations: [], summary: 'irreversible: the forward request cannot be undone' };
      const undone = await journal.get(key, 'compensate');
      if (undone?.state === 'delivered') return { recoveryPointId: point._id, operations: [], summary: 'already undone' };
      const { fingerprint } = rendered(key, 'compensate', spec.compensate);
      return {
        recoveryPointId: point._id,
        operations: [{ op: 'request', method: fingerprint.method, url: fingerprint.url, idempotencyKey: fingerprint.idempotencyKey }],
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

/** Fills a request template for one phase; deterministic, so every attempt sends the same request. */
export function rendered(key: StepKey, phase: SendPhase, template: WebhookRequestTemplate): Rendered {
  const ikey = idempotencyKey(key, phase);
  const values: TemplateValues = { changeId: key.changeId, stepId: key.stepId, idempotencyKey: ikey };
  const url = renderUrl(template.url, values);
  const body = template.body === undefined ? undefined : JSON.stringify(renderJson(template.body, values));
  const headers: Record<string, string> = { 'user-agent': 'lead-rollback', ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
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

function forwardRecord(sent: SendDoc): Record<string, unknown> {
  return { idempotencyKey: sent._id, state: sent.state, lastStatus: sent.lastStatus ?? null, attempts: sent.attempts, request: sent.request };
}
