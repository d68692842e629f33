/**
 * The contracts: the zod schemas of what `--json` prints (the report of every command, and the error
 * document) and of the plan file. `npm run schema` writes them as JSON Schema to schema/*.json, a unit
 * test keeps those files equal to what zod generates, and tsc proves below that each schema describes
 * exactly its TypeScript type (a field added to one and not the other does not compile).
 */
import { z } from 'zod';
import type { CallTotals, CostEstimate, CostTotals, ErrorReport, Outcome, Report, SimulationResult, TagFilter } from './model.js';
import type { PlanDocument } from './plan/document.js';
import { planSchemaOf, shapes } from './plan/schema.js';

export { planSchemaOf };
import type { RestoreReport } from './restore/report.js';
import type { TagReport } from './ui/ui.js';

const tool = z.strictObject({ name: z.literal('nova-cleanup'), version: z.string() });
const timing = { startedAt: z.iso.datetime(), durationMs: z.number().int().min(0) };

const strict = shapes('strict');

export const outcomeSchema = strict.outcome;

const callTotals = z.strictObject({
  calls: z.number().int().min(0),
  retries: z.number().int().min(0),
  throttled: z.number().int().min(0),
  byOperation: z.record(z.string(), z.number().int().min(0)),
});

/** The report of `clean` (a plain run and `--dry-run`), `plan`, `apply` and `resume`. */
export const runReportSchema = z.strictObject({
  version: z.literal(2),
  tool,
  command: z.string(),
  runId: z.string().optional(),
  dryRun: z.boolean(),
  account: z.string(),
  principal: z.string(),
  regions: z.array(z.string()),
  tagFilters: z.array(strict.tagFilter),
  planPath: z.string().optional(),
  backupPath: z.string().optional(),
  journalPath: z.string().optional(),
  interrupted: z.boolean(),
  summary: z.strictObject({
    deleted: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    gone: z.number().int(),
    unsupported: z.number().int(),
    planned: z.number().int(),
    blocked: z.number().int(),
    retained: z.number().int(),
  }),
  calls: callTotals.optional(),
  cost: strict.costTotals.optional(),
  resources: z.array(outcomeSchema),
  exitCode: z.number().int(),
  ...timing,
});

/** `tag`'s report. */
export const tagReportSchema = z.strictObject({
  version: z.literal(1),
  tool,
  command: z.literal('tag'),
  dryRun: z.boolean(),
  phase: z.enum(['planned', 'done']),
  account: z.string(),
  regions: z.array(z.string()),
  tags: z.record(z.string(), z.string()),
  prefixes: z.array(z.string()),
  resources: z.array(
    z.strictObject({
      arn: z.string(),
      type: z.string(),
      region: z.string(),
      name: z.string(),
      prefix: z.string(),
      status: z.enum(['planned', 'already-tagged', 'tagged', 'declined', 'gone', 'failed']),
      error: z.string().optional(),
    }),
  ),
  runId: z.string().optional(),
  journalPath: z.string().optional(),
  exitCode: z.number().int(),
  ...timing,
});

const RESTORE_STATUSES = ['planned', 'restored', 'exists', 'failed', 'not-restorable'] as const;

/** `restore`'s report. */
export const restoreReportSchema = z.strictObject({
  version: z.literal(1),
  // Its type says any name; the tool writes its own.
  tool: z.strictObject({ name: z.string(), version: z.string() }),
  command: z.literal('restore'),
  dryRun: z.boolean(),
  backupPath: z.string(),
  runId: z.string(),
  account: z.string(),
  resources: z.array(
    z.strictObject({
      arn: z.string(),
      type: z.string(),
      region: z.string(),
      name: z.string(),
      status: z.enum(RESTORE_STATUSES),
      reason: z.string().optional(),
      notRestored: z.array(z.string()),
    }),
  ),
  summary: z.strictObject({ planned: z.number().int(), restored: z.number().int(), exists: z.number().int(), failed: z.number().int(), 'not-restorable': z.number().int() }),
  exitCode: z.number().int(),
  ...timing,
});

/** What `--json` prints instead of a report when the run ends with an error (exit 1, 2, 3). */
export const errorReportSchema = z.strictObject({
  version: z.literal(2),
  tool,
  command: z.string(),
  ...timing,
  exitCode: z.number().int().min(1),
  error: z.strictObject({ code: z.enum(['usage', 'input', 'preflight', 'guard', 'permissions', 'aborted', 'failed', 'unexpected']), message: z.string().min(1) }),
});

/** Every document `--json` prints on stdout (but `types --json`, a list): one of these, on every exit. */
export const reportSchema = z.union([runReportSchema, tagReportSchema, restoreReportSchema, errorReportSchema]).meta({
  title: 'nova-cleanup --json report',
  description: 'What `nova-cleanup --json` prints on stdout: the report of the command, or the error that ended it.',
});

export const planSchema = planSchemaOf('strict').meta({
  title: 'nova-cleanup plan',
  description: 'A plan written by `nova-cleanup plan --out`, read by `apply`; `digest` is a SHA-256 over the canonical JSON of the rest.',
});

/** The JSON Schema files `npm run schema` writes, by file name under schema/. */
export function jsonSchemas(): Record<string, unknown> {
  return {
    'report.schema.json': z.toJSONSchema(reportSchema, { target: 'draft-2020-12' }),
    'plan.schema.json': z.toJSONSchema(planSchema, { target: 'draft-2020-12' }),
  };
}

// ── tsc proves each schema is its type: each is assignable to the other (readonly aside). ──

type Writable<T> = T extends readonly (infer U)[] ? Writable<U>[] : T extends object ? { -readonly [K in keyof T]: Writable<T[K]> } : T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const proven = <_T extends true>(): void => undefined;
proven<Same<Writable<Report>, z.output<typeof runReportSchema>>>();
proven<Same<Writable<Outcome>, z.output<typeof outcomeSchema>>>();
proven<Same<Writable<CallTotals>, z.output<typeof callTotals>>>();
proven<Same<Writable<TagFilter>, z.output<typeof strict.tagFilter>>>();
proven<Same<Writable<CostEstimate>, z.output<typeof strict.costEstimate>>>();
proven<Same<Writable<CostTotals>, z.output<typeof strict.costTotals>>>();
proven<Same<Writable<TagReport>, z.output<typeof tagReportSchema>>>();
proven<Same<Writable<RestoreReport & { readonly startedAt: string; readonly durationMs: number }>, z.output<typeof restoreReportSchema>>>();
proven<Same<Writable<ErrorReport>, z.output<typeof errorReportSchema>>>();
proven<Same<Writable<PlanDocument>, z.output<typeof planSchema>>>();
proven<Same<Writable<SimulationResult>, z.output<ReturnType<typeof planSchemaOf>>['permissions']>>();
