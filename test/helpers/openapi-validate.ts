import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const validatorCli = path.resolve(
  __dirname,
  '../../node_modules/@seriousme/openapi-schema-validator/bin/validate-api-cli.js',
);

/**
 * Validates an OpenAPI document with @seriousme/openapi-schema-validator's own CLI (the package is
 * ESM-only, jest runs CommonJS), against the official OpenAPI 3.1 schema.
 */
export function validateOpenApi(document: unknown): { valid: boolean; output: string } {
  const file = path.join(os.tmpdir(), `openapi-${randomUUID()}.json`);
  fs.writeFileSync(file, JSON.stringify(document));
  try {
    const result = spawnSync(process.execPath, [validatorCli, file], { encoding: 'utf8', timeout: 30_000 });
    return { valid: result.status === 0, output: `${result.stdout}${result.stderr}` };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** Every `$ref` in the document points at something that exists in it. */
export function unresolvedRefs(document: Record<string, unknown>): string[] {
  const missing: string[] = [];
  const resolve = (ref: string) =>
    ref
      .slice(2)
      .split('/')
      .reduce<unknown>(
        (node, key) => (node as Record<string, unknown> | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')],
        document,
      );
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string' && (!value.startsWith('#/') || resolve(value) === undefined))
          missing.push(value);
        else walk(value);
      }
    }
  };
  walk(document);
  return missing;
}
