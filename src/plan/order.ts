import type { PlanItem } from './document.js';
/** Locale-independent ordering, so that plans and backups read the same on every machine. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** For each item, how many deletes in a row it heads: itself, then the longest chain of what it uses in the set. */
export function chainLengths(items: readonly PlanItem[], inSet: ReadonlyMap<string, PlanItem> = new Map(items.map((i) => [i.ref.arn, i]))): Map<string, number> {
  const length = new Map<string, number>();
  const visiting = new Set<string>();
  const of = (item: PlanItem): number => {
    const known = length.get(item.ref.arn);
    if (known !== undefined) return known;
    if (visiting.has(item.ref.arn)) return 0; // a cycle cannot be planned; never loop on one
    visiting.add(item.ref.arn);
    let longest = 0;
    for (const u of item.uses) {
      const used = inSet.get(u);
      if (used && used !== item) longest = Math.max(longest, of(used));
    }
    visiting.delete(item.ref.arn);
    length.set(item.ref.arn, longest + 1);
    return longest + 1;
  };
  for (const i of items) of(i);
  return length;
}
