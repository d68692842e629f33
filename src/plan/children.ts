import type { Child } from '../resources/handler.js';

/** One phrase per child kind: "2 event source mappings", "2,720 object versions (data not in the backup)". Pure. */
export function childPhrases(children: readonly Child[]): string[] {
  const byKind = new Map<string, { n: number; lost?: string }>();
  for (const c of children) {
    const e = byKind.get(c.kind) ?? { n: 0 };
    e.n += c.count ?? 1;
    if (c.lost) e.lost = c.lost;
    byKind.set(c.kind, e);
  }
  return [...byKind].map(([kind, e]) => {
    const words = kind.replace(/-/g, ' ');
    const one = words.endsWith('s') ? words.slice(0, -1) : words;
    const many = /[^aeiou]y$/.test(one) ? `${one.slice(0, -1)}ies` : `${one}s`;
    return `${e.n.toLocaleString('en-US')} ${e.n === 1 ? one : many}${e.lost ? ` (${e.lost})` : ''}`;
  });
}
