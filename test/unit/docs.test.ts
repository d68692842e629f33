import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { typesLines } from '../../src/commands/types.js';
import { handlers } from '../../src/resources/index.js';

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('the documentation names every type the registry has', () => {
  it('README.md has a row for each type, and none for a type that does not exist', () => {
    const section = readme.slice(readme.indexOf('## Supported types'), readme.indexOf('\n## ', readme.indexOf('## Supported types') + 1));
    const rows = [...section.matchAll(/^\| `([a-z0-9-]+:[a-z0-9-]+)`/gm)].map((m) => m[1]);
    expect(rows.sort()).toEqual(handlers.map((h) => h.type).sort());
    expect(readme).toContain(`${handlers.length} types.`);
  });

  it('`nova-cleanup types` says how each type is tested, never by a default', () => {
    const rows = JSON.parse(typesLines(handlers, true)[0] as string) as { type: string; tested: string }[];
    const defaulted = rows.filter((r) => r.tested === 'unit tests with mocks').map((r) => r.type);
    expect(defaulted).toEqual([]);
  });
});
