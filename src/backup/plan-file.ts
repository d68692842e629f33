import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { NovaError } from '../errors.js';
import { canonicalJson, type PlanDocument } from '../plan/document.js';
import { planSchemaOf } from '../plan/schema.js';
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

/** The plan file's schema (src/schema.ts, whose JSON Schema is schema/plan.schema.json); unknown keys are ignored here, the digest covers them. */
const planSchema = planSchemaOf('loose');

/** A field of a plan that is not as `plan --out` writes it, in words ("is missing", "must be \"nova-cleanup-plan\""). */
function planIssueInWords(issue: z.core.$ZodRawIssue): string {
  if (issue.input === undefined) return 'is missing';
  switch (issue.code) {
    case 'invalid_value':
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'invalid_type':
      return `must be ${issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'an object' : `a ${String(issue.expected)}`}`;
    case 'too_small':
      return 'must not be empty';
    default:
      return 'is not as a plan has it';
  }
}

/** Checks a parsed plan document: its shape, format and version, and that its digest matches its content. */
export function verifyPlan(raw: unknown, source: string): PlanDocument {
  const parsed = planSchema.safeParse(raw, { error: planIssueInWords });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new NovaError(`${source} is not a nova-cleanup plan (${issue ? `${issue.path.join('.') || 'document'}: ${issue.message}` : 'invalid'}); give a file written by \`nova-cleanup plan --out\``);
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
    const code = (err as NodeJS.ErrnoException).code;
    throw new NovaError(`cannot read the plan ${path} (${code === 'ENOENT' ? 'ENOENT: no such file' : (code ?? (err as Error).message)}); give the file \`nova-cleanup plan --out\` wrote`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new NovaError(`${path} is not valid JSON (truncated or edited?); make a new plan with \`nova-cleanup plan --out\``);
  }
  return verifyPlan(raw, path);
}
