import { clientOf, type ResourceHandler } from '../../src/resources/handler.js';
import { keyOf, type Item } from './bench-worlds.js';

/**
 * Lower bounds for one workload: the fewest AWS calls a safe cleanup of that world needs, and its
 * critical path in network round trips at the concurrency the tool declares per (service, region)
 * (src/aws/throughput.ts LIMITS, read when the benchmark runs). Computed from the world's inventory
 * (what was built, decoys included), documented page sizes and the registry's types (who may use whom),
 * never from what the tool did. Every choice below errs low: where a step could be cheaper than
 * modelled it is modelled cheaper, so a bound is at most the true minimum (BENCHMARK.md explains each).
 */

/** Documented maximum page size of each type's list call (default 100: SageMaker's, Bedrock's, most others'). */
export const LIST_PAGE: Readonly<Record<string, number>> = {
  'iam:role': 1000, // ListRoles MaxItems
  'iam:policy': 1000,
  'iam:instance-profile': 1000,
  'lambda:function': 50, // ListFunctions MaxItems
  's3:bucket': 10_000, // ListBuckets MaxBuckets
  'ecr:repository': 1000, // DescribeRepositories maxResults
  'codebuild:project': 100, // ListProjects returns 100 names
  'glue:job': 1000, // GetJobs MaxResults
  'events:event-bus': 100, // ListEventBuses Limit
  'events:rule': 100, // ListRules Limit, per bus
  'logs:log-group': 50, // DescribeLogGroups limit
  'cloudformation:stack': 100,
  'codepipeline:pipeline': 1000,
};
export const TAGGING_PAGE = 100; // GetResources ResourcesPerPage
export const S3_PAGE = 1000; // ListObjectVersions MaxKeys, DeleteObjects keys per call

/**
 * What list discovery must read per listed resource to learn its tags, when the list call does not carry
 * them: `each` (one read per resource: ListRoleTags, SageMaker ListTags, GetBucketTagging…), `batch`
 * (100 per call: CodeBuild BatchGetProjects) or `none` (the list carries them: DescribeStacks). Unknown
 * types count as `none` (the low side).
 */
const TAG_READ: Readonly<Record<string, 'each' | 'batch' | 'none'>> = {
  'iam:role': 'each',
  'iam:policy': 'each',
  'iam:instance-profile': 'each',
  'lambda:function': 'each',
  's3:bucket': 'each',
  'ecr:repository': 'each',
  'codebuild:project': 'batch',
  'glue:job': 'each',
  'events:rule': 'each',
  'events:event-bus': 'each',
  'logs:log-group': 'each',
  'cloudformation:stack': 'none',
};
const tagRead = (type: string) => TAG_READ[type] ?? (type.startsWith('sagemaker:') ? 'each' : 'none');

/**
 * What the usage check must read per listed resource that is not a candidate (candidates are read
 * anyway) to learn what it uses, when its list call does not say: SageMaker summaries name no role, model
 * nor config; EventBridge needs ListTargetsByRule; CodeBuild names come back bare (BatchGetProjects, 100 a
 * call). Lambda (Role), SageMaker pipelines (RoleArn), Glue (GetJobs is complete) and instance profiles
 * (Roles) list what they use. Unknown types: `none` (the low side).
 */
const USAGE_READ: Readonly<Record<string, 'each' | 'batch' | 'none'>> = {
  'sagemaker:model': 'each',
  'sagemaker:endpoint-config': 'each',
  'sagemaker:endpoint': 'each',
  'sagemaker:notebook-instance': 'each',
  'sagemaker:cluster': 'each',
  'sagemaker:training-job': 'each',
  'sagemaker:processing-job': 'each',
  'sagemaker:transform-job': 'each',
  'sagemaker:hyper-parameter-tuning-job': 'each',
  'sagemaker:automl-job': 'each',
  'sagemaker:experiment-trial': 'each',
  'events:rule': 'each',
  'codebuild:project': 'batch',
};

/** Asynchronous deletes: the fewest reads that prove them done (one poll; a notebook's stop, then its delete). */
const WAIT_READS: Readonly<Record<string, number>> = {
  'sagemaker:endpoint': 1,
  'sagemaker:notebook-instance': 2,
  'sagemaker:cluster': 1,
  'sagemaker:domain': 1,
  'sagemaker:inference-component': 1,
  'sagemaker:feature-group': 1,
  'cloudformation:stack': 1,
  'bedrock:provisioned-model': 1,
  'servicecatalog:provisioned-product': 1,
};
/** Writes a delete needs besides the delete itself and one per child: an InService notebook is stopped first. */
const EXTRA_WRITES: Readonly<Record<string, number>> = { 'sagemaker:notebook-instance': 1 };
/** Round trips a delete needs besides its own: the notebook's stop and the poll that shows it stopped. */
const EXTRA_ROUNDS: Readonly<Record<string, number>> = { 'sagemaker:notebook-instance': 2 };

export type LimitRow = Readonly<Record<string, unknown>>;

export interface BoundContext {
  readonly handlers: readonly ResourceHandler[];
  readonly usersOf: (type: string) => readonly ResourceHandler[];
  /** The tool's concurrency table (LIMITS), read at run time. */
  readonly limits: Readonly<Record<string, LimitRow>>;
  /** The run's regions; the first is home (IAM, STS, EC2). */
  readonly regions: readonly string[];
  /** Regions enabled for the account (moto's DescribeRegions): where users of a global candidate may be. */
  readonly enabledRegions: readonly string[];
  readonly discovery: 'tagging' | 'list' | 'both';
  readonly dryRun: boolean;
  readonly assumeAbsent: ReadonlySet<string>;
}

type Phase = 'preflight' | 'discovery' | 'describe' | 'usage' | 'execute';
type Kind = 'read' | 'write';

export interface Bound {
  /** The fewest calls, and how they add up. */
  readonly minCalls: number;
  readonly calls: Readonly<Record<string, number>>;
  /** Critical path in round trips, and its parts. */
  readonly rounds: number;
  readonly roundsDetail: Readonly<Record<string, number>>;
  /** Calls per lane (`service region kind`), for the rate bound. */
  readonly lanes: Readonly<Record<string, { readonly gather: number; readonly execute: number }>>;
}

const GLOBAL_LANES = new Set(['iam']);

export function concurrencyOf(limits: BoundContext['limits'], service: string, kind: Kind): number {
  const row = limits[service] ?? limits.default;
  const v = row?.[kind];
  return typeof v === 'number' && v > 0 ? v : 1;
}

/**
 * A lane's published request rate (requests a second), when the table gives one: `readRate`/`writeRate`,
 * `rate` (a number, or `{ read, write }`), `perSecond` or `rps` (the same shapes). Undefined otherwise.
 */
export function rateOf(limits: BoundContext['limits'], service: string, kind: Kind): number | undefined {
  const row = limits[service] ?? limits.default;
  if (!row) return undefined;
  const direct = row[`${kind}Rate`];
  if (typeof direct === 'number' && direct > 0) return direct;
  for (const name of ['rate', 'perSecond', 'rps', 'ratePerSecond']) {
    const v = row[name];
    if (typeof v === 'number' && v > 0) return v;
    if (v && typeof v === 'object') {
      const k = (v as Record<string, unknown>)[kind];
      if (typeof k === 'number' && k > 0) return k;
    }
  }
  return undefined;
}

const ceil = (n: number, d: number) => Math.ceil(n / d);
const pages = (n: number, page: number) => Math.max(1, ceil(n, page));

export function lowerBound(items: readonly Item[], ctx: BoundContext): Bound {
  const home = ctx.regions[0] ?? 'us-east-1';
  const byType = new Map(ctx.handlers.map((h) => [h.type, h]));
  const present = (t: string) => byType.has(t) && !ctx.assumeAbsent.has(t);
  const inRun = (i: Item) => ctx.regions.includes(i.region);
  const candidates = items.filter((i) => i.tagged && inRun(i) && present(i.type));
  const candidateKeys = new Set(candidates.map((i) => keyOf(i.type, i.name)));
  const itemsOf = (type: string, region: string) => items.filter((i) => i.type === type && (byType.get(type)?.global || i.region === region));

  const calls: Record<string, number> = {};
  const lanes = new Map<string, Record<Phase, number>>();
  const count = (what: string, phase: Phase, service: string, region: string, kind: Kind, n: number) => {
    if (n <= 0) return;
    calls[what] = (calls[what] ?? 0) + n;
    const lane = `${service} ${GLOBAL_LANES.has(service) ? 'global' : region} ${kind}`;
    const l = lanes.get(lane) ?? { preflight: 0, discovery: 0, describe: 0, usage: 0, execute: 0 };
    l[phase] += n;
    lanes.set(lane, l);
  };
  const lane = (type: string) => clientOf(byType.get(type) ?? { type });

  /** Pages of a type's own listing in a region (EventBridge lists rules bus by bus, the default bus included). */
  const listPages = (type: string, region: string): number => {
    const n = itemsOf(type, region).length;
    if (type === 'events:rule') {
      const buses = itemsOf('events:event-bus', region).length + 1;
      const perBus = new Map<string, number>();
      for (const r of itemsOf(type, region)) {
        const bus = r.uses.find((u) => u.startsWith('events:event-bus|')) ?? 'default';
        perBus.set(bus, (perBus.get(bus) ?? 0) + 1);
      }
      // ListEventBuses, then one ListRules page per bus (more for a bus with over 100 rules).
      let p = pages(buses, LIST_PAGE['events:event-bus'] ?? 100) + buses;
      for (const k of perBus.values()) p += pages(k, LIST_PAGE['events:rule'] ?? 100) - 1;
      return p;
    }
    return pages(n, LIST_PAGE[type] ?? 100);
  };

  // --- Preflight: who am I (STS GetCallerIdentity).
  count('identity', 'preflight', 'sts', home, 'read', 1);

  // --- Discovery: the Tagging API per region; each type's own listing where it is not enough.
  const discChain = new Map<string, number>(); // per region: the longest run of calls in sequence
  const chain = (region: string, n: number) => discChain.set(region, Math.max(discChain.get(region) ?? 0, n));
  const listedInDiscovery = new Set<string>(); // `type|region` listed (reused by the usage check)
  const readInDiscovery = new Set<string>(); // items whose per-resource read discovery made (it also serves as describe)
  for (const region of ctx.regions) {
    const viaTagging = candidates.filter((i) => i.region === region && byType.get(i.type)?.taggingApi && !byType.get(i.type)?.global).length;
    const p = pages(viaTagging, TAGGING_PAGE);
    count('discovery: Tagging API pages', 'discovery', 'tagging', region, 'read', p);
    chain(region, p);
  }
  for (const h of ctx.handlers) {
    if (!present(h.type) || (h.taggingApi && ctx.discovery === 'tagging')) continue;
    for (const region of h.global ? [home] : ctx.regions) {
      const listed = itemsOf(h.type, region);
      const p = listPages(h.type, region);
      count('discovery: own list pages', 'discovery', clientOf(h), region, 'read', p);
      listedInDiscovery.add(`${h.type}|${region}`);
      const how = tagRead(h.type);
      const reads = how === 'each' ? listed.length : how === 'batch' ? ceil(listed.length, 100) : 0;
      count('discovery: tag reads of listed resources', 'discovery', clientOf(h), region, 'read', reads);
      if (how !== 'none') for (const i of listed) readInDiscovery.add(keyOf(i.type, i.name));
      chain(region, p + (reads > 0 ? 1 : 0));
    }
  }

  // --- Describe: one read per candidate (unless discovery's own read of it already was one).
  for (const c of candidates) {
    if (readInDiscovery.has(keyOf(c.type, c.name))) continue;
    count('describe: one read per candidate', 'describe', lane(c.type), c.region, 'read', 1);
  }

  // --- Usage check: who else uses a candidate. Every type that may use it, in its region (every enabled
  // region for a global candidate), listed once per (type, region); what a listing does not say is read.
  const usageJobs = new Map<string, { type: string; region: string }>();
  let needsRegions = false;
  for (const t of new Set(candidates.map((c) => c.type))) {
    const users = ctx.usersOf(t).filter((u) => present(u.type));
    if (users.length === 0) continue;
    const target = byType.get(t);
    if (target?.global) needsRegions = true;
    const regions = target?.global ? ctx.enabledRegions : [...new Set(candidates.filter((c) => c.type === t).map((c) => c.region))];
    for (const u of users) for (const region of u.global ? [home] : regions) usageJobs.set(`${u.type}|${region}`, { type: u.type, region });
  }
  if (needsRegions) count('usage: enabled regions (EC2 DescribeRegions)', 'usage', 'ec2', home, 'read', 1);
  let usageChain = 0;
  for (const { type, region } of usageJobs.values()) {
    const free = listedInDiscovery.has(`${type}|${region}`);
    const p = free ? 0 : listPages(type, region);
    count('usage: user-type list pages', 'usage', lane(type), region, 'read', p);
    const others = itemsOf(type, region).filter((i) => !candidateKeys.has(keyOf(i.type, i.name)) && !readInDiscovery.has(keyOf(i.type, i.name)));
    const how = USAGE_READ[type] ?? 'none';
    const reads = how === 'each' ? others.length : how === 'batch' ? ceil(others.length, 100) : 0;
    count('usage: reads of listed non-candidates', 'usage', lane(type), region, 'read', reads);
    const outside = !ctx.regions.includes(region) ? 1 : 0; // after DescribeRegions
    usageChain = Math.max(usageChain, outside + p + (reads > 0 ? 1 : 0));
  }
  // Owners (CloudFormation stacks): what each owns, for the stacks that are not candidates themselves.
  if (candidates.length > 0) {
    for (const h of ctx.handlers) {
      if (!h.listOwned || !present(h.type)) continue;
      for (const region of ctx.regions) {
        const free = listedInDiscovery.has(`${h.type}|${region}`);
        const p = free ? 0 : listPages(h.type, region);
        count('usage: owner list pages', 'usage', clientOf(h), region, 'read', p);
        const others = itemsOf(h.type, region).filter((i) => !candidateKeys.has(keyOf(i.type, i.name))).length;
        const reads = Math.min(others, candidates.filter((c) => c.region === region).length);
        count('usage: owner reads', 'usage', clientOf(h), region, 'read', reads);
        usageChain = Math.max(usageChain, p + (reads > 0 ? 1 : 0));
      }
    }
  }

  // --- Execute: deletes (children first), waits, bucket contents.
  const nodes = ctx.dryRun ? [] : candidates.filter((c) => c.action !== 'retained');
  const weight = new Map<string, number>();
  for (const n of nodes) {
    const svc = lane(n.type);
    let w: number;
    if (n.action === 'stop') {
      count('execute: stops', 'execute', svc, n.region, 'write', 1);
      w = 1;
    } else {
      count('execute: deletes', 'execute', svc, n.region, 'write', 1);
      count('execute: child steps', 'execute', svc, n.region, 'write', n.children);
      count('execute: other writes (a notebook\'s stop)', 'execute', svc, n.region, 'write', EXTRA_WRITES[n.type] ?? 0);
      count('execute: waiter reads', 'execute', svc, n.region, 'read', WAIT_READS[n.type] ?? 0);
      w = 1 + (n.children > 0 ? 1 : 0) + (WAIT_READS[n.type] ? 1 : 0) + (EXTRA_ROUNDS[n.type] ?? 0);
      const prefixes = Object.values(n.versionsByPrefix ?? {});
      const versions = prefixes.reduce((a, b) => a + b, 0);
      if (versions > 0) {
        count('execute: ListObjectVersions pages', 'execute', svc, n.region, 'read', ceil(versions, S3_PAGE));
        count('execute: DeleteObjects batches', 'execute', svc, n.region, 'write', ceil(versions, S3_PAGE));
        // Pages of one listing come in sequence; key prefixes (found by one delimiter listing) can be listed side by side.
        const sequential = ceil(versions, S3_PAGE) + 1;
        const byPrefix = 1 + Math.max(...prefixes.map((v) => ceil(v, S3_PAGE))) + 1;
        w += Math.min(sequential, prefixes.length > 1 ? byPrefix : sequential);
      }
    }
    weight.set(keyOf(n.type, n.name), w);
  }
  // A resource goes after everything that uses it: depth = the longest chain of users before it starts, tail = the longest chain of what it uses after it.
  const nodeKeys = new Set(weight.keys());
  const usersOfNode = new Map<string, string[]>();
  for (const n of nodes) for (const u of n.uses) if (nodeKeys.has(u)) usersOfNode.set(u, [...(usersOfNode.get(u) ?? []), keyOf(n.type, n.name)]);
  const usesOfNode = new Map(nodes.map((n) => [keyOf(n.type, n.name), n.uses.filter((u) => nodeKeys.has(u))]));
  const depthMemo = new Map<string, number>();
  const depth = (k: string): number => {
    let d = depthMemo.get(k);
    if (d === undefined) {
      d = Math.max(0, ...(usersOfNode.get(k) ?? []).map((u) => depth(u) + (weight.get(u) ?? 0)));
      depthMemo.set(k, d);
    }
    return d;
  };
  const tailMemo = new Map<string, number>();
  const tail = (k: string): number => {
    let t = tailMemo.get(k);
    if (t === undefined) {
      t = Math.max(0, ...(usesOfNode.get(k) ?? []).map((u) => (weight.get(u) ?? 0) + tail(u)));
      tailMemo.set(k, t);
    }
    return t;
  };
  const longestChain = Math.max(0, ...[...nodeKeys].map((k) => depth(k) + (weight.get(k) ?? 0)));
  // A lane's calls at its declared concurrency, after the shortest chain before any of them and before the shortest chain after.
  let laneBound = 0;
  for (const [name, l] of lanes) {
    if (l.execute === 0) continue;
    const [service, where, kind] = name.split(' ') as [string, string, Kind];
    const mine = nodes.filter((n) => lane(n.type) === service && (where === 'global' || n.region === where)).map((n) => keyOf(n.type, n.name));
    const head = kind === 'write' && mine.length ? Math.min(...mine.map(depth)) : 0;
    const after = kind === 'write' && mine.length ? Math.min(...mine.map(tail)) : 0;
    laneBound = Math.max(laneBound, head + ceil(l.execute, concurrencyOf(ctx.limits, service, kind)) + after);
  }
  const execute = Math.max(longestChain, laneBound);

  // --- Gather's critical path: identity, then the longest of: a region's discovery pages in sequence and
  // the describe of what the last page found; the busiest read lane at its concurrency; the longest usage listing.
  const discovery = Math.max(0, ...discChain.values()) + (candidates.length > 0 ? 1 : 0);
  let gatherLane = 0;
  for (const [name, l] of lanes) {
    const n = l.discovery + l.describe + l.usage;
    if (n === 0) continue;
    const [service, , kind] = name.split(' ') as [string, string, Kind];
    gatherLane = Math.max(gatherLane, ceil(n, concurrencyOf(ctx.limits, service, kind)));
  }
  const gather = 1 + Math.max(discovery, gatherLane, usageChain);

  const laneTotals: Record<string, { gather: number; execute: number }> = {};
  for (const [name, l] of lanes) laneTotals[name] = { gather: l.preflight + l.discovery + l.describe + l.usage, execute: l.execute };
  return {
    minCalls: Object.values(calls).reduce((a, b) => a + b, 0),
    calls,
    rounds: gather + execute,
    roundsDetail: { gather, 'gather: discovery + describe': discovery, 'gather: busiest read lane': gatherLane, 'gather: longest usage listing': usageChain, execute, 'execute: longest chain': longestChain, 'execute: busiest lane': laneBound },
    lanes: laneTotals,
  };
}

/**
 * The critical path at the services' published rates: each half (gather, execute) takes at least its
 * round trips at `rttMs`, and at least the busiest lane's calls at that lane's rate. Undefined when the
 * table gives no rate for a lane that has calls.
 */
export function criticalPathAtRates(b: Bound, limits: BoundContext['limits'], rttMs: number): { ms: number; limitedBy: string } | undefined {
  const gatherRounds = b.roundsDetail.gather ?? 0;
  const executeRounds = b.roundsDetail.execute ?? 0;
  let gatherMs = gatherRounds * rttMs;
  let executeMs = executeRounds * rttMs;
  let gatherBy = 'round trips';
  let executeBy = 'round trips';
  for (const [name, l] of Object.entries(b.lanes)) {
    const [service, , kind] = name.split(' ') as [string, string, Kind];
    const rate = rateOf(limits, service, kind);
    if (rate === undefined) return undefined;
    if ((l.gather / rate) * 1000 > gatherMs) [gatherMs, gatherBy] = [(l.gather / rate) * 1000, `${name} at ${rate}/s`];
    if ((l.execute / rate) * 1000 > executeMs) [executeMs, executeBy] = [(l.execute / rate) * 1000, `${name} at ${rate}/s`];
  }
  return { ms: gatherMs + executeMs, limitedBy: `gather: ${gatherBy}; execute: ${executeBy}` };
}
