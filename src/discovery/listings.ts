import { sdkPackage } from '../aws/sdk.js';
import type { AwsClients } from '../aws/clients.js';
import type { Throughput } from '../aws/throughput.js';
import { clientOf, type HandlerContext, type Listed, type ResourceHandler } from '../resources/handler.js';
import { partition as partitionOf } from '@aws-sdk/core/client';

/**
 * Each type's listing of a region, read once per run, however many phases need it: list discovery,
 * the usage check (who may use a candidate) and the owner check (what a stack owns) all take it from
 * here. A listing may be started early (as soon as discovery shows which types are candidates), so that
 * it runs while the candidates are being described instead of after. A failed listing stays failed: each
 * phase that needs it reports it in its own way.
 */
export class Listings {
  private readonly lists = new Map<string, Promise<Listed[]>>();
  private readonly owned = new Map<string, Promise<{ readonly arn: string; readonly owns: readonly string[] }[]>>();
  private regions: Promise<string[]> | undefined;
  /** Listings started (each once), for the plan's usage figures. */
  started = 0;

  constructor(
    private readonly ctx: HandlerContext,
    private readonly throughput: Throughput,
  ) {}

  /** Every live resource of the type in the region (the handler's `list`), within its read lane. */
  list(h: ResourceHandler, region: string): Promise<Listed[]> {
    const key = `${h.type}|${region}`;
    let p = this.lists.get(key);
    if (!p) {
      this.started += 1;
      p = this.throughput.run(clientOf(h), region, 'read', () => h.list(this.ctx, region));
      p.catch(() => undefined); // read (and reported) by whoever awaits it; an early start must not go unhandled
      this.lists.set(key, p);
    }
    return p;
  }

  /** The listing of a type in a region if it has been started, else undefined (never starts one). */
  peek(type: string, region: string): Promise<Listed[]> | undefined {
    return this.lists.get(`${type}|${region}`);
  }

  /** What each owner of the type in the region owns (`listOwned`, from the same listing). */
  listOwned(h: ResourceHandler, region: string): Promise<{ readonly arn: string; readonly owns: readonly string[] }[]> {
    const key = `${h.type}|${region}`;
    let p = this.owned.get(key);
    if (!p) {
      const listOwned = h.listOwned?.bind(h);
      p = listOwned
        ? this.list(h, region).then((listed) => this.throughput.run(clientOf(h), region, 'read', () => listOwned(this.ctx, region, listed)))
        : Promise.resolve([]);
      p.catch(() => undefined);
      this.owned.set(key, p);
    }
    return p;
  }

  /** The regions enabled for the account (EC2 DescribeRegions), asked once. */
  enabledRegions(aws: AwsClients, home: string, partition: string): Promise<string[]> {
    if (!this.regions) {
      this.regions = enabledRegions(aws, home, partition);
      this.regions.catch(() => undefined);
    }
    return this.regions;
  }
}

/** The regions enabled for the account, in the run's partition (EC2 DescribeRegions, opt-in regions that are not opted in excluded). */
export async function enabledRegions(aws: AwsClients, home: string, partition: string): Promise<string[]> {
  const { DescribeRegionsCommand } = await sdkPackage('@aws-sdk/client-ec2');
  const ec2 = await aws.get('ec2', home);
  const out = await ec2.send(new DescribeRegionsCommand({ AllRegions: false }));
  const names = (out.Regions ?? [])
    .filter((r) => r.OptInStatus !== 'not-opted-in')
    .flatMap((r) => (r.RegionName ? [r.RegionName] : []))
    .filter((r) => (partitionOf(r) as { name: string }).name === partition);
  if (names.length === 0) throw new Error('DescribeRegions returned no region');
  return [...new Set(names)].sort();
}
