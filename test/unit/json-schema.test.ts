import fs from 'node:fs';
import path from 'node:path';
import { publishedSchemas } from '../../src/domain/json-schema';

describe('published JSON Schemas', () => {
  test('given the zod schemas, then schema/ holds exactly what they generate (run `npm run schemas` after changing them)', () => {
    for (const [file, schema] of Object.entries(publishedSchemas())) {
      const stored = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'schema', file), 'utf8'));
      expect(stored).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });

  test('given the change request schema, then steps are a union keyed by target kind', () => {
    const schema = publishedSchemas()['change-request.schema.json'] as {
      properties: { steps: { items: { oneOf?: unknown[]; anyOf?: unknown[] } } };
    };
    const variants = schema.properties.steps.items.oneOf ?? schema.properties.steps.items.anyOf;
    expect(variants?.length).toBeGreaterThanOrEqual(1);
  });
});
