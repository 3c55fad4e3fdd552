import fs from 'node:fs';
import path from 'node:path';
import { publishedSchemas } from '../src/domain/json-schema';

// Writes schema/*.json from the zod schemas; a unit test fails when they are out of date.
const dir = path.resolve(__dirname, '..', 'schema');
fs.mkdirSync(dir, { recursive: true });
for (const [file, schema] of Object.entries(publishedSchemas())) {
  fs.writeFileSync(path.join(dir, file), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote schema/${file}`);
}
