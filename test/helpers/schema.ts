import type { z } from 'zod';

/**
 * What is wrong with `doc` by `schema`, one line per problem, each naming its path
 * (`resources.3.layer: Invalid input: expected number, received string`); empty when it is valid.
 * `expect(schemaProblems(s, doc)).toEqual([])` then fails with the paths in its diff.
 */
export function schemaProblems(schema: z.ZodType, doc: unknown): string[] {
  const r = schema.safeParse(doc);
  if (r.success) return [];
  return r.error.issues.map((i) => `${i.path.map(String).join('.') || '(document)'}: ${i.message}`);
}
