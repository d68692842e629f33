import type { ResourceHandler } from '../resources/handler.js';

/** How each type is tested end to end (the README's type list says the same). */
const E2E: Readonly<Record<string, string>> = {
  'sagemaker:endpoint': 'end to end on moto',
  'sagemaker:endpoint-config': 'end to end on moto',
  'sagemaker:model': 'end to end on moto',
  'sagemaker:notebook-instance': 'end to end on moto',
  'lambda:function': 'end to end on moto (package download: unit tests, moto serves no package)',
  's3:bucket': 'end to end on moto',
  'iam:role': 'end to end on moto',
};

/** `nova-cleanup types`: every supported type, what it may use, and how it is tested. Pure. */
export function typesLines(handlers: readonly ResourceHandler[], json = false): string[] {
  const rows = handlers.map((h) => ({
    type: h.type,
    description: h.description,
    references: [...h.references],
    discovery: h.discover ? 'own listing' : 'tagging api',
    global: h.global ?? false,
    tested: E2E[h.type] ?? 'unit tests with mocks',
  }));
  if (json) return [JSON.stringify(rows, null, 2)];
  const width = Math.max(...handlers.map((h) => h.type.length));
  const lines = [`${'TYPE'.padEnd(width)}  ${'USES (deleted after it)'.padEnd(26)} DESCRIPTION`];
  for (const r of rows) {
    const deps = r.references.length ? r.references.join(', ') : '-';
    lines.push(`${r.type.padEnd(width)}  ${deps.padEnd(26)} ${r.description}${r.global ? ' [global, listed via IAM]' : ''}`);
  }
  return lines;
}
