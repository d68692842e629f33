import { arnKey } from '../aws/arn.js';
import type { ResourceRef, Tags } from '../model.js';

/** A resource that exists, carries the tags, and may be deleted: what reconciliation hands the planner. */
export interface Candidate {
  readonly ref: ResourceRef;
  readonly tags: Tags;
  readonly config: Record<string, unknown>;
  /** ARNs it uses (any; the planner keeps those in the plan). */
  readonly uses: readonly string[];
}

export interface PlanItem extends Candidate {
  /** 0 = nothing in the plan uses it; n = deleted after everything in layers < n that uses it. */
  readonly layer: number;
  /** ARNs in the plan that use this one: each must be gone before this one is deleted. */
  readonly usedBy: readonly string[];
  /** ARNs in the plan this one uses. */
  readonly usesInPlan: readonly string[];
}

export interface Plan {
  /** Sorted by layer, then type, then ARN: the order shown and, layer by layer, the order of deletion. */
  readonly items: readonly PlanItem[];
  readonly layerCount: number;
}

/** Builds the dependency graph between individual resources and sorts it into layers. Pure. */
export function buildPlan(candidates: readonly Candidate[]): Plan {
  const byKey = new Map<string, Candidate>();
  for (const c of candidates) byKey.set(arnKey(c.ref.arn), c);

  const usesInPlan = new Map<string, string[]>();
  const usedBy = new Map<string, string[]>();
  for (const c of candidates) {
    const targets: string[] = [];
    for (const u of c.uses) {
      const target = byKey.get(arnKey(u));
      if (!target || target === c) continue;
      if (targets.includes(target.ref.arn)) continue;
      targets.push(target.ref.arn);
      const list = usedBy.get(target.ref.arn) ?? [];
      list.push(c.ref.arn);
      usedBy.set(target.ref.arn, list);
    }
    usesInPlan.set(c.ref.arn, targets);
  }

  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const layerOf = (arn: string, path: string[]): number => {
    const known = layer.get(arn);
    if (known !== undefined) return known;
    if (visiting.has(arn)) throw new Error(`dependency cycle: ${[...path, arn].join(' -> ')}`);
    visiting.add(arn);
    let l = 0;
    for (const user of usedBy.get(arn) ?? []) l = Math.max(l, layerOf(user, [...path, arn]) + 1);
    visiting.delete(arn);
    layer.set(arn, l);
    return l;
  };

  const items: PlanItem[] = candidates.map((c) => ({
    ...c,
    layer: layerOf(c.ref.arn, []),
    usedBy: usedBy.get(c.ref.arn) ?? [],
    usesInPlan: usesInPlan.get(c.ref.arn) ?? [],
  }));
  items.sort(
    (a, b) => a.layer - b.layer || byCodePoint(a.ref.type, b.ref.type) || byCodePoint(a.ref.arn, b.ref.arn),
  );
  const layerCount = items.length === 0 ? 0 : Math.max(...items.map((i) => i.layer)) + 1;
  return { items, layerCount };
}

/**
 * Applies the user's choices: every resource not chosen stays, and so does everything a kept resource
 * uses (deleting an endpoint config under a live endpoint would break it). Pure.
 */
export function applySelection(plan: Plan, chosen: ReadonlySet<string>): { delete: PlanItem[]; keep: Map<string, string> } {
  const byArn = new Map(plan.items.map((i) => [i.ref.arn, i]));
  const keep = new Map<string, string>();
  const keepWithUses = (item: PlanItem, reason: string): void => {
    if (keep.has(item.ref.arn)) return;
    keep.set(item.ref.arn, reason);
    for (const u of item.usesInPlan) {
      const used = byArn.get(u);
      if (used) keepWithUses(used, `kept because ${item.ref.name} (${item.ref.type}), which uses it, is kept`);
    }
  };
  for (const item of plan.items) if (!chosen.has(item.ref.arn)) keepWithUses(item, 'declined by the user');
  return { delete: plan.items.filter((i) => !keep.has(i.ref.arn)), keep };
}

/** Every type reachable from `from` through `dependsOn` (not including `from` itself unless reachable). */
export function typesUsedBy(from: Iterable<string>, dependsOn: (type: string) => readonly string[]): Set<string> {
  const out = new Set<string>();
  const stack = [...from];
  while (stack.length) {
    const t = stack.pop() as string;
    for (const d of dependsOn(t)) {
      if (!out.has(d)) {
        out.add(d);
        stack.push(d);
      }
    }
  }
  return out;
}

/** Locale-independent ordering, so that plans and backups read the same on every machine. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Candidates that must stay because a resource that stays uses them, directly or through other
 * candidates (an excluded endpoint keeps its config, which keeps its models). Pure.
 */
export function heldByKept(
  candidates: readonly Candidate[],
  keptUses: readonly { readonly arn: string; readonly by: string }[],
): Map<string, string> {
  const byKey = new Map(candidates.map((c) => [arnKey(c.ref.arn), c]));
  const held = new Map<string, string>();
  const queue = [...keptUses];
  for (let next = queue.shift(); next; next = queue.shift()) {
    const c = byKey.get(arnKey(next.arn));
    if (!c || held.has(c.ref.arn)) continue;
    held.set(c.ref.arn, `kept because ${next.by}, which uses it, stays`);
    for (const u of c.uses) queue.push({ arn: u, by: c.ref.name });
  }
  return held;
}
