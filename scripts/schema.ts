import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jsonSchemas } from '../src/schema.js';
import { projectRoot } from './lib/moto.js';

/**
 * `npm run schema`: writes the JSON Schema of the `--json` report and of the plan file to schema/,
 * generated from the zod schemas in src/schema.ts (test/unit/schema.test.ts fails when they differ).
 */
export function schemaFiles(): Record<string, string> {
  return Object.fromEntries(Object.entries(jsonSchemas()).map(([name, schema]) => [name, JSON.stringify(schema, null, 2) + '\n']));
}

if (process.argv[1]?.endsWith(join('scripts', 'schema.js'))) {
  const dir = join(projectRoot(), 'schema');
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(schemaFiles())) {
    await writeFile(join(dir, name), text);
    process.stdout.write(`wrote schema/${name}\n`);
  }
}
