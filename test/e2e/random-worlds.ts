import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildSpec, describeWorld, expectedDeleted, generateWorld, TAG_KEY, TAG_VALUE } from '../../scripts/lib/random-world.js';
import { snapshot } from '../../scripts/lib/world.js';
import type { Report } from '../../src/model.js';
import { describeWithMoto, runCli } from './harness.js';
import { startProxy } from '../../scripts/lib/proxy.js';

/** How many randomized worlds in all (by default 16, 8 a file, to keep CI short; `npm run worlds`: 200), split over the files that call this. */
const TOTAL = worldCount(process.env.RANDOM_WORLDS);

/** RANDOM_WORLDS as a whole number of at least 1: a typo must not turn the suite into zero worlds that pass. */
function worldCount(raw: string | undefined): number {
  if (raw === undefined) return 16;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`RANDOM_WORLDS "${raw}": must be a whole number of worlds, at least 1`);
  return n;
}

/** Every resource name left in the emulated account, both regions. */
async function liveNames(url: string): Promise<Set<string>> {
  const names = new Set<string>();
  for (const region of ['us-east-1', 'us-west-2']) {
    const s = await snapshot(url, region);
    for (const [family, list] of Object.entries(s)) if (family !== 'mappings') for (const item of list) names.add(item.split(' ')[0] as string);
  }
  return names;
}

/**
 * Part `part` of `parts` of the randomized worlds: on each, a dry run sends no mutating request and plans
 * exactly the oracle's set; the real run deletes exactly that set and leaves everything else.
 */
export function randomWorldSuite(part: number, parts: number): void {
  describeWithMoto(`randomized worlds, part ${part + 1} of ${parts}`, (moto) => {
    const seeds = Array.from({ length: TOTAL }, (_, i) => 1000 + i).filter((_, i) => i % parts === part);
    it.each(seeds)('world %i: deletes exactly what matches and nothing that stays uses', async (seed) => {
      await moto().reset();
      const world = generateWorld(seed);
      const arns = await buildSpec(moto().url, world);
      const expected = expectedDeleted(world);
      const expectedArns = new Set([...expected].map((n) => arns.get(n)));
      const why = describeWorld(world);
      const backupDir = await mkdtemp(join(tmpdir(), 'nova-random-'));
      const args = ['--tag', `${TAG_KEY}=${TAG_VALUE}`, ...world.runRegions.flatMap((r) => ['--region', r]), '--json', '--backup-dir', backupDir];
      const proxy = await startProxy(moto().url);
      try {
        const dry = await runCli([...args, '--dry-run'], { endpoint: proxy.url });
        expect(dry.stderr, why).not.toMatch(/unexpected error/);
        expect(dry.code, `${why}\n${dry.stderr}`).toBe(0);
        expect(proxy.mutating(), why).toEqual([]);
        const planned = (JSON.parse(dry.stdout) as Report).resources.filter((o) => o.status === 'planned').map((o) => o.arn);
        expect(new Set(planned), why).toEqual(expectedArns);

        const real = await runCli([...args, '--yes'], { endpoint: proxy.url });
        const report = JSON.parse(real.stdout) as Report;
        expect(report.resources.filter((o) => o.status === 'failed'), why).toEqual([]);
        expect(real.code, why).toBe(0);
        const deleted = report.resources.filter((o) => o.status === 'deleted').map((o) => o.arn);
        expect(new Set(deleted), why).toEqual(expectedArns);
      } finally {
        await proxy.stop();
      }
      const left = await liveNames(moto().url);
      for (const n of world.nodes) expect(left.has(n.name), `${n.name} ${expected.has(n.name) ? 'should be gone' : 'should stay'}\n${why}`).toBe(!expected.has(n.name));
    });
  });
}
