import { BSON, type Document } from 'mongodb';
import { checksum } from '../../../domain/canonical';
import { ErrorType } from '../../../domain/errors';
import { redactFields, redactValueAt } from '../../../domain/redaction';
import { isPrototypeKey, ownValue, setOwn } from '../../../domain/safe-keys';
import { permanent } from '../../../domain/failures';
import type { MongoDocumentSpec } from '../../../domain/targets/mongo-document';

import type { DocState } from '../../../store/document-writes';

export type { DocState };

export function docId(spec: MongoDocumentSpec): string | BSON.ObjectId {
  return spec.idType === 'objectId' ? new BSON.ObjectId(spec.id) : spec.id;
}

export function stateOf(doc: Document | null): DocState {
  return doc ? { exists: true, document: doc } : { exists: false };
}

/** Relaxed Extended JSON: how documents are compared and diffed (key order and BSON wrappers aside). */
export function asJson(state: DocState): unknown {
  return state.exists ? BSON.EJSON.serialize(state.document, { relaxed: true }) : null;
}

export function sameState(a: DocState, b: DocState): boolean {
  return checksum(asJson(a)) === checksum(asJson(b));
}

/** What the step's op makes of the before-image: the state apply writes and restore compares against. */
export function targetState(before: DocState, spec: MongoDocumentSpec): DocState {
  const _id = docId(spec);
  if (spec.op === 'replace') return { exists: true, document: { _id, ...spec.document } };
  if (!before.exists)
    throw permanent(ErrorType.TargetNotFound, `document ${spec.collection}/${spec.id} does not exist`);
  const document = BSON.deserialize(BSON.serialize(before.document));
  if (spec.op === 'set') for (const [path, value] of Object.entries(spec.fields)) setPath(document, path, value, spec);
  else for (const path of spec.fields) unsetPath(document, path, spec);
  return { exists: true, document };
}

/**
 * Walks own fields only and refuses prototype keys even though validation already did: a path that
 * slipped past it must fail the step, never reach the worker's shared prototypes.
 */
function setPath(doc: Document, path: string, value: unknown, spec: MongoDocumentSpec): void {
  const segments = path.split('.');
  refuseUnsafePath(segments, path, spec);
  let node: Document = doc;
  for (const segment of segments.slice(0, -1)) {
    const next = ownValue(node, segment);
    if (next === undefined) setOwn(node, segment, {});
    else if (
      next === null ||
      typeof next !== 'object' ||
      Array.isArray(next) ||
      next instanceof Date ||
      (next as { _bsontype?: string })._bsontype
    ) {
      throw permanent(
        ErrorType.InvalidStep,
        `cannot set "${path}" in ${spec.collection}/${spec.id}: "${segment}" is not an embedded document`,
      );
    }
    node = ownValue(node, segment) as Document;
  }
  setOwn(node, segments[segments.length - 1]!, value);
}

function unsetPath(doc: Document, path: string, spec: MongoDocumentSpec): void {
  const segments = path.split('.');
  refuseUnsafePath(segments, path, spec);
  let node: unknown = doc;
  for (const segment of segments.slice(0, -1)) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    node = ownValue(node, segment);
  }
  const last = segments[segments.length - 1]!;
  if (node !== null && typeof node === 'object' && !Array.isArray(node) && Object.hasOwn(node, last))
    delete (node as Document)[last];
}

function refuseUnsafePath(segments: string[], path: string, spec: MongoDocumentSpec): void {
  if (segments.some(isPrototypeKey))
    throw permanent(
      ErrorType.InvalidStep,
      `cannot write "${path}" in ${spec.collection}/${spec.id}: a path through __proto__, constructor or prototype is never followed`,
    );
}

/**
 * Field-level three-way view of a conflict: each top-level field where the document now differs
 * from what the step wrote, with its value before the step, as written, and now; the operator's
 * always-redacted fields (`redacted`) replaced.
 */
export function conflictSample(
  spec: MongoDocumentSpec,
  before: DocState,
  written: DocState,
  now: DocState,
  redacted: readonly string[] = [],
) {
  const item = `${spec.collection}/${spec.id}`;
  if (!now.exists || !written.exists) {
    const [b, w, n] = [before, written, now].map((state) => redactFields(asJson(state), redacted));
    return [{ item, before: b, written: w, now: n }];
  }
  const [b, w, n] = [before, written, now].map((s) => (asJson(s) ?? {}) as Record<string, unknown>) as [
    Record<string, unknown>,
    Record<string, unknown>,
    Record<string, unknown>,
  ];
  const fields = [...new Set([...Object.keys(w), ...Object.keys(n)])]
    .filter((k) => checksum(ownValue(w, k)) !== checksum(ownValue(n, k)))
    .sort();
  const shown = (side: Record<string, unknown>, field: string) => redactValueAt(field, ownValue(side, field), redacted);
  return fields.map((field) => ({
    item: `${item}.${field}`,
    before: shown(b, field),
    written: shown(w, field),
    now: shown(n, field),
  }));
}
