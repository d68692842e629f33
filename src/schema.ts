/**
 * The contracts: the zod schemas of what `--json` prints (the report of every command, and the error
 * document) and of the plan file. `npm run schema` writes them as JSON Schema to schema/*.json, a unit
 * test keeps those files equal to what zod generates, and tsc proves below that each schema describes
 * exactly its TypeScript type (a field added to one and not the other does not compile).
 */
import { z } from 'zod';
import type { CallTotals, CostEstimate, CostTotals, ErrorReport, Outcome, Report, Rule, SimulationResult, Status, TagFilter } from './model.js';
import { PLAN_FORMAT, PLAN_VERSION, type PlanDocument } from './plan/document.js';
import type { RestoreReport } from './restore/report.js';
import type { TagReport } from './ui/ui.js';

/** Strict objects (an unknown key is an error, so a typo shows) for the contract; `loose` for reading plans (see planSchemaOf). */
type Objects = 'strict' | 'loose';
const objectOf = (mode: Objects) => (mode === 'strict' ? z.strictObject : z.object);

const STATUSES = ['deleted', 'failed', 'skipped', 'gone', 'unsupported', 'planned', 'blocked', 'retained'] as const satisfies readonly Status[];
const RULES = [
  'delete',
  'tags-not-matching',
  'type-excluded',
  'outside-regions',
  'protected',
  'caller-role',
  'in-use',
  'owned-log-group',
  'owned',
  'held-back',
  'last-used-elsewhere',
  'declined',
  'blocked',
  'retained-by-aws',
  'gone',
  'unsupported',
  'unreadable',
  'changed-since-plan',
  'not-attempted',
  'interrupted',
  'delete-failed',
] as const satisfies readonly Rule[];

const tool = z.strictObject({ name: z.literal('nova-cleanup'), version: z.string() });
const timing = { startedAt: z.iso.datetime(), durationMs: z.number().int().min(0) };

function shapes(mode: Objects) {
  const obj = objectOf(mode);
  const tagFilter = obj({ key: z.string().min(1), values: z.array(z.string()) });
  const outcome = obj({
    arn: z.string(),
    type: z.string(),
    region: z.string(),
    name: z.string(),
    status: z.enum(STATUSES),
    rule: z.enum(RULES),
    error: z.string().optional(),
    reason: z.string().optional(),
    removed: z.array(z.string()).optional(),
    layer: z.number().int().min(0).optional(),
    uses: z.array(z.string()).optional(),
    errorCode: z.string().optional(),
  });
  const costEstimate = obj({ hourly: z.number().min(0).optional(), basis: z.string(), priceRegion: z.string().optional() });
  const costTotals = obj({
    hourly: z.number().min(0),
    monthly: z.number().min(0),
    hoursPerMonth: z.number().min(0),
    priced: z.number().int().min(0),
    unknown: z.number().int().min(0),
    prices: obj({ region: z.string(), currency: z.string(), terms: z.string(), asOf: z.string() }),
  });
  return { obj, tagFilter, outcome, costEstimate, costTotals };
}

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

/** The plan file (`plan --out`, the first half of every backup). `loose`: unknown keys are ignored (for reading); the contract is strict. */
export function planSchemaOf(mode: Objects) {
  const { obj, tagFilter, outcome, costEstimate, costTotals } = shapes(mode);
  const ref = obj({ arn: z.string(), type: z.string(), region: z.string(), account: z.string(), partition: z.string(), name: z.string() });
  const item = obj({
    ref,
    tags: z.record(z.string(), z.string()),
    config: z.record(z.string(), z.unknown()),
    uses: z.array(z.string()),
    children: z.array(obj({ kind: z.string(), id: z.string(), count: z.number().optional(), lost: z.string().optional() })),
    layer: z.number().int().min(0),
    usedBy: z.array(z.string()),
    usesInPlan: z.array(z.string()),
    rule: z.enum(RULES),
    reason: z.string(),
    cost: costEstimate.optional(),
  });
  const denied = obj({ type: z.string(), action: z.string(), resource: z.string(), decision: z.string() });
  const permissions = z.discriminatedUnion('status', [
    obj({ status: z.literal('allowed'), checked: z.number().int(), calls: z.number().int() }),
    obj({ status: z.literal('denied'), denied: z.array(denied), calls: z.number().int() }),
    obj({ status: z.literal('unavailable'), reason: z.string() }),
    obj({ status: z.literal('not-needed') }),
  ]);
  return obj({
    format: z.literal(PLAN_FORMAT),
    version: z.literal(PLAN_VERSION),
    tool: obj({ name: z.string(), version: z.string() }),
    createdAt: z.string(),
    account: z.string().regex(/^\d{12}$/),
    accountAlias: z.string().optional(),
    principal: z.string(),
    partition: z.string(),
    regions: z.array(z.string()).min(1),
    examinedRegions: z.array(z.string()),
    filters: z.array(tagFilter).min(1),
    types: obj({ include: z.array(z.string()), exclude: z.array(z.string()) }),
    discovery: z.enum(['tagging', 'list', 'both']),
    settings: obj({ deleteSharedLogGroups: z.boolean(), deleteStudioEfs: z.boolean(), deleteOwnedLogGroups: z.boolean().optional(), assumeAbsent: z.array(z.string()).optional() }),
    items: z.array(item),
    notPlanned: z.array(outcome),
    permissions,
    usageCheck: obj({ listings: z.number(), reads: z.number(), regions: z.number() }),
    cost: costTotals.optional(),
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  });
}

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
