import type { ResourceHandler } from '../resources/handler.js';
import { handlers as registry } from '../resources/index.js';

/** `nova-cleanup types`: every supported type, how it is found, and what it depends on. Pure. */
export function typesLines(handlers: readonly ResourceHandler[] = registry, json = false): string[] {
  if (json) {
    return [
      JSON.stringify(
        handlers.map((h) => ({ type: h.type, description: h.description, dependsOn: h.dependsOn, discovery: h.discover ? 'own listing' : 'tagging api', global: h.global ?? false })),
        null,
        2,
      ),
    ];
  }
  const width = Math.max(...handlers.map((h) => h.type.length));
  const lines = [`${'TYPE'.padEnd(width)}  ${'DEPENDS ON (deleted after it)'.padEnd(34)} DESCRIPTION`];
  for (const h of handlers) {
    const deps = h.dependsOn.length ? h.dependsOn.join(', ') : '-';
    lines.push(`${h.type.padEnd(width)}  ${deps.padEnd(34)} ${h.description}${h.global ? ' [global, listed via IAM]' : ''}`);
  }
  return lines;
}
