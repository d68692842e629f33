/**
 * The plan file's zod schema (and the shapes the report's schemas share): here, below the backup that
 * reads plan files, so that reading one never reaches up to the report's contracts (src/schema.ts).
 */
import { z } from 'zod';
import type { Rule, Status } from '../model.js';
import { PLAN_FORMAT, PLAN_VERSION } from './document.js';

/** Strict objects (an unknown key is an error, so a typo shows) for the contract; `loose` for reading plans (see planSchemaOf). */
export type Objects = 'strict' | 'loose';
const objectOf = (mode: Objects) => (mode === 'strict' ? z.strictObject : z.object);

export const STATUSES = ['deleted', 'failed', 'skipped', 'gone', 'unsupported', 'planned', 'blocked', 'retained'] as const satisfies readonly Status[];
export const RULES = [
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

export function shapes(mode: Objects) {
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

