import { regionInfo } from '../aws/regions.js';
import { NovaError } from '../errors.js';

/** Every region must be a real one in the SDK's offline partition data, all in one partition. */
export function validateRegions(regions: readonly string[]): { partition: string } {
  const partitions = new Set<string>();
  for (const r of regions) {
    const info = regionInfo(r);
    if (!info) throw new NovaError(`unknown region "${r}" (not in the AWS SDK's region list); check --region or AWS_REGION`);
    partitions.add(info.partition);
  }
  if (partitions.size > 1) {
    throw new NovaError(`regions span several partitions (${[...partitions].join(', ')}); run once per partition`);
  }
  return { partition: [...partitions][0] ?? 'aws' };
}
