import jsonPatch from 'fast-json-patch';
import type { Db, Document } from 'mongodb';
import { ErrorType } from '../../../domain/errors';
import { pointerTokens } from '../../../domain/json-patch';
import { redactFields, redactValueAt } from '../../../domain/redaction';
import { permanent } from '../../../domain/failures';
import { RecoveryPointStore, toRef } from '../../../store/recovery-points';
import type { StepKey, TargetAdapter } from '../../../domain/outcomes';
import { asJson, conflictSample, docId, sameState, stateOf, targetState, type DocState } from './document';
import type { MongoDocumentSpec } from '../../../domain/targets/mongo-document';
import { DocumentWrites } from '../../../store/document-writes';
import { restoredBefore } from '../common/restored-before';

/** Any document of a named collection, by `_id`: set, unset or replace, with whole-document recovery points. */
/** `redacted`: fields whose values conflict samples and previews never show (REDACTED_LEAD_FIELDS). */
export function createMongoDocumentAdapter(db: Db, redacted: readonly string[] = []): TargetAdapter<MongoDocumentSpec> {
  const recoveryPoints = new RecoveryPointStore(db);
  const writes = new DocumentWrites(db);
  const collectionOf = (spec: MongoDocumentSpec) => db.collection(spec.collection);
  const label = (spec: MongoDocumentSpec) => `${spec.collection}/${spec.id}`;
  const read = async (spec: MongoDocumentSpec): Promise<DocState> =>
    stateOf(await collectionOf(spec).findOne({ _id: docId(spec) } as Document));
  const beforeOf = async (key: StepKey) => {
    const point = await recoveryPoints.get(key, 'before-apply');
    return point ? { point, before: point.state as DocState } : undefined;
  };
  const markerTarget = (spec: MongoDocumentSpec, written: DocState) => ({
    collection: spec.collection,
    documentId: spec.id,
    written,
  });

  /** Writes `state` as the whole document, or deletes the document for an absence. */
  async function put(spec: MongoDocumentSpec, state: DocState): Promise<void> {
    const filter = { _id: docId(spec) } as Document;
    if (!state.exists) {
      await collectionOf(spec).deleteOne(filter);
      return;
    }
    const { _id: _ignored, ...content } = state.document;
    await collectionOf(spec).replaceOne(filter, content, { upsert: true });
  }

  async function write(spec: MongoDocumentSpec, target: DocState): Promise<void> {
    const filter = { _id: docId(spec) } as Document;
    // Field ops touch only the step's fields; replace writes the whole document (creating it when absent).
    if (spec.op === 'set') {
      const { matchedCount } = await collectionOf(spec).updateOne(filter, { $set: spec.fields });
      if (matchedCount === 0)
        throw permanent(ErrorType.TargetNotFound, `document ${label(spec)} was deleted before the step could write it`);
    } else if (spec.op === 'unset') {
      const { matchedCount } = await collectionOf(spec).updateOne(filter, {
        $unset: Object.fromEntries(spec.fields.map((f) => [f, ''])),
      });
      if (matchedCount === 0)
        throw permanent(ErrorType.TargetNotFound, `document ${label(spec)} was deleted before the step could write it`);
    } else {
      await put(spec, target);
    }
  }

  return {
    kind: 'mongo-document',

    async snapshot(key, spec) {
      const existing = await recoveryPoints.get(key, 'before-apply');
      if (existing) return toRef(existing);
      const state = await read(spec);
      if (!state.exists && spec.op !== 'replace')
        throw permanent(ErrorType.TargetNotFound, `document ${label(spec)} does not exist`);
      const point = await recoveryPoints.capture(key, 'before-apply', {
        target: 'mongo-document',
        locator: { collection: spec.collection, id: spec.id, idType: spec.idType },
        state,
        summary: state.exists ? `document ${label(spec)}` : `document ${label(spec)} absent (a restore deletes it)`,
      });
      return toRef(point);
    },

    async apply(key, spec) {
      const captured = await beforeOf(key);
      if (!captured)
        throw permanent(
          ErrorType.RecoveryPointMissing,
          `no recovery point for ${key.changeId}/${key.stepId}; refusing to apply`,
        );
      const marker = await writes.get(key, 'apply');
      if (marker?.status === 'done')
        return { status: 'already-applied', summary: `document ${label(spec)} already carries this step` };
      const target = targetState(captured.before, spec);
      const current = await read(spec);
      if (!sameState(current, target)) {
        if (!sameState(current, captured.before)) {
          throw permanent(
            ErrorType.Conflict,
            `document ${label(spec)} changed after its recovery point was taken; refusing to overwrite`,
          );
        }
        await writes.mark(key, 'apply', 'pending', markerTarget(spec, target));
        await write(spec, target);
      }
      await writes.mark(key, 'apply', 'done', markerTarget(spec, target));
      const fields = spec.op === 'set' ? Object.keys(spec.fields) : spec.op === 'unset' ? spec.fields : [];
      return { status: 'applied', summary: `document ${label(spec)}: ${spec.op} ${fields.join(', ')}`.trimEnd() };
    },

    async verify(key, spec) {
      const marker = await writes.get(key, 'apply');
      const current = await read(spec);
      if (marker?.status !== 'done' || !sameState(current, marker.written)) {
        throw permanent(ErrorType.VerificationFailed, `document ${label(spec)} does not carry step ${key.stepId}`);
      }
    },

    async restore(key, spec) {
      const captured = await beforeOf(key);
      const applied = await writes.get(key, 'apply');
      if (!captured || !applied)
        return {
          status: 'not-applied',
          summary: `step never changed document ${label(spec)}`,
          recoveryPointId: captured?.point._id,
        };
      const { point, before } = captured;
      const restoredTo = before.exists
        ? `document ${label(spec)} restored to its recovery point`
        : `document ${label(spec)} deleted (it did not exist before the step)`;
      if ((await writes.get(key, 'restore'))?.status === 'done')
        return restoredBefore(recoveryPoints, key, point._id, restoredTo);
      const current = await read(spec);
      if (sameState(current, before)) {
        // An apply that never reached the document, or a restore that crashed after its write.
        const restoredEarlier = (await writes.get(key, 'restore')) !== null;
        if (restoredEarlier) await writes.mark(key, 'restore', 'done', markerTarget(spec, before));
        return restoredEarlier
          ? restoredBefore(recoveryPoints, key, point._id, restoredTo)
          : {
              status: 'not-applied',
              summary: `document ${label(spec)} is still at its recovery point`,
              recoveryPointId: point._id,
            };
      }
      if (!sameState(current, applied.written)) {
        const sample = conflictSample(spec, before, applied.written, current, redacted);
        return {
          status: 'conflict',
          summary: `document ${label(spec)} was changed after this step (${sample.length} field(s) differ from what the step wrote); left as is`,
          recoveryPointId: point._id,
          conflicts: { count: sample.length, sample: sample.slice(0, 20), ref: `recovery_points _id="${point._id}"` },
        };
      }
      const preRestore = await recoveryPoints.capture(key, 'before-restore', {
        target: 'mongo-document',
        locator: { collection: spec.collection, id: spec.id, idType: spec.idType },
        state: current,
        summary: `document ${label(spec)} before the restore`,
      });
      await writes.mark(key, 'restore', 'pending', markerTarget(spec, before));
      await put(spec, before);
      await writes.mark(key, 'restore', 'done', markerTarget(spec, before));
      return {
        status: 'restored',
        summary: before.exists
          ? `document ${label(spec)} restored to its recovery point`
          : `document ${label(spec)} deleted (it did not exist before the step)`,
        recoveryPointId: point._id,
        preRestorePointId: preRestore._id,
      };
    },

    async verifyRestore(key, spec) {
      const captured = await beforeOf(key);
      const restored = await writes.get(key, 'restore');
      if (!captured || restored?.status !== 'done') return;
      if (!sameState(await read(spec), captured.before)) {
        throw permanent(
          ErrorType.VerificationFailed,
          `document ${label(spec)} does not match recovery point ${captured.point._id}`,
        );
      }
    },

    async preview(key, spec) {
      const captured = await beforeOf(key);
      if (!captured)
        return { operations: [], summary: `no recovery point: nothing to restore for document ${label(spec)}` };
      const current = await read(spec);
      const [now, before] = [asJson(current), asJson(captured.before)];
      const operations = redactOperations(
        now === null
          ? before === null
            ? []
            : [{ op: 'add', path: '', value: before }]
          : before === null
            ? [{ op: 'remove', path: '' }]
            : jsonPatch.compare(now as object, before as object),
        redacted,
      );
      const applied = await writes.get(key, 'apply');
      const conflict = applied !== null && !sameState(current, applied.written) && !sameState(current, captured.before);
      return {
        recoveryPointId: captured.point._id,
        operations,
        counts: { restore: conflict || operations.length === 0 ? 0 : 1, conflicts: conflict ? 1 : 0 },
        ...(conflict
          ? { conflicts: conflictSample(spec, captured.before, applied.written, current, redacted).slice(0, 20) }
          : {}),
        summary: conflict
          ? `document ${label(spec)} changed after the step: a restore would leave it and report a conflict`
          : `${operations.length} operation(s) back to the recovery point of ${label(spec)}`,
      };
    },
  };
}

/** Preview operations with the always-redacted fields' values replaced (a pointer `/a/b` is the field `a.b`; `""` the whole document). */
function redactOperations(
  operations: { op: string; path: string; value?: unknown }[],
  redacted: readonly string[],
): unknown[] {
  if (redacted.length === 0) return operations;
  return operations.map((operation) => {
    if (!('value' in operation)) return operation;
    const tokens = pointerTokens(operation.path);
    return {
      ...operation,
      value:
        tokens.length === 0
          ? redactFields(operation.value, redacted)
          : redactValueAt(tokens.join('.'), operation.value, redacted),
    };
  });
}
