import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { sdkPackage } from '../aws/sdk.js';
import type { RestoreContext, RestoreEntry } from './restorer.js';
import { found, tagList } from './restorer.js';

export const sagemakerSdk = () => sdkPackage('@aws-sdk/client-sagemaker');

/** SageMaker answers a Describe of a missing resource with a ValidationException. */
const NOT_FOUND = ['ValidationException', 'ResourceNotFound'];

export const sagemakerClient = (e: RestoreEntry, ctx: RestoreContext): Promise<SageMakerClient> => ctx.aws.get('sagemaker', e.region);

/** True when the Describe call (`describe(sdk, client)`) answers. */
export async function sagemakerExists(
  e: RestoreEntry,
  ctx: RestoreContext,
  describe: (s: Awaited<ReturnType<typeof sagemakerSdk>>, client: SageMakerClient) => Promise<unknown>,
): Promise<boolean> {
  const [s, client] = await Promise.all([sagemakerSdk(), sagemakerClient(e, ctx)]);
  return found(NOT_FOUND, () => describe(s, client));
}

/** The entry's tags as SageMaker's Create calls take them (none: the key is left out). */
export const sagemakerTags = (e: RestoreEntry) => (Object.keys(e.tags).length ? { Tags: tagList(e.tags) } : {});

/** The keys of `config` a Create call takes, as described (null and absent ones left out). */
export function pick<K extends string>(config: Record<string, unknown>, keys: readonly K[]): Partial<Record<K, never>> {
  const out: Partial<Record<K, never>> = {};
  for (const k of keys) if (config[k] !== null && config[k] !== undefined) out[k] = config[k] as never;
  return out;
}
