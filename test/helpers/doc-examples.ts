import { isNode, parseDocument, parse as parseYaml, type Node } from 'yaml';
import type { z } from 'zod';
import { rehearsalBodySchema } from '../../src/api/rehearsal-schemas';
import { apiTokensSchema, slackUsersSchema } from '../../src/auth/identity';
import { partnerEntriesSchema } from '../../src/config/partners';
import { changeRequestSchema, stepSchema } from '../../src/domain/change-request';
import { decisionInputSchema, rollbackRequestSchema } from '../../src/domain/decision-schemas';
import { flowDocumentSchema } from '../../src/domain/flow-document';
import { policyFloorSchema } from '../../src/domain/policy-floor';
import { rootCauseInputSchema } from '../../src/domain/root-cause';
import { targetSpecSchemas, type TargetKind } from '../../src/domain/targets/index';
import type { FencedBlock } from './markdown';

/**
 * The examples the docs mark (`<!-- example: <kind> -->` before a fenced JSON or YAML block) and
 * the schema each kind is checked with. A check says where its value sits in the checked input
 * (`at`), so an issue's path can be traced back to a line of the example.
 */
interface Check {
  /** What the schema is given for the example's value. */
  input: (value: unknown) => unknown;
  schema: z.ZodType;
  /** The path of the example's value inside `input(value)`. */
  at: (string | number)[];
}

const direct = (schema: z.ZodType): Check => ({ input: (value) => value, schema, at: [] });

/** Configuration that lives in an environment variable as JSON text. */
const asEnvironmentJson = (schema: z.ZodType): Check => ({ input: (value) => JSON.stringify(value), schema, at: [] });

/** A policy is checked inside a one-step change, so the request-level rules (and the budget) apply too. */
const inChangeRequest: Check = {
  input: (policy) => ({
    title: 'docs example',
    requestedBy: 'docs@example.com',
    steps: [
      {
        id: 'docs-step',
        target: 'flow-config',
        spec: { flowId: 'docs-flow', patch: [{ op: 'replace', path: '/cap', value: 1 }] },
      },
    ],
    policy,
  }),
  schema: changeRequestSchema,
  at: ['policy'],
};

const specChecks = Object.fromEntries(
  Object.entries(targetSpecSchemas).map(([kind, schema]) => [`spec:${kind}`, direct(schema)]),
) as Record<`spec:${TargetKind}`, Check>;

export const exampleChecks: Record<string, Check | undefined> = {
  'change-request': direct(changeRequestSchema),
  step: direct(stepSchema),
  ...specChecks,
  policy: inChangeRequest,
  decision: direct(decisionInputSchema),
  'rollback-request': direct(rollbackRequestSchema),
  'root-cause': direct(rootCauseInputSchema),
  'policy-floor': direct(policyFloorSchema),
  flow: direct(flowDocumentSchema),
  'rehearsal-request': direct(rehearsalBodySchema),
  partners: direct(partnerEntriesSchema),
  'api-tokens': asEnvironmentJson(apiTokensSchema),
  'slack-users': asEnvironmentJson(slackUsersSchema),
  /** JSON that is none of the above: it must parse, nothing more. */
  json: undefined,
};

/** A problem with one example, as `file:line (kind): field: message`. */
export function exampleProblems(file: string, block: FencedBlock): string[] {
  const kind = block.marker;
  const where = (line: number) => `${file}:${line} (${kind ?? 'unmarked'})`;
  if (kind === undefined) {
    return block.lang === 'json'
      ? [
          `${where(block.line)}: a json block needs a marker, e.g. <!-- example: change-request --> (or <!-- example: json --> for JSON checked by no schema)`,
        ]
      : [];
  }
  if (!(kind in exampleChecks))
    return [`${where(block.line)}: unknown example kind "${kind}" (known: ${Object.keys(exampleChecks).join(', ')})`];
  if (block.lang !== 'json' && block.lang !== 'yaml')
    return [`${where(block.line)}: only json and yaml blocks can be examples, not "${block.lang}"`];

  let value: unknown;
  try {
    value = block.lang === 'json' ? JSON.parse(block.source) : parseYaml(block.source);
  } catch (err) {
    return [`${where(block.line)}: not valid ${block.lang}: ${(err as Error).message.split('\n')[0]}`];
  }
  const check = exampleChecks[kind];
  if (!check) return [];
  const result = check.schema.safeParse(check.input(value));
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const inExample = startsWith(issue.path, check.at) ? issue.path.slice(check.at.length) : undefined;
    const line = block.line + 1 + (inExample ? lineOf(block.source, inExample) : 0);
    const field = (inExample ?? issue.path).map(String).join('.') || '(the example)';
    return `${where(line)}: ${field}: ${issue.message}`;
  });
}

function startsWith(path: PropertyKey[], prefix: (string | number)[]): boolean {
  return prefix.every((segment, index) => path[index] === segment);
}

/** 0-based line in `source` of the deepest node on `path` that exists (JSON is YAML, so one parser finds both). */
function lineOf(source: string, path: PropertyKey[]): number {
  const doc = parseDocument(source);
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as (string | number)[], true) as Node | undefined;
    if (isNode(node) && node.range) return source.slice(0, node.range[0]).split('\n').length - 1;
  }
  return 0;
}
