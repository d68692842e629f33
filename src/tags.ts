import type { TagFilter, Tags } from './model.js';

/**
 * The Tagging API's own rule, applied locally (IAM discovery and the re-check before each delete):
 * every filter must match (AND); within a filter any listed value matches (OR); no values = key present.
 */
export function matchesTags(tags: Tags, filters: readonly TagFilter[]): boolean {
  if (filters.length === 0) return false; // never match "everything": an empty filter is a bug upstream
  return filters.every((f) => {
    if (!Object.hasOwn(tags, f.key)) return false;
    return f.values.length === 0 || f.values.includes(tags[f.key] ?? '');
  });
}

/** `[{Key, Value}]` (most AWS APIs) to a plain record. */
export function tagListToRecord(list: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined): Tags {
  const out: Tags = {};
  for (const t of list ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

export function describeFilters(filters: readonly TagFilter[]): string {
  return filters.map((f) => (f.values.length === 0 ? `${f.key}=*` : `${f.key}=${f.values.join('|')}`)).join(' AND ');
}

/** The same keys with the same values. */
export function sameTags(a: Tags, b: Tags): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && b[k] === a[k]);
}
