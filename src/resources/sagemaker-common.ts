import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { formatArn, lastSegment, parseArn } from '../aws/arn.js';
import type { ResourceRef, Tags } from '../model.js';
import { tagListToRecord } from '../tags.js';
import type { HandlerContext } from './handler.js';

/** Helpers shared by the SageMaker handlers (one file per type; this is not a type). */

export const sagemakerSdk = () => import('@aws-sdk/client-sagemaker');

export function sagemakerArnPattern(kind: string): RegExp {
  return new RegExp(`^arn:[\\w-]+:sagemaker:[\\w-]+:\\d{12}:${kind}/[^/]+$`);
}

export const sagemakerName = (arn: string): string => lastSegment(parseArn(arn)?.resource ?? arn);

/** The ARN of another SageMaker resource of `kind` named `name`, in the same account and region as `ref`. */
export function siblingArn(ref: ResourceRef, kind: string, name: string): string {
  return formatArn({ partition: ref.partition, service: 'sagemaker', region: ref.region, account: ref.account, resource: `${kind}/${name}` });
}

export function sagemaker(ctx: HandlerContext, ref: ResourceRef): Promise<SageMakerClient> {
  return ctx.aws.get('sagemaker', ref.region);
}

/** All tags of a SageMaker resource (ListTags, every page of 100). */
export async function sagemakerTags(client: SageMakerClient, arn: string): Promise<Tags> {
  const { paginateListTags } = await sagemakerSdk();
  const tags: { Key?: string; Value?: string }[] = [];
  for await (const page of paginateListTags({ client, pageSize: 100 }, { ResourceArn: arn })) tags.push(...(page.Tags ?? []));
  return tagListToRecord(tags);
}

export { describeOrGone, withoutMetadata } from './common.js';
