import { partition } from '@aws-sdk/core/client';

/**
 * Offline region check against the partition data the SDK itself ships. `partition()` falls back to
 * the `aws` partition for any string, but only a region listed in that data carries a description.
 */
export function regionInfo(region: string): { partition: string; description: string } | undefined {
  if (!/^[a-z]{2,}(-[a-z0-9]+)+-\d+$/.test(region)) return undefined;
  const p = partition(region) as { name: string; description?: string };
  if (!p.description) return undefined;
  return { partition: p.name, description: p.description };
}
