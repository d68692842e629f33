import { arnKey } from '../aws/arn.js';
import type { AwsClients } from '../aws/clients.js';
import type { Throughput } from '../aws/throughput.js';
import { sealPlan } from '../backup/plan-file.js';
import { redactConfig } from '../backup/redact.js';
import { discover, type DiscoveryMode } from '../discovery/discover.js';
import { reconcile, refOf, typeMatches, typeSelected, type Found } from '../discovery/reconcile.js';
import { Listings } from '../discovery/listings.js';
import { prefetchUsage, scanOwners, scanUsers } from '../discovery/usage.js';
import type { Identity, Outcome, ResourceRef, TagFilter } from '../model.js';
import { withCosts } from '../plan/cost.js';
import { layer, PLAN_FORMAT, PLAN_VERSION, type PlanDocument, type PlanItem, type TypeSelection } from '../plan/document.js';
import { byCodePoint } from '../plan/order.js';
import { decideScope, type Hold, type ProtectRules } from '../plan/scope.js';
import { simulatePlan } from '../preflight/simulate.js';
import type { Described, HandlerContext, Hit, LiveResource, TypeSettings } from '../resources/handler.js';
import type { Registry } from '../resources/registry.js';
import { TOOL } from '../version.js';
import type { Ui } from '../ui/ui.js';

/** What every phase of a run shares. */
export interface RunEnv {
  readonly aws: AwsClients;
  readonly ctx: HandlerContext;
  readonly throughput: Throughput;
  readonly registry: Registry;
  readonly ui: Ui;
  /** Ctrl-C / SIGTERM. */
  readonly signal: AbortSignal;
  /** What the user protects (`--protect-arn`, `--protect-name`, the config file): never deleted, `protected` in the plan. */
  readonly protect?: ProtectRules | undefined;
}

export interface Selection {
  readonly tags: readonly TagFilter[];
  /** The run's regions; the first is home (IAM, STS, EC2 DescribeRegions). */
  readonly regions: readonly string[];
  readonly types: TypeSelection;
  /** How resources are found (default: the Tagging API, and own listings where it does not reach). */
  readonly discovery?: DiscoveryMode;
  /** Explicit options some types honour (recorded in the plan, so that apply decides the same way). */
  readonly settings?: TypeSettings | undefined;
}

export interface Who {
  readonly identity: Identity;
  readonly partition: string;
  readonly alias?: string | undefined;
}

/** Where the candidates come from: discovery by the tags, or the items of a plan (`apply`, `resume`). */
export type Source = { readonly kind: 'discover' } | { readonly kind: 'plan'; readonly items: readonly PlanItem[] };

export interface Gathered {
  readonly doc: PlanDocument;
  /** Each planned item as its service described it (what artifacts and the executor need). */
  readonly live: ReadonlyMap<string, LiveResource>;
}

/** The role name of an assumed-role session, or of a role caller. */
export function callerRoleName(callerArn: string): string | undefined {
  const m = /:assumed-role\/([^/]+)\//.exec(callerArn) ?? /:iam::\d{12}:role\/(?:.*\/)?([^/]+)$/.exec(callerArn);
  return m?.[1];
}

/**
 * The first half of a run: discovery (or a plan's items), a live describe of each, the usage check
 * across regions, the scope decision, the dependency graph, and the permission check. Makes no
 * mutating call. Returns the sealed plan document.
 */
export async function gather(env: RunEnv, sel: Selection, who: Who, source: Source): Promise<Gathered> {
  const { ui, registry } = env;
  const home = sel.regions[0] as string;
  // Types the user says have none here are not listed at all (their Tagging API hits are still read).
  const absent = (type: string): boolean => (sel.settings?.assumeAbsent ?? []).some((p) => typeMatches(type, p));
  if (sel.settings?.assumeAbsent?.length) {
    ui.warn(`taking it that there is no ${sel.settings.assumeAbsent.join(', ')} here (--assume-absent): not listed, and not looked for as users of what is deleted`);
  }
  const selected = registry.handlers.filter((h) => typeSelected(h.type, sel.types) && !absent(h.type));

  // Each type's listing of a region is read once, whichever phase needs it first.
  const listings = new Listings(env.ctx, env.throughput);
  // A global type that others use (an IAM role) is looked for in every enabled region: ask which at once.
  if (selected.some((h) => h.global && registry.referenceable.has(h.type))) void listings.enabledRegions(env.aws, home, who.partition);
  let hits: Hit[];
  let listingFailures: Awaited<ReturnType<typeof discover>>['failures'] = [];
  if (source.kind === 'discover') {
    const found = await discover({ aws: env.aws, ctx: env.ctx, throughput: env.throughput, regions: sel.regions, filters: sel.tags, handlers: selected, mode: sel.discovery ?? 'tagging', registryForArn: (arn) => registry.forArn(arn), listings });
    if (found.repaired.length > 0) {
      ui.warn(`the Tagging API returned ${found.repaired.length} malformed ARN${found.repaired.length === 1 ? '' : 's'} (e.g. ${found.repaired[0]?.raw}); read as ${found.repaired[0]?.arn}`);
    }
    hits = found.hits;
    listingFailures = found.failures;
    ui.info(`Found ${hits.length} tagged resource${hits.length === 1 ? '' : 's'}; checking each with its own service`);
  } else {
    hits = source.items.map((i) => ({ arn: i.ref.arn, tags: i.tags, region: i.ref.region, ...(i.rule === 'owned-log-group' ? { logGroupOf: i.usedBy[0] ?? i.ref.arn } : {}) }));
    ui.info(`Re-reading the ${hits.length} resource${hits.length === 1 ? '' : 's'} of the plan`);
  }

  // Who may use what was found is listed while it is described: the listings do not depend on the
  // describes (what is decided from them waits for both).
  prefetchUsage({
    registry,
    aws: env.aws,
    listings,
    candidates: hits.flatMap((h) => {
      const handler = registry.forArn(h.arn);
      return handler && typeSelected(handler.type, sel.types) ? [refOf(handler, h.arn, h.region, home)] : [];
    }),
    regions: sel.regions,
    partition: who.partition,
    skip: absent,
  });

  const callerRole = callerRoleName(who.identity.arn)?.toLowerCase();
  const isCaller = (ref: ResourceRef) => ref.type === 'iam:role' && callerRole !== undefined && ref.name.toLowerCase() === callerRole;
  const { found, holds } = await reconcile({
    hits,
    registry,
    // Describes may take from a listing the run has already read (a policy's roles' ARNs from ListRoles).
    ctx: { ...env.ctx, listed: (type, region) => listings.peek(type, region) },
    throughput: env.throughput,
    filters: sel.tags,
    types: sel.types,
    regions: sel.regions,
    isCaller,
    followReferences: source.kind === 'discover',
    fromPlan: source.kind === 'plan',
  });

  const owners = ownership(found, registry, home);
  // Who uses each candidate, read from the live account in every region it may be used from. What a
  // candidate owns goes with it, so whoever uses that is looked for too.
  const candidates = found.filter((f) => !f.stays);
  const candidateKeys = new Set(candidates.map((c) => arnKey(c.ref.arn)));
  const foundKeys = new Set(found.map((f) => arnKey(f.ref.arn)));
  const ownedRefs: ResourceRef[] = [];
  for (const [key, owner] of owners.refs) {
    const ref = owners.owned.get(key);
    if (ref && !foundKeys.has(key) && candidateKeys.has(arnKey(owner.arn))) ownedRefs.push(ref);
  }
  const known = new Map<string, readonly string[]>();
  const usedBy = new Map<string, NonNullable<Described['usedBy']>>();
  for (const f of found) if (f.described) known.set(arnKey(f.ref.arn), f.described.uses);
  for (const c of candidates) if (c.described?.usedBy) usedBy.set(arnKey(c.ref.arn), c.described.usedBy);
  const usage = await scanUsers({
    registry,
    ctx: env.ctx,
    aws: env.aws,
    throughput: env.throughput,
    candidates: [...candidates.map((c) => c.ref), ...ownedRefs],
    known,
    usedBy,
    skip: absent,
    regions: sel.regions,
    partition: who.partition,
    listings,
  });

  // Owners the run did not find (an untagged stack) of candidates: those stay with their owner.
  const ownerScan = await scanOwners({
    registry,
    ctx: env.ctx,
    throughput: env.throughput,
    candidates: candidates.map((c) => c.ref),
    regions: candidates.some((c) => registry.byType(c.ref.type)?.global) ? usage.examinedRegions : [...new Set(candidates.map((c) => c.ref.region))],
    home,
    skip: absent,
    listings,
  });
  for (const [key, owner] of ownerScan.owners) if (!owners.refs.has(key)) owners.refs.set(key, owner);

  if (usage.unavailable?.length) {
    ui.info(`No endpoint (the service is not offered there), so nothing there can use a candidate: ${usage.unavailable.join(', ')}`);
  }
  const lastUsed = new Map<string, string>();
  for (const c of candidates) {
    const region = registry.byType(c.ref.type)?.lastUsedRegion?.({ ref: c.ref, described: c.described! });
    if (region) lastUsed.set(arnKey(c.ref.arn), region);
  }
  // A type whose own listing failed in a region: its resources there are unknown; what they may use stays.
  const discoveryHolds: Hold[] = listingFailures.map(({ handler, region, error }) => ({
    types: handler.references,
    region: handler.global ? undefined : region,
    by: `${handler.type}/${region}`,
    reason: `the ${handler.type} resources of ${region} could not be listed (${error}), so whether one uses it is unknown`,
    failure: { arn: `${handler.type}/${region}`, type: handler.type, region, name: `every ${handler.type} of ${region}`, error: `could not list them: ${error}` },
  }));
  const decisions = decideScope({
    found: found.map((f) => ({ ref: f.ref, uses: f.described?.uses ?? [], stays: f.stays })),
    users: usage.users,
    holds: [...holds, ...usage.holds, ...ownerScan.holds, ...discoveryHolds],
    isGlobal: (t) => registry.byType(t)?.global === true,
    lastUsed,
    examinedRegions: usage.examinedRegions,
    owners: owners.refs,
    protect: env.protect,
  });

  const byKey = new Map<string, Found>(found.map((f) => [arnKey(f.ref.arn), f]));
  const toDelete: Found[] = [];
  const notPlanned: Outcome[] = [];
  for (const d of decisions) {
    const f = byKey.get(arnKey(d.ref.arn));
    if (!f) continue;
    if (d.delete) {
      toDelete.push(f);
      continue;
    }
    // Reached only by reference and left alone for its own reasons: never found by the tags, not reported.
    if (!f.reported) continue;
    notPlanned.push({
      arn: d.ref.arn,
      type: d.ref.type,
      region: d.ref.region,
      name: d.ref.name,
      status: d.status,
      rule: d.rule,
      reason: d.reason,
      ...(f.stays?.error ? { error: f.stays.error } : {}),
    });
  }
  // A read the usage check could not make is a failure of the run too (exit 1), reported once each.
  const reportedArns = new Set(notPlanned.map((o) => arnKey(o.arn)));
  for (const h of [...usage.holds, ...ownerScan.holds, ...discoveryHolds]) {
    if (!h.failure || reportedArns.has(arnKey(h.failure.arn))) continue;
    reportedArns.add(arnKey(h.failure.arn));
    const { arn, type, region, name, error } = h.failure;
    notPlanned.push({ arn, type, region, name, status: 'failed', rule: 'unreadable', reason: 'not found by the tags, but it may use a candidate: what it may use is held back', error });
  }
  notPlanned.sort((a, b) => byCodePoint(a.type, b.type) || byCodePoint(a.arn, b.arn));

  const live = new Map<string, LiveResource>();
  const items: PlanItem[] = layer(
    toDelete.map((f) => {
      const lr: LiveResource = { ref: f.ref, described: f.described! };
      live.set(f.ref.arn, lr);
      return {
        ref: f.ref,
        tags: f.described!.tags,
        // Secret values (environment variables...) never go into the plan: the backup's own copy keeps them.
        config: redactConfig(f.ref.type, f.described!.config).config,
        // A use of what a stack owns orders it before the stack.
        uses: withOwners(f.described!.uses, owners.refs),
        children: registry.byType(f.ref.type)?.children?.(lr) ?? [],
        rule: f.because ? ('owned-log-group' as const) : ('delete' as const),
        reason: f.because ?? 'matches the tags, is in scope, and nothing that stays uses it',
      };
    }),
  );

  const needs = items.map((i) => ({ type: i.ref.type, actions: registry.byType(i.ref.type)?.actions(live.get(i.ref.arn)!) ?? [] }));
  const permissions = await simulatePlan({ aws: env.aws, region: home, identity: who.identity, needs });
  if ('note' in permissions && permissions.note) ui.warn(permissions.note);
  const { note: _note, ...permissionResult } = permissions as typeof permissions & { note?: string };

  const doc = sealPlan({
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    tool: { ...TOOL },
    createdAt: new Date().toISOString(),
    account: who.identity.account,
    ...(who.alias ? { accountAlias: who.alias } : {}),
    principal: who.identity.arn,
    partition: who.partition,
    regions: [...sel.regions],
    examinedRegions: [...usage.examinedRegions],
    filters: sel.tags.map((t) => ({ key: t.key, values: [...t.values] })),
    types: { include: [...sel.types.include], exclude: [...sel.types.exclude] },
    discovery: sel.discovery ?? 'tagging',
    settings: {
      deleteSharedLogGroups: sel.settings?.deleteSharedLogGroups === true,
      deleteStudioEfs: sel.settings?.deleteStudioEfs === true,
      deleteOwnedLogGroups: sel.settings?.deleteOwnedLogGroups === true,
      assumeAbsent: [...(sel.settings?.assumeAbsent ?? [])],
    },
    ...withCosts(items),
    notPlanned,
    permissions: permissionResult,
    usageCheck: { listings: usage.listings + ownerScan.listings, reads: usage.reads, regions: usage.examinedRegions.length },
  });
  return { doc, live };
}

/** CloudFormation and Service Catalog say who owns a resource in tags AWS sets on it. */
const OWNER_TAGS = ['aws:cloudformation:stack-id', 'aws:servicecatalog:provisionedProductArn'] as const;

/**
 * Who owns what: the resources a found owner lists (`Described.owns`: a stack's resource list), and the
 * owner each found resource names (`Described.ownedBy`, or tags AWS sets: `aws:cloudformation:stack-id`...).
 * By arnKey of the owned.
 */
export function ownership(found: readonly Found[], registry: Registry, home: string): { refs: Map<string, ResourceRef>; owned: Map<string, ResourceRef> } {
  const refs = new Map<string, ResourceRef>();
  const owned = new Map<string, ResourceRef>();
  const refFor = (arn: string, region: string): ResourceRef | undefined => {
    const handler = registry.forArn(arn);
    return handler ? refOf(handler, arn, region, home) : undefined;
  };
  for (const f of found) {
    if (!f.described) continue;
    for (const arn of f.described.owns ?? []) {
      const ref = refFor(arn, f.ref.region);
      if (!ref || arnKey(arn) === arnKey(f.ref.arn)) continue;
      refs.set(arnKey(arn), f.ref);
      owned.set(arnKey(arn), ref);
    }
  }
  const byKey = new Map(found.map((f) => [arnKey(f.ref.arn), f.ref]));
  for (const f of found) {
    const key = arnKey(f.ref.arn);
    if (!f.described || refs.has(key)) continue;
    const ownerArn = [f.described.ownedBy, ...OWNER_TAGS.map((t) => f.described?.tags[t])].find((v) => v && v.startsWith('arn:'));
    const owner = ownerArn && arnKey(ownerArn) !== key ? (byKey.get(arnKey(ownerArn)) ?? refFor(ownerArn, f.ref.region)) : undefined;
    if (!owner) continue;
    refs.set(key, owner);
    owned.set(key, f.ref);
  }
  return { refs, owned };
}

/** Uses, plus the owner of each used resource that something owns (so that it is deleted after the user). */
function withOwners(uses: readonly string[], owners: ReadonlyMap<string, ResourceRef>): string[] {
  const out = [...uses];
  for (const u of uses) {
    const owner = owners.get(arnKey(u));
    if (owner && !out.includes(owner.arn)) out.push(owner.arn);
  }
  return out;
}
