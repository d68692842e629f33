import { Factory, type TagMap } from './factory.js';

/**
 * Randomized worlds for the scope tests: tagged resources, look-alike decoys (another value, another key,
 * untagged, same name prefix), and untagged or out-of-region users of tagged resources. A world is a
 * plain description (generated from a seed, so a failure can be replayed), built on moto resource by
 * resource; `expectedDeleted` is an oracle written independently of the tool: what matches the tag, in
 * the run's regions, and is not used by anything that stays.
 */

export const TAG_KEY = 'project';
export const TAG_VALUE = 'rand';
export const REGIONS = ['us-east-1', 'us-west-2'] as const;

export type Kind = 'role' | 'function' | 'model' | 'config' | 'endpoint' | 'notebook' | 'bucket';

export interface Node {
  readonly kind: Kind;
  readonly name: string;
  readonly region: string;
  readonly tags: TagMap | undefined;
  /** Names of what it uses (a role, a model, a config). */
  readonly uses: readonly string[];
}

export interface WorldSpec {
  readonly seed: number;
  readonly nodes: readonly Node[];
  /** The regions the run cleans. */
  readonly runRegions: readonly string[];
}

/** mulberry32: a small seeded PRNG, so each world can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateWorld(seed: number): WorldSpec {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const chance = (p: number) => rnd() < p;
  /** Mostly the project's tag; otherwise a look-alike decoy. */
  const tags = (): TagMap | undefined =>
    pick<TagMap | undefined>([{ [TAG_KEY]: TAG_VALUE }, { [TAG_KEY]: TAG_VALUE }, { [TAG_KEY]: TAG_VALUE }, undefined, { [TAG_KEY]: `${TAG_VALUE}-other` }, { owner: TAG_VALUE }]);
  const region = () => (chance(0.7) ? 'us-east-1' : 'us-west-2');
  const nodes: Node[] = [];
  const p = `r${seed}`;

  const roles = Array.from({ length: 2 + Math.floor(rnd() * 3) }, (_, i) => `${p}-role-${i}`);
  for (const r of roles) nodes.push({ kind: 'role', name: r, region: 'us-east-1', tags: tags(), uses: [] });
  for (let i = 0; i < 1 + Math.floor(rnd() * 3); i++) nodes.push({ kind: 'function', name: `${p}-fn-${i}`, region: region(), tags: tags(), uses: [pick(roles)] });
  const models: Node[] = [];
  for (let i = 0; i < Math.floor(rnd() * 3); i++) {
    const m: Node = { kind: 'model', name: `${p}-model-${i}`, region: region(), tags: tags(), uses: [pick(roles)] };
    models.push(m);
    nodes.push(m);
  }
  const configs: Node[] = [];
  for (const m of models) {
    if (!chance(0.6)) continue;
    const c: Node = { kind: 'config', name: `${m.name}-config`, region: m.region, tags: tags(), uses: [m.name] };
    configs.push(c);
    nodes.push(c);
  }
  for (const c of configs) if (chance(0.6)) nodes.push({ kind: 'endpoint', name: `${c.name}-ep`, region: c.region, tags: tags(), uses: [c.name] });
  if (chance(0.5)) nodes.push({ kind: 'notebook', name: `${p}-nb`, region: region(), tags: tags(), uses: [pick(roles)] });
  for (let i = 0; i < Math.floor(rnd() * 3); i++) nodes.push({ kind: 'bucket', name: `${p}-bucket-${i}`, region: region(), tags: tags(), uses: [] });
  const runRegions = chance(0.25) ? [...REGIONS] : ['us-east-1'];
  return { seed, nodes, runRegions };
}

const matches = (n: Node) => n.tags?.[TAG_KEY] === TAG_VALUE;
/** IAM roles are global: in scope whatever the regions; everything else only in the run's regions. */
const inScope = (n: Node, regions: readonly string[]) => n.kind === 'role' || regions.includes(n.region);

/** The oracle: the largest set of matching, in-scope resources such that nothing outside it uses a member. */
export function expectedDeleted(w: WorldSpec): Set<string> {
  const set = new Set(w.nodes.filter((n) => matches(n) && inScope(n, w.runRegions)).map((n) => n.name));
  for (let changed = true; changed; ) {
    changed = false;
    for (const n of w.nodes) {
      if (set.has(n.name)) continue;
      for (const u of n.uses) {
        if (set.delete(u)) changed = true;
      }
    }
  }
  return set;
}

/** Creates the world on moto (users after what they use), returning each node's ARN by name. */
export async function buildSpec(endpoint: string, w: WorldSpec): Promise<Map<string, string>> {
  const f = new Factory(endpoint);
  const arns = new Map<string, string>();
  const arnOf = (name: string) => arns.get(name) as string;
  const order: Kind[] = ['role', 'bucket', 'function', 'model', 'config', 'endpoint', 'notebook'];
  try {
    for (const kind of order) {
      for (const n of w.nodes.filter((x) => x.kind === kind)) {
        const use = n.uses[0] as string;
        let arn: string;
        if (kind === 'role') arn = await f.role(n.name, n.tags);
        else if (kind === 'bucket') arn = await f.bucket(n.name, n.region, n.tags);
        else if (kind === 'function') arn = await f.fn(n.name, arnOf(use), n.region, n.tags);
        else if (kind === 'model') arn = await f.model(n.name, arnOf(use), n.region, n.tags);
        else if (kind === 'config') arn = await f.endpointConfig(n.name, use, n.region, n.tags);
        else if (kind === 'endpoint') arn = await f.endpoint(n.name, use, n.region, n.tags);
        else arn = await f.notebook(n.name, arnOf(use), n.region, n.tags);
        arns.set(n.name, arn);
      }
    }
  } finally {
    f.close();
  }
  return arns;
}

/** One line per node, for a failure message that can be read without the seed. */
export function describeWorld(w: WorldSpec): string {
  return [
    `seed ${w.seed}, run regions ${w.runRegions.join(',')}`,
    ...w.nodes.map((n) => `  ${n.kind} ${n.name} ${n.region} ${n.tags ? JSON.stringify(n.tags) : 'untagged'}${n.uses.length ? ` uses ${n.uses.join(',')}` : ''}`),
  ].join('\n');
}
