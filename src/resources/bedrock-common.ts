import type { BedrockClient } from '@aws-sdk/client-bedrock';
import type { BedrockAgentClient } from '@aws-sdk/client-bedrock-agent';
import { sdkPackage } from '../aws/sdk.js';
import { formatArn, lastSegment, parseArn } from '../aws/arn.js';
import type { ResourceRef, Tags } from '../model.js';
import { describeOrGone, pollUntilDone, type Where } from './common.js';
import { GONE, waiterOptions, type Gone, type HandlerContext } from './handler.js';

/**
 * What the Bedrock types share (this file is not a type): Amazon Bedrock's client (`bedrock`: custom,
 * imported and served models, customization jobs) and that of Agents for Amazon Bedrock
 * (`bedrock-agent`: agents, knowledge bases), their not-found, pages, tags and waits.
 */

const bedrockSdk = () => sdkPackage('@aws-sdk/client-bedrock');
export const agentSdk = () => sdkPackage('@aws-sdk/client-bedrock-agent');

/** What Bedrock answers for a model, job or ARN it does not know (Get, Delete, Stop, ListTagsForResource). */
export const BEDROCK_NOT_FOUND = ['ResourceNotFoundException'];
/** ListCustomModels and ListModelCustomizationJobs take up to 1000 a page. */
export const BEDROCK_PAGE = 1000;

export const bedrock = (ctx: HandlerContext, ref: Pick<ResourceRef, 'region'>): Promise<BedrockClient> => ctx.aws.get('bedrock', ref.region);

/** The name a Bedrock ARN ends in (`custom-model/<base>/<id>`: the id; `agent/<id>`: the id). */
export const bedrockName = (arn: string): string => lastSegment(parseArn(arn)?.resource ?? arn);

/**
 * The identifier Bedrock's calls take for a model or job ARN. AWS's ARNs end in `<base-model>/<id>`
 * (`custom-model/amazon.nova-micro-v1:0:128k/abc123def456`, `custom-model/imported/<id>`) and name no
 * model: the ARN itself is sent, which every call accepts. An ARN of one segment
 * (`custom-model/<name>`, as moto makes them) ends in the name, which every call accepts too; moto
 * finds models and jobs in a URL path by name only.
 */
export function bedrockIdentifier(arn: string): string {
  const resource = parseArn(arn)?.resource ?? '';
  const slash = resource.indexOf('/');
  const rest = slash === -1 ? '' : resource.slice(slash + 1);
  return rest && !rest.includes('/') ? rest : arn;
}

/** Its tags (ListTagsForResource: one page, at most 50 tags), or GONE when Bedrock does not know the ARN. */
export async function bedrockTags(client: BedrockClient, arn: string): Promise<Tags | Gone> {
  const { ListTagsForResourceCommand } = await bedrockSdk();
  const out = await describeOrGone(BEDROCK_NOT_FOUND, () => client.send(new ListTagsForResourceCommand({ resourceARN: arn })));
  if (out === GONE) return GONE;
  const tags: Tags = {};
  for (const t of out.tags ?? []) if (t.key !== undefined) tags[t.key] = t.value ?? '';
  return tags;
}

/**
 * Polls `read` until Bedrock no longer knows the resource (not-found: done). Any answer, whatever its
 * status, means it is still there; any other error (denied, throttled past the SDK's retries) ends the
 * wait at once, as a waiter failure. Throws on failure, timeout or abort. For Bedrock deletes that have
 * no status of their own to wait for (Provisioned Throughput, custom model deployments).
 */
export function waitUntilBedrockGone(
  client: BedrockClient,
  ctx: HandlerContext,
  delays: { minDelay: number; maxDelay: number },
  read: () => Promise<{ status?: string | undefined }>,
): Promise<void> {
  return pollUntilDone(waiterOptions(client, ctx, delays), {}, { read: async () => (await read()).status, notFound: BEDROCK_NOT_FOUND });
}

/** What bedrock-agent answers for an agent, alias, knowledge base, data source or ARN it does not know. */
export const AGENT_NOT_FOUND: readonly string[] = ['ResourceNotFoundException'];
/** Every bedrock-agent List call takes up to 1000 a page. */
export const AGENT_PAGE = 1000;
/** Deletes of agents, aliases, knowledge bases and data sources take seconds to minutes. */
const AGENT_WAIT_DELAYS = { minDelay: 2, maxDelay: 15 };

export const agentClient = (ctx: HandlerContext, region: string): Promise<BedrockAgentClient> => ctx.aws.get('bedrock-agent', region);

/** `arn:<partition>:bedrock:<region>:<account>:<resource>`: agents and knowledge bases live under `bedrock`. */
export const bedrockArn = (w: Where, resource: string): string => formatArn({ ...w, service: 'bedrock', resource });

export { functionArn } from './common.js';

/** Its tags (bedrock-agent ListTagsForResource, one map), or GONE when the service does not know the ARN. */
export async function agentTags(client: BedrockAgentClient, arn: string): Promise<Tags | Gone> {
  const { ListTagsForResourceCommand } = await agentSdk();
  const out = await describeOrGone(AGENT_NOT_FOUND, () => client.send(new ListTagsForResourceCommand({ resourceArn: arn })));
  return out === GONE ? GONE : { ...out.tags };
}

/**
 * Resolves once `poll` (a bedrock-agent Get) says not found. A status in `failed` ends the wait with an
 * error naming `what`, the status and its reasons; any other error of the poll (denied, throttled past
 * the SDK's retries) is thrown at once as it came; throws on timeout or abort. For agents, aliases,
 * knowledge bases and data sources.
 */
export function waitUntilAgentGone(
  client: BedrockAgentClient,
  ctx: HandlerContext,
  what: string,
  poll: () => Promise<{ status?: string | undefined; reasons?: readonly string[] | undefined }>,
  failed: readonly string[],
): Promise<void> {
  return pollUntilDone(waiterOptions(client, ctx, AGENT_WAIT_DELAYS), {}, {
    read: () => poll(),
    notFound: AGENT_NOT_FOUND,
    failed: ({ status, reasons }) => Boolean(status && failed.includes(status)) && new Error(`${what} is ${status}${reasons?.length ? `: ${reasons.join('; ')}` : ''}`),
    otherErrors: 'thrown',
  });
}
