import { arnKey } from '../aws/arn.js';
import { NovaError } from '../errors.js';
import type { CostEstimate, CostTotals, Outcome, ResourceRef, Rule, SimulationResult, TagFilter, Tags } from '../model.js';
import type { Child } from '../resources/handler.js';
import { byCodePoint } from './order.js';

/** A resource the plan will delete, with everything the user is shown and the backup keeps. */
export interface PlanItem {
  readonly ref: ResourceRef;
  readonly tags: Tags;
  /** Its full configuration, as read when the plan was made. */
  readonly config: Record<string, unknown>;
  /** ARNs it uses (of the types its handler declares). */
  readonly uses: readonly string[];
  /** What its delete removes with it (mappings, attachments, object versions). */
  readonly children: readonly Child[];
  /** 0 = nothing in the plan uses it; n = deleted after everything in layers < n that uses it. */
  readonly layer: number;
  /** ARNs in the plan that use this one: each must be gone before this one is deleted. */
  readonly usedBy: readonly string[];
  /** ARNs in the plan this one uses. */
  readonly usesInPlan: readonly string[];
  readonly rule: Rule;
  readonly reason: string;
  /** Its estimated hourly cost (src/plan/cost.ts), for the types billed by the hour; absent for the others. */
  readonly cost?: CostEstimate | undefined;
}

export interface TypeSelection {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

export const PLAN_FORMAT = 'nova-cleanup-plan';
export const PLAN_VERSION = 1;

/**
 * The plan document: what a run decided, written by `plan --out`, read by `apply`, and the first half
 * of every backup. `digest` is a SHA-256 over everything else (canonical JSON), so that an edited plan
 * is refused.
 */
export interface PlanDocument {
  readonly format: typeof PLAN_FORMAT;
  readonly version: typeof PLAN_VERSION;
  readonly tool: { readonly name: string; readonly version: string };
  readonly createdAt: string;
  readonly account: string;
  readonly accountAlias?: string | undefined;
  readonly principal: string;
  readonly partition: string;
  /** The run's regions (--region). */
  readonly regions: readonly string[];
  /** Where users of the candidates were looked for (every enabled region when an IAM role was a candidate). */
  readonly examinedRegions: readonly string[];
  readonly filters: readonly TagFilter[];
  readonly types: TypeSelection;
  /** How resources were found: the Tagging API (`tagging`), each type's own listing (`list`), or `both`. */
  readonly discovery: 'tagging' | 'list' | 'both';
  /** The explicit options that change what types protect. */
  readonly settings: {
    readonly deleteSharedLogGroups: boolean;
    readonly deleteStudioEfs: boolean;
    readonly deleteOwnedLogGroups?: boolean | undefined;
    /** `--assume-absent`: types the run took on the user's word to have no resources (neither listed nor looked for as users). */
    readonly assumeAbsent?: readonly string[] | undefined;
  };
  /** What will be deleted, in deletion order (layer, then type, then ARN). */
  readonly items: readonly PlanItem[];
  /** Everything found that will not be deleted, with its rule and reason. */
  readonly notPlanned: readonly Outcome[];
  readonly permissions: SimulationResult;
  /** What the usage check cost: listings (one per user type and region) and single reads. */
  readonly usageCheck: { readonly listings: number; readonly reads: number; readonly regions: number };
  /** What its items cost by the hour, as far as they are priced (absent when none is billed by the hour). */
  readonly cost?: CostTotals | undefined;
  readonly digest: string;
}

export interface GraphInput {
  readonly ref: ResourceRef;
  readonly uses: readonly string[];
}

/**
 * The dependency graph between individual resources, sorted into layers: each resource's layer is one
 * more than the deepest layer of the resources in the set that use it. A cycle is one clear error (exit 2). Pure.
 */
export function layer<T extends GraphInput>(nodes: readonly T[]): (T & { layer: number; usedBy: string[]; usesInPlan: string[] })[] {
  const byKey = new Map<string, T>();
  for (const n of nodes) byKey.set(arnKey(n.ref.arn), n);
  const usesInPlan = new Map<string, string[]>();
  const usedBy = new Map<string, string[]>();
  for (const n of nodes) {
    const targets: string[] = [];
    for (const u of n.uses) {
      const target = byKey.get(arnKey(u));
      if (!target || target === n || targets.includes(target.ref.arn)) continue;
      targets.push(target.ref.arn);
      usedBy.set(target.ref.arn, [...(usedBy.get(target.ref.arn) ?? []), n.ref.arn]);
    }
    usesInPlan.set(n.ref.arn, targets.sort(byCodePoint));
  }
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const layerOf = (arn: string, path: string[]): number => {
    const known = depth.get(arn);
    if (known !== undefined) return known;
    if (visiting.has(arn)) throw new NovaError(`dependency cycle between resources: ${[...path.slice(path.indexOf(arn)), arn].join(' -> ')}; nothing was deleted`);
    visiting.add(arn);
    let l = 0;
    for (const user of usedBy.get(arn) ?? []) l = Math.max(l, layerOf(user, [...path, arn]) + 1);
    visiting.delete(arn);
    depth.set(arn, l);
    return l;
  };
  const out = nodes.map((n) => ({
    ...n,
    layer: layerOf(n.ref.arn, []),
    usedBy: [...(usedBy.get(n.ref.arn) ?? [])].sort(byCodePoint),
    usesInPlan: usesInPlan.get(n.ref.arn) ?? [],
  }));
  return out.sort((a, b) => a.layer - b.layer || byCodePoint(a.ref.type, b.ref.type) || byCodePoint(a.ref.arn, b.ref.arn));
}

/**
 * Applies the user's choices: every item not chosen stays, and so does everything a kept item uses
 * (deleting an endpoint config under a live endpoint would break it). Pure.
 */
export function applySelection(items: readonly PlanItem[], chosen: ReadonlySet<string>): { delete: PlanItem[]; keep: Map<string, string> } {
  const byArn = new Map(items.map((i) => [i.ref.arn, i]));
  const keep = new Map<string, string>();
  const keepWithUses = (item: PlanItem, reason: string): void => {
    if (keep.has(item.ref.arn)) return;
    keep.set(item.ref.arn, reason);
    for (const u of item.usesInPlan) {
      const used = byArn.get(u);
      if (used) keepWithUses(used, `kept because ${item.ref.type} ${item.ref.name}, which uses it, is kept`);
    }
  };
  for (const item of items) if (!chosen.has(item.ref.arn)) keepWithUses(item, 'declined at the prompt');
  return { delete: items.filter((i) => !keep.has(i.ref.arn)), keep };
}

/** Canonical JSON: object keys sorted at every level, so that the digest does not depend on key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as Record<string, unknown>).sort(byCodePoint)) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
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
