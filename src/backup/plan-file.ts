import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { NovaError } from '../errors.js';
import { canonicalJson, PLAN_FORMAT, PLAN_VERSION, type PlanDocument } from '../plan/document.js';
import { withinDeadline, writeExclusive } from './files.js';

/** SHA-256 (hex) over the canonical JSON of the document without its digest. */
export function digestOf(doc: Omit<PlanDocument, 'digest'> | PlanDocument): string {
  const { digest: _ignored, ...rest } = doc as PlanDocument;
  return `sha256:${createHash('sha256').update(canonicalJson(rest)).digest('hex')}`;
}

export function sealPlan(doc: Omit<PlanDocument, 'digest'>): PlanDocument {
  return { ...doc, digest: digestOf(doc) };
}

/** Writes the plan (JSON, mode 0600); an existing file of that name is never overwritten. */
export async function writePlanFile(path: string, doc: PlanDocument): Promise<void> {
  try {
    await withinDeadline(`--out ${path}`, () => writeExclusive(path, JSON.stringify(doc, null, 2) + '\n'));
  } catch (err) {
    if (err instanceof NovaError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new NovaError(`--out ${path} exists; plans are never overwritten: choose another name or remove it`);
    throw new NovaError(`--out ${path}: cannot write the plan (${code ?? (err as Error).message})`);
  }
}

const ref = z.object({ arn: z.string(), type: z.string(), region: z.string(), account: z.string(), partition: z.string(), name: z.string() });
const item = z.object({
  ref,
  tags: z.record(z.string(), z.string()),
  config: z.record(z.string(), z.unknown()),
  uses: z.array(z.string()),
  children: z.array(z.object({ kind: z.string(), id: z.string(), count: z.number().optional(), lost: z.string().optional() })),
  layer: z.number().int().min(0),
  usedBy: z.array(z.string()),
  usesInPlan: z.array(z.string()),
  rule: z.string(),
  reason: z.string(),
});
const planSchema = z.object({
  format: z.literal(PLAN_FORMAT),
  version: z.literal(PLAN_VERSION),
  tool: z.object({ name: z.string(), version: z.string() }),
  createdAt: z.string(),
  account: z.string().regex(/^\d{12}$/),
  accountAlias: z.string().optional(),
  principal: z.string(),
  partition: z.string(),
  regions: z.array(z.string()).min(1),
  examinedRegions: z.array(z.string()),
  filters: z.array(z.object({ key: z.string().min(1), values: z.array(z.string()) })).min(1),
  types: z.object({ include: z.array(z.string()), exclude: z.array(z.string()) }),
  discovery: z.enum(['tagging', 'list', 'both']),
  settings: z.object({ deleteSharedLogGroups: z.boolean(), deleteStudioEfs: z.boolean(), deleteOwnedLogGroups: z.boolean().optional(), assumeAbsent: z.array(z.string()).optional() }),
  items: z.array(item),
  notPlanned: z.array(z.record(z.string(), z.unknown())),
  permissions: z.record(z.string(), z.unknown()),
  usageCheck: z.object({ listings: z.number(), reads: z.number(), regions: z.number() }),
  digest: z.string(),
});

/** Checks a parsed plan document: its shape, format and version, and that its digest matches its content. */
export function verifyPlan(raw: unknown, source: string): PlanDocument {
  const parsed = planSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new NovaError(`${source} is not a nova-cleanup plan (${issue ? `${issue.path.join('.') || 'document'}: ${issue.message}` : 'invalid'}); nothing was changed`);
  }
  // The digest is checked over the document as written, every field of it (not only those the schema names).
  const doc = raw as PlanDocument;
  if (digestOf(doc) !== doc.digest) {
    throw new NovaError(`${source} was changed after it was made (its digest does not match its content); make a new plan with \`nova-cleanup plan --out\``);
  }
  return doc;
}

/** Reads and verifies a plan file (exit 2 on any problem, before any AWS call). */
export async function readPlanFile(path: string): Promise<PlanDocument> {
  let text: string;
  try {
    text = await withinDeadline(path, () => readFile(path, 'utf8'));
  } catch (err) {
    if (err instanceof NovaError) throw err;
    throw new NovaError(`cannot read the plan ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new NovaError(`${path} is not valid JSON (truncated or edited?); make a new plan with \`nova-cleanup plan --out\``);
  }
  return verifyPlan(raw, path);
}
