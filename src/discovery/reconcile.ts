import { arnKey, parseArn } from '../aws/arn.js';
import { describeError } from '../aws/errors.js';
import type { Throughput } from '../aws/throughput.js';
import type { ResourceRef, Rule, Status, TagFilter, Tags } from '../model.js';
import type { Hold } from '../plan/scope.js';
import { clientOf, GONE, serviceOf, type Described, type HandlerContext, type Hit, type ResourceHandler } from '../resources/handler.js';
import type { Registry } from '../resources/registry.js';
import { matchesTags, sameTags } from '../tags.js';

export interface TypeSelection {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

/** Why a found resource is left alone, on its own account (before the usage check). */
export interface Stays {
  readonly status: Status;
  readonly rule: Rule;
  readonly reason: string;
  readonly error?: string | undefined;
}

/** A resource the run found by its tags or reached by reference, and what its service said of it. */
export interface Found {
  readonly ref: ResourceRef;
  /** What describe read; absent when it was not read (excluded type, unsupported, failed, gone). */
  readonly described?: Described | undefined;
  /** Live tags when described, else what discovery saw. */
  readonly tags: Tags;
  /** Why it stays on its own; undefined: a candidate for deletion. */
  readonly stays?: Stays | undefined;
  /** Found by the tags (reported), or reached only by reference from a candidate (reported if it becomes one or fails). */
  readonly reported: boolean;
  /** A candidate that does not match the tags: why it is one all the same (`--delete-owned-log-groups`). */
  readonly because?: string | undefined;
}

export interface Reconciled {
  readonly found: Found[];
  /** What unsupported and unreadable resources hold back. */
  readonly holds: Hold[];
}

/** `sagemaker:endpoint` matches `sagemaker:endpoint` and `sagemaker:*`. */
export function typeMatches(type: string, pattern: string): boolean {
  return pattern.endsWith(':*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern;
}

export function typeSelected(type: string, sel: TypeSelection): boolean {
  if (sel.include.length && !sel.include.some((p) => typeMatches(type, p))) return false;
  return !sel.exclude.some((p) => typeMatches(type, p));
}

/** The ResourceRef of an ARN a handler owns, in the region its API is called in. */
export function refOf(handler: ResourceHandler, arn: string, region: string, homeRegion: string): ResourceRef {
  const p = parseArn(arn);
  return {
    arn,
    type: handler.type,
    region: handler.global ? homeRegion : p?.region || region,
    account: p?.account ?? '',
    partition: p?.partition ?? 'aws',
    name: handler.nameOf(arn),
  };
}

export interface ReconcileOptions {
  readonly hits: readonly Hit[];
  readonly registry: Registry;
  readonly ctx: HandlerContext;
  readonly throughput: Throughput;
  readonly filters: readonly TagFilter[];
  readonly types: TypeSelection;
  /** The run's regions: a bucket whose home region is elsewhere is left alone. The first is home (IAM). */
  readonly regions: readonly string[];
  /** The IAM role the run itself is using: never deleted. */
  readonly isCaller: (ref: ResourceRef) => boolean;
  /** Follow what candidates use, to find tagged resources the Tagging API missed (default true; `apply` does not). */
  readonly followReferences?: boolean;
  /** `apply`/`resume`: a resource whose tags no longer match was in the plan: "changed since the plan". */
  readonly fromPlan?: boolean;
}

/**
 * Checks every hit against its own service: the Tagging API lists deleted resources for hours and
 * remembers old tags, so only a live describe decides. Each found resource ends as a candidate or with
 * the rule that keeps it; unsupported and unreadable ones hold back what their service may use.
 * Describes run concurrently, bounded per (service, region) by the throughput table.
 */
export async function reconcile(o: ReconcileOptions): Promise<Reconciled> {
  /** What a resource of a supported type that could not be read may use: what its type declares. */
  const mayUse = (h: ResourceHandler): readonly string[] => h.references;
  const home = o.regions[0] ?? 'us-east-1';
  const found = new Map<string, Found>();
  const holds: Hold[] = [];
  const put = (f: Found): void => void found.set(arnKey(f.ref.arn), f);

  /**
   * Each wave's `prefetch` per (type, region), started before its describes (which await it outside the
   * lane, so that a describe holding a slot never waits on it). One that fails leaves every describe to
   * read alone, and reports nothing itself: the describes do.
   */
  const prefetches = new Map<string, Promise<ReadonlyMap<string, unknown>>>();
  const prefetch = (wave: readonly Hit[]): void => {
    const groups = new Map<string, { handler: ResourceHandler; refs: ResourceRef[] }>();
    for (const hit of wave) {
      const handler = o.registry.forArn(hit.arn);
      if (!handler?.prefetch || (!o.fromPlan && !typeSelected(handler.type, o.types))) continue;
      const ref = refOf(handler, hit.arn, hit.region, home);
      const key = `${handler.type}|${ref.region}`;
      const g = groups.get(key) ?? { handler, refs: [] };
      g.refs.push(ref);
      groups.set(key, g);
    }
    for (const [key, { handler, refs }] of groups) {
      const read = handler.prefetch?.bind(handler);
      const region = refs[0]?.region;
      if (!read || region === undefined) continue;
      prefetches.set(key, o.throughput.run(clientOf(handler), region, 'read', () => read(refs, o.ctx)).catch(() => new Map<string, unknown>()));
    }
  };
  const prefetched = async (handler: ResourceHandler, ref: ResourceRef): Promise<unknown> => (await prefetches.get(`${handler.type}|${ref.region}`))?.get(ref.arn);

  const check = async (hit: Hit, reported: boolean): Promise<void> => {
    const handler = o.registry.forArn(hit.arn);
    const arn = parseArn(hit.arn);
    if (!handler || !arn) {
      const service = arn?.service ?? 'unknown';
      const type = arn ? `${arn.service}:${arn.resource.split(/[/:]/)[0] ?? ''}` : 'unknown';
      const region = arn?.region || hit.region;
      const reason = arn ? 'no handler for this type; left alone' : 'not a valid ARN; left alone';
      put({
        ref: { arn: hit.arn, type, region, account: arn?.account ?? '', partition: arn?.partition ?? 'aws', name: hit.arn },
        tags: hit.tags,
        stays: { status: 'unsupported', rule: 'unsupported', reason },
        reported: true,
      });
      holds.push({ types: o.registry.mayUse(service), region: arn ? region : undefined, by: hit.arn, reason: `${type} ${hit.arn} (unsupported type) may use it` });
      return;
    }
    const ref = refOf(handler, hit.arn, hit.region, home);
    if (!o.fromPlan && !typeSelected(handler.type, o.types)) {
      put({ ref, tags: hit.tags, stays: { status: 'skipped', rule: 'type-excluded', reason: 'type excluded by --include-type/--exclude-type' }, reported });
      return;
    }
    let d: Described | typeof GONE;
    try {
      const pre = handler.prefetch ? await prefetched(handler, ref) : undefined;
      const hint = { ...(hit.liveTags ? { tags: hit.tags } : {}), ...(pre !== undefined ? { prefetched: pre } : {}) };
      d = await o.throughput.run(clientOf(handler), ref.region, 'read', () => handler.describe(ref, o.ctx, Object.keys(hint).length ? hint : undefined));
    } catch (err) {
      put({ ref, tags: hit.tags, stays: { status: 'failed', rule: 'unreadable', reason: 'could not be read; left alone', error: `could not read it: ${describeError(err)}` }, reported: true });
      holds.push({ types: mayUse(handler), region: ref.region, by: ref.arn, reason: `${ref.type} ${ref.name} (${ref.region}), which could not be read, may use it` });
      return;
    }
    if (d === GONE) {
      put({ ref, tags: hit.tags, stays: { status: 'gone', rule: 'gone', reason: o.fromPlan ? 'it no longer exists' : 'already deleted (the Tagging API still lists it)' }, reported });
      return;
    }
    const declared = new Set(handler.references);
    const stray = d.uses.filter((u) => !declared.has(o.registry.forArn(u)?.type ?? ''));
    if (stray.length > 0) {
      // A handler bug: it reports a use of a type it does not declare, so the hold-back sets would be wrong.
      put({ ref, tags: d.tags, stays: { status: 'failed', rule: 'unreadable', reason: 'left alone', error: `internal: ${handler.type} reported uses outside its declared references: ${stray.join(', ')}` }, reported: true });
      holds.push({ types: o.registry.mayUse(serviceOf(handler.type)), region: ref.region, by: ref.arn, reason: `${ref.type} ${ref.name}, whose uses could not be trusted, may use it` });
      return;
    }
    const live: ResourceRef = d.region ? { ...ref, region: d.region } : ref;
    const stays = (rule: Rule, reason: string, status: Status = 'skipped'): void =>
      put({ ref: live, described: d, tags: d.tags, stays: { status, rule, reason }, reported });
    const where = d.region ?? (handler.global ? undefined : ref.region);
    if (where && !o.regions.includes(where)) return stays('outside-regions', `its region ${where} is not one of --region; left alone`);
    if (!matchesTags(d.tags, o.filters)) {
      // From a plan: a deleted resource's own log group (--delete-owned-log-groups) stays in while its tags are unchanged.
      if (o.fromPlan && hit.logGroupOf && o.ctx.settings?.deleteOwnedLogGroups && sameTags(d.tags, hit.tags)) return decide(handler, live, d, reported, ownGroupReason(hit.logGroupOf));
      return o.fromPlan
        ? stays('changed-since-plan', 'its tags changed since the plan was made; left alone')
        : stays('tags-not-matching', 'its live tags do not match (the Tagging API is stale); left alone');
    }
    decide(handler, live, d, reported);
  };

  /** Past the tags: what the type itself refuses, retains or blocks; else a candidate (`because`: without matching tags). */
  const decide = (handler: ResourceHandler, live: ResourceRef, d: Described, reported: boolean, because?: string): void => {
    const stays = (rule: Rule, reason: string, status: Status = 'skipped'): void =>
      put({ ref: live, described: d, tags: d.tags, stays: { status, rule, reason }, reported });
    const lr = { ref: live, described: d };
    const refusal = handler.protect?.(lr, o.ctx.settings ?? {});
    if (refusal) return stays('protected', refusal);
    if (o.isCaller(live)) return stays('caller-role', 'the role this run is using; left alone');
    const kept = handler.retained?.(lr);
    // A record AWS keeps (a finished job) uses nothing any more: it holds nothing back.
    if (kept) return put({ ref: live, described: { ...d, uses: [] }, tags: d.tags, stays: { status: 'retained', rule: 'retained-by-aws', reason: kept }, reported });
    const block = handler.blocked?.(lr);
    if (block) return stays('blocked', block, 'blocked');
    put({ ref: live, described: d, tags: d.tags, reported: true, ...(because ? { because } : {}) });
  };
  const ownGroupReason = (owner: string): string => {
    const h = o.registry.forArn(owner);
    return `the log group of ${h ? `${h.type} ${h.nameOf(owner)}` : owner} alone, deleted after it (--delete-owned-log-groups), whatever its tags`;
  };

  const seen = new Set(o.hits.map((h) => arnKey(h.arn)));
  prefetch(o.hits);
  await Promise.all(o.hits.map((hit) => check(hit, true)));

  // Follow references: a tagged endpoint's config, a function's role... The Tagging API lags behind (and
  // emulators mangle some ARNs): a referenced resource joins the candidates only if its own live tags
  // match, exactly like a hit. Whether it is deleted is decided later by the usage check, from the live
  // account, not from this path.
  if (o.followReferences !== false) {
    let frontier = [...found.values()].filter((f) => !f.stays);
    while (frontier.length > 0) {
      const next: Hit[] = [];
      for (const f of frontier) {
        for (const u of f.described?.uses ?? []) {
          const key = arnKey(u);
          if (seen.has(key) || !o.registry.forArn(u)) continue;
          seen.add(key);
          next.push({ arn: u, tags: {}, region: f.ref.region });
        }
      }
      const before = new Set(found.keys());
      prefetch(next);
      await Promise.all(next.map((hit) => check(hit, false)));
      frontier = [...found.entries()].filter(([k, f]) => !before.has(k) && !f.stays).map(([, f]) => f);
    }
  }
  // --delete-owned-log-groups: a candidate's own log group is one too, whatever its tags. Decided once
  // everything is read, so that it does not depend on which path reached the group first.
  if (!o.fromPlan && o.ctx.settings?.deleteOwnedLogGroups) {
    const ownerOf = new Map<string, string>();
    const byArn = [...found.values()].sort((a, b) => (a.ref.arn < b.ref.arn ? -1 : a.ref.arn > b.ref.arn ? 1 : 0));
    for (const f of byArn) {
      const own = f.described?.ownLogGroup;
      if (!f.stays && own && !ownerOf.has(arnKey(own))) ownerOf.set(arnKey(own), f.ref.arn);
    }
    for (const f of [...found.values()]) {
      const owner = ownerOf.get(arnKey(f.ref.arn));
      const handler = o.registry.forArn(f.ref.arn);
      if (owner && handler && f.described && f.stays?.rule === 'tags-not-matching') decide(handler, f.ref, f.described, f.reported, ownGroupReason(owner));
    }
  }
  return { found: [...found.values()], holds };
}
