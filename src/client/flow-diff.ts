import jsonPatch, { type Operation } from 'fast-json-patch';
import { pointerTokens } from '../domain/json-patch';
import { ownValue } from '../domain/safe-keys';

/** Two versions of a flow compared: the RFC 6902 operations from `from` to `to`, and one line per operation for people. */
export interface FlowDiff {
  flowId: string;
  from: number;
  to: number;
  operations: Operation[];
  lines: string[];
}

const shown = (value: unknown) => {
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
};

/** The value at a JSON Pointer of a document, or undefined (own keys only). */
function valueAt(document: unknown, pointer: string): unknown {
  let node = document;
  for (const token of pointerTokens(pointer)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = Array.isArray(node) ? node[Number(token)] : ownValue(node, token);
  }
  return node;
}

export function diffFlowVersions(
  flowId: string,
  from: { version: number; config: object },
  to: { version: number; config: object },
): FlowDiff {
  const operations = jsonPatch.compare(from.config, to.config);
  const lines = operations.map((op) => {
    if (op.op === 'add') return `add ${op.path}: ${shown(op.value)}`;
    if (op.op === 'remove') return `remove ${op.path} (was ${shown(valueAt(from.config, op.path))})`;
    if (op.op === 'replace') return `replace ${op.path}: ${shown(valueAt(from.config, op.path))} → ${shown(op.value)}`;
    return `${op.op} ${op.path}`;
  });
  return { flowId, from: from.version, to: to.version, operations, lines };
}
