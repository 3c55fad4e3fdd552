import type { Db } from 'mongodb';
import { checksum } from '../../src/domain/canonical';
import type { ChangeRequestInput } from '../../src/domain/change-request';

/** How one surface answered a bad input: was it refused as bad input, and with what words. */
export interface Refusal {
  /** The surface's "bad input" answer: HTTP 4xx (not 5xx), CLI exit code 2, a chat-ops `invalid` reply, a ValidationError. */
  refused: boolean;
  /** Everything the caller gets to read (problem document, CLI output, Slack reply, error message and issues). */
  text: string;
}

type StepInput = ChangeRequestInput['steps'][number];

/** A valid change request with one step; cases break one thing in it. */
export function validRequest(step: StepInput, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'Raise the cap of the bad-input flow',
    requestedBy: 'requester@example.com',
    steps: [step],
    ...overrides,
  };
}

export function flowStep(
  flowId: string,
  patch: unknown[] = [{ op: 'replace', path: '/pricing/cap', value: 35 }],
  extra: Record<string, unknown> = {},
): StepInput {
  return { id: 'raise-cap', target: 'flow-config', spec: { flowId, patch, ...extra } } as StepInput;
}

/** A valid, reversible webhook step of the peers' partner to `base`; `forward` and `spec` override parts of it. */
export function webhookStep(
  base: string,
  forward: Record<string, unknown> = {},
  spec: Record<string, unknown> = {},
): StepInput {
  return {
    id: 'announce',
    target: 'webhook',
    spec: {
      partner: 'partner-a',
      forward: { method: 'POST', url: `${base}/hooks/routes`, body: { change: '{{changeId}}' }, ...forward },
      compensate: { method: 'DELETE', url: `${base}/hooks/routes/{{changeId}}` },
      ...spec,
    },
  } as StepInput;
}

/** `{ a: { a: … 1 } }`, `depth` levels deep. */
export function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/**
 * A fingerprint of every document in the database (collection by collection, sorted by id), so a
 * test can show nothing was written. `ignore` names bookkeeping collections a refusal may touch.
 */
export async function databaseFingerprint(db: Db, ignore: string[] = []): Promise<Record<string, string>> {
  const fingerprint: Record<string, string> = {};
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    if (ignore.includes(name)) continue;
    const docs = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
    fingerprint[name] = `${docs.length}:${checksum(docs)}`;
  }
  return fingerprint;
}
