import { arnKey } from '../aws/arn.js';
import type { AwsClients } from '../aws/clients.js';
import type { Throughput } from '../aws/throughput.js';
import { sealPlan } from '../backup/plan-file.js';
import { discover, type DiscoveryMode } from '../discovery/discover.js';
import { reconcile, typeSelected, type Found } from '../discovery/reconcile.js';
import { scanUsers } from '../discovery/usage.js';
import type { Identity, Outcome, ResourceRef, TagFilter } from '../model.js';
import { layer, PLAN_FORMAT, PLAN_VERSION, type PlanDocument, type PlanItem, type TypeSelection } from '../plan/document.js';
import { byCodePoint } from '../plan/order.js';
import { decideScope, type Hold } from '../plan/scope.js';
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
  const selected = registry.handlers.filter((h) => typeSelected(h.type, sel.types));

  let hits: Hit[];
  let listingFailures: Awaited<ReturnType<typeof discover>>['failures'] = [];
  if (source.kind === 'discover') {
    const found = await discover({ aws: env.aws, ctx: env.ctx, throughput: env.throughput, regions: sel.regions, filters: sel.tags, handlers: selected, mode: sel.discovery ?? 'tagging', registryForArn: (arn) => registry.forArn(arn) });
    if (found.repaired.length > 0) {
      ui.warn(`the Tagging API returned ${found.repaired.length} malformed ARN${found.repaired.length === 1 ? '' : 's'} (e.g. ${found.repaired[0]?.raw}); read as ${found.repaired[0]?.arn}`);
    }
    hits = found.hits;
    listingFailures = found.failures;
    ui.info(`Found ${hits.length} tagged resource${hits.length === 1 ? '' : 's'}; checking each with its own service`);
  } else {
    hits = source.items.map((i) => ({ arn: i.ref.arn, tags: i.tags, region: i.ref.region }));
    ui.info(`Re-reading the ${hits.length} resource${hits.length === 1 ? '' : 's'} of the plan`);
  }

  const callerRole = callerRoleName(who.identity.arn)?.toLowerCase();
  const isCaller = (ref: ResourceRef) => ref.type === 'iam:role' && callerRole !== undefined && ref.name.toLowerCase() === callerRole;
  const { found, holds } = await reconcile({
    hits,
    registry,
    ctx: env.ctx,
    throughput: env.throughput,
    filters: sel.tags,
    types: sel.types,
    regions: sel.regions,
    isCaller,
    followReferences: source.kind === 'discover',
    fromPlan: source.kind === 'plan',
  });

  // Who uses each candidate, read from the live account in every region it may be used from.
  const candidates = found.filter((f) => !f.stays);
  const known = new Map<string, readonly string[]>();
  const usedBy = new Map<string, NonNullable<Described['usedBy']>>();
  for (const f of found) if (f.described) known.set(arnKey(f.ref.arn), f.described.uses);
  for (const c of candidates) if (c.described?.usedBy) usedBy.set(arnKey(c.ref.arn), c.described.usedBy);
  const usage = await scanUsers({
    registry,
    ctx: env.ctx,
    aws: env.aws,
    throughput: env.throughput,
    candidates: candidates.map((c) => c.ref),
    known,
    usedBy,
    regions: sel.regions,
    partition: who.partition,
  });

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
    holds: [...holds, ...usage.holds, ...discoveryHolds],
    isGlobal: (t) => registry.byType(t)?.global === true,
    lastUsed,
    examinedRegions: usage.examinedRegions,
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
  for (const h of [...usage.holds, ...discoveryHolds]) {
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
        config: f.described!.config,
        uses: f.described!.uses,
        children: registry.byType(f.ref.type)?.children?.(lr) ?? [],
        rule: 'delete' as const,
        reason: 'matches the tags, is in scope, and nothing that stays uses it',
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
    settings: { deleteSharedLogGroups: sel.settings?.deleteSharedLogGroups === true, deleteStudioEfs: sel.settings?.deleteStudioEfs === true },
    items,
    notPlanned,
    permissions: permissionResult,
    usageCheck: { listings: usage.listings, reads: usage.reads, regions: usage.examinedRegions.length },
  });
  return { doc, live };
}
