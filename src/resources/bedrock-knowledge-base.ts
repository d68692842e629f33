import type { BedrockAgentClient, DataSource, KnowledgeBase } from '@aws-sdk/client-bedrock-agent';
import { checkExceptions, createWaiter, WaiterState, type WaiterResult } from '@smithy/core/client';
import { formatArn, lastSegment, parseArn } from '../aws/arn.js';
import type { AwsClients } from '../aws/clients.js';
import { isErrorNamed } from '../aws/errors.js';
import type { ResourceRef, Tags } from '../model.js';
import { describeOrGone, onResource, unlessGone, withoutMetadata } from './common.js';
import { GONE, waiterOptions, type Child, type Gone, type HandlerContext, type Listed, type LiveResource, type ResourceHandler } from './handler.js';

/**
 * Agents for Amazon Bedrock (`bedrock-agent`): the knowledge base type, and what it shares with the
 * agent type (bedrock-agent.ts imports these helpers; there is no common file for this service).
 */

export const agentSdk = () => import('@aws-sdk/client-bedrock-agent');

/** What bedrock-agent answers for an agent, alias, knowledge base, data source or ARN it does not know. */
export const AGENT_NOT_FOUND: readonly string[] = ['ResourceNotFoundException'];
/** Every bedrock-agent List call takes up to 1000 a page. */
export const AGENT_PAGE = 1000;
/** Deletes of agents, aliases, knowledge bases and data sources take seconds to minutes. */
const WAIT_DELAYS = { minDelay: 2, maxDelay: 15 };

export const agentClient = (ctx: HandlerContext, region: string): Promise<BedrockAgentClient> => ctx.aws.get('bedrock-agent', region);

/** Every item of every page of a bedrock-agent list call. */
export async function every<P, T>(pages: AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(items(page) ?? []));
  return out;
}

export const unique = (list: readonly (string | undefined)[]): string[] => [...new Set(list.filter((x): x is string => Boolean(x)))];

interface Where {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

const callers = new WeakMap<AwsClients, Promise<{ account: string; partition: string }>>();

/**
 * The account and partition the run's credentials act in (STS GetCallerIdentity, once per run, a read
 * the core already allows): ListAgents and ListKnowledgeBases give ids, not ARNs, and the handler
 * context does not carry the account.
 */
export async function callerWhere(ctx: HandlerContext, region: string): Promise<Where> {
  let hit = callers.get(ctx.aws);
  if (!hit) {
    hit = (async () => {
      const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
      const sts = await ctx.aws.get('sts', region);
      const me = await sts.send(new GetCallerIdentityCommand({}));
      const partition = parseArn(me.Arn ?? '')?.partition;
      if (!me.Account || !partition) throw new Error('STS GetCallerIdentity named no account');
      return { account: me.Account, partition };
    })();
    callers.set(ctx.aws, hit);
    hit.catch(() => callers.delete(ctx.aws));
  }
  return { ...(await hit), region };
}

/** `arn:<partition>:bedrock:<region>:<account>:<resource>`: agents and knowledge bases live under `bedrock`. */
export const bedrockArn = (w: Where, resource: string): string => formatArn({ ...w, service: 'bedrock', resource });

/** A Lambda function's unqualified ARN (an action group or transformation may name a version or alias). */
export function functionArn(arn: string | undefined): string | undefined {
  const p = arn ? parseArn(arn) : undefined;
  if (p?.service !== 'lambda' || !p.resource.startsWith('function:')) return undefined;
  return formatArn({ ...p, resource: p.resource.split(':').slice(0, 2).join(':') });
}

/** An S3 bucket's ARN from `s3://bucket/key` or a bucket ARN. */
export function bucketArn(partition: string, uriOrArn: string | undefined): string | undefined {
  const bucket = /^s3:\/\/([^/]+)/.exec(uriOrArn ?? '')?.[1] ?? /^arn:[\w-]+:s3:::([^/]+)$/.exec(uriOrArn ?? '')?.[1];
  return bucket ? `arn:${partition}:s3:::${bucket}` : undefined;
}

/** Its tags (bedrock-agent ListTagsForResource, one map), or GONE when the service does not know the ARN. */
export async function agentTags(client: BedrockAgentClient, arn: string): Promise<Tags | Gone> {
  const { ListTagsForResourceCommand } = await agentSdk();
  const out = await describeOrGone(AGENT_NOT_FOUND, () => client.send(new ListTagsForResourceCommand({ resourceArn: arn })));
  return out === GONE ? GONE : { ...out.tags };
}

/**
 * Resolves once `poll` says not found. A status in `failed` ends the wait with its reasons; any other
 * error of the poll (denied, throttled past the SDK's retries) ends it at once; throws on timeout or abort.
 */
export async function waitUntilNotFound(
  client: BedrockAgentClient,
  ctx: HandlerContext,
  what: string,
  poll: () => Promise<{ status?: string | undefined; reasons?: readonly string[] | undefined }>,
  failed: readonly string[],
): Promise<void> {
  const check = async (): Promise<WaiterResult> => {
    try {
      const now = await poll();
      return { state: now.status && failed.includes(now.status) ? WaiterState.FAILURE : WaiterState.RETRY, reason: now };
    } catch (err) {
      return { state: isErrorNamed(err, ...AGENT_NOT_FOUND) ? WaiterState.SUCCESS : WaiterState.FAILURE, reason: err };
    }
  };
  const result = await createWaiter(waiterOptions(client, ctx, WAIT_DELAYS), {}, check);
  if (result.state === WaiterState.FAILURE) {
    const reason: unknown = result.reason;
    if (reason instanceof Error) throw reason;
    const { status, reasons } = reason as { status?: string; reasons?: readonly string[] };
    throw new Error(`${what} is ${status ?? 'not deleted'}${reasons?.length ? `: ${reasons.join('; ')}` : ''}`);
  }
  checkExceptions(result);
}

/** What describe keeps of a knowledge base: GetKnowledgeBase's answer and each data source in full. */
interface KnowledgeBaseConfig {
  readonly knowledgeBase?: KnowledgeBase;
  readonly dataSources?: readonly DataSource[];
}

const configOf = (r: LiveResource): KnowledgeBaseConfig => r.described.config as KnowledgeBaseConfig;
const plannedSources = (r: LiveResource): string[] => unique((configOf(r).dataSources ?? []).map((d) => d.dataSourceId));

/** The knowledge base and its data sources, read live; GONE when it no longer exists. */
async function readKnowledgeBase(client: BedrockAgentClient, knowledgeBaseId: string): Promise<KnowledgeBaseConfig | Gone> {
  const s = await agentSdk();
  const got = await describeOrGone(AGENT_NOT_FOUND, () => client.send(new s.GetKnowledgeBaseCommand({ knowledgeBaseId })));
  if (got === GONE) return GONE;
  const summaries = await every(s.paginateListDataSources({ client, pageSize: AGENT_PAGE }, { knowledgeBaseId }), (p) => p.dataSourceSummaries);
  const dataSources = await Promise.all(
    unique(summaries.map((d) => d.dataSourceId)).map(async (dataSourceId) => {
      const out = await client.send(new s.GetDataSourceCommand({ knowledgeBaseId, dataSourceId }));
      return out.dataSource ?? { knowledgeBaseId, dataSourceId };
    }),
  );
  return { ...withoutMetadata(got), dataSources } as KnowledgeBaseConfig;
}

/**
 * What it uses: its service role, the S3 buckets it reads documents from (each S3 data source), keeps
 * intermediate files in (custom transformations) or writes extracted images to (supplemental storage),
 * and the Lambda functions that transform documents at ingestion.
 */
function usesOf(c: KnowledgeBaseConfig, partition: string): string[] {
  const kb = c.knowledgeBase;
  const supplemental = kb?.knowledgeBaseConfiguration?.vectorKnowledgeBaseConfiguration?.supplementalDataStorageConfiguration?.storageLocations ?? [];
  return unique([
    kb?.roleArn,
    ...supplemental.map((l) => bucketArn(partition, l.s3Location?.uri)),
    ...(c.dataSources ?? []).flatMap((d) => {
      const custom = d.vectorIngestionConfiguration?.customTransformationConfiguration;
      return [
        bucketArn(partition, d.dataSourceConfiguration?.s3Configuration?.bucketArn),
        bucketArn(partition, custom?.intermediateStorage?.s3Location?.uri),
        ...(custom?.transformations ?? []).map((t) => functionArn(t.transformationFunction?.transformationLambdaConfiguration?.lambdaArn)),
      ];
    }),
  ]);
}

/** The store behind the knowledge base, in words: what a delete leaves behind (and billing). */
export function vectorStoreOf(kb: KnowledgeBase | undefined): string {
  const st = kb?.storageConfiguration;
  const conf = kb?.knowledgeBaseConfiguration;
  if (conf?.type === 'KENDRA') return `the Kendra index ${conf.kendraKnowledgeBaseConfiguration?.kendraIndexArn ?? ''}`.trim();
  const named: Record<string, [string, string | undefined]> = {
    OPENSEARCH_SERVERLESS: ['the OpenSearch Serverless collection', st?.opensearchServerlessConfiguration?.collectionArn],
    OPENSEARCH_MANAGED_CLUSTER: ['the OpenSearch domain', st?.opensearchManagedClusterConfiguration?.domainArn],
    RDS: ['the Aurora database', st?.rdsConfiguration?.resourceArn],
    NEPTUNE_ANALYTICS: ['the Neptune Analytics graph', st?.neptuneAnalyticsConfiguration?.graphArn],
    S3_VECTORS: ['the S3 vector index', st?.s3VectorsConfiguration?.indexArn ?? st?.s3VectorsConfiguration?.vectorBucketArn],
    PINECONE: ['the Pinecone index', st?.pineconeConfiguration?.connectionString],
    REDIS_ENTERPRISE_CLOUD: ['the Redis Enterprise Cloud database', st?.redisEnterpriseCloudConfiguration?.endpoint],
    MONGO_DB_ATLAS: ['the MongoDB Atlas cluster', st?.mongoDbAtlasConfiguration?.endpoint],
  };
  const [what, id] = named[st?.type ?? ''] ?? ['its vector store', undefined];
  return id ? `${what} ${id}` : what;
}

/**
 * What deleting the data sources loses, and what stays: a data source with the DELETE policy removes
 * its embeddings from the store, RETAIN keeps them; the store itself is never deleted (AWS: "the vector
 * store itself is not deleted"), so it keeps billing. One text for all of a knowledge base's data
 * sources (the plan shows them as one group).
 */
function dataSourceLoss(c: KnowledgeBaseConfig): string {
  const deleting = (c.dataSources ?? []).some((d) => d.dataDeletionPolicy !== 'RETAIN');
  const store = vectorStoreOf(c.knowledgeBase);
  const vectors = deleting ? `their embeddings are deleted from ${store}` : `their embeddings stay in ${store}`;
  return `${vectors}; the vector store itself is NOT deleted and keeps billing until you delete it`;
}

/**
 * A knowledge base for Bedrock (RAG). Its data sources are deleted first, each waited for (with the
 * DELETE data deletion policy this removes their embeddings from the vector store), then
 * DeleteKnowledgeBase, which is asynchronous: waited for until GetKnowledgeBase says not found. The
 * vector store (an OpenSearch Serverless collection, an Aurora database, Pinecone...) is NOT deleted by
 * either call and keeps billing; the plan says so. An agent that stays and uses the knowledge base keeps
 * it (bedrock:agent references this type). Its role, buckets and transformation functions are separate
 * resources, deleted after it.
 *
 * Tagging API: AWS says GetResources supports all resource types except IAM users and roles (and Auto
 * Scaling groups) (resourcegroupstagging supported-services.html), and knowledge bases are taggable
 * (bedrock/latest/userguide/tagging.html, bedrock-agent TagResource): returned. moto's Tagging API
 * returns no Bedrock resource: the end-to-end test uses `--discovery list`.
 */
export const bedrockKnowledgeBase: ResourceHandler = {
  type: 'bedrock:knowledge-base',
  description:
    'Bedrock knowledge base (deletes its data sources, then DeleteKnowledgeBase; the vector store, e.g. an OpenSearch Serverless collection, is NOT deleted and keeps billing)',
  arnPattern: /^arn:[\w-]+:bedrock:[\w-]+:\d{12}:knowledge-base\/[^/]+$/,
  client: 'bedrock-agent',
  taggingApi: true,
  references: ['iam:role', 's3:bucket', 'lambda:function'],
  notFound: AGENT_NOT_FOUND,
  reads: ['ListKnowledgeBases', 'GetKnowledgeBase', 'ListTagsForResource', 'ListDataSources', 'GetDataSource'],
  nameOf: (arn) => lastSegment(parseArn(arn)?.resource ?? arn),

  /** ListKnowledgeBases gives ids (no ARN, no tags, no uses): the ARNs are built in the caller's account. */
  async list(ctx, region) {
    const { paginateListKnowledgeBases } = await agentSdk();
    const client = await agentClient(ctx, region);
    const summaries = await every(paginateListKnowledgeBases({ client, pageSize: AGENT_PAGE }, {}), (p) => p.knowledgeBaseSummaries);
    if (summaries.length === 0) return [];
    const where = await callerWhere(ctx, region);
    return unique(summaries.map((k) => k.knowledgeBaseId)).map((id): Listed => ({ arn: bedrockArn(where, `knowledge-base/${id}`) }));
  },

  async readUses(ref, ctx) {
    const c = await readKnowledgeBase(await agentClient(ctx, ref.region), ref.name);
    return c === GONE ? GONE : usesOf(c, ref.partition);
  },

  async describe(ref, ctx, hint) {
    const client = await agentClient(ctx, ref.region);
    const c = await readKnowledgeBase(client, ref.name);
    if (c === GONE) return GONE;
    const tags = hint?.tags ?? (await agentTags(client, ref.arn));
    if (tags === GONE) return GONE;
    return { tags, config: { ...c }, uses: usesOf(c, ref.partition) };
  },

  children(r) {
    const ids = plannedSources(r);
    if (ids.length === 0) return [];
    const lost = dataSourceLoss(configOf(r));
    return ids.map((id): Child => ({ kind: 'data-source', id, lost }));
  },

  // Data sources are authorized on their knowledge base; the delete lists them again, and both waits poll.
  actions: (r) =>
    onResource(r.ref.arn, [
      'bedrock:ListTagsForResource',
      'bedrock:ListDataSources',
      ...(plannedSources(r).length > 0 ? ['bedrock:DeleteDataSource', 'bedrock:GetDataSource'] : []),
      'bedrock:DeleteKnowledgeBase',
      'bedrock:GetKnowledgeBase',
    ]),

  async currentTags(ref, ctx) {
    return agentTags(await agentClient(ctx, ref.region), ref.arn);
  },

  async delete(r, ctx, steps) {
    const s = await agentSdk();
    const client = await agentClient(ctx, r.ref.region);
    const knowledgeBaseId = r.ref.name;
    // A data source added since the plan would be left behind: list them again.
    const listed = await every(s.paginateListDataSources({ client, pageSize: AGENT_PAGE }, { knowledgeBaseId }), (p) => p.dataSourceSummaries);
    for (const dataSourceId of unique([...plannedSources(r), ...listed.map((d) => d.dataSourceId)])) {
      await steps.run({ name: 'delete-data-source', child: { kind: 'data-source', id: dataSourceId }, done: `deleted data source ${dataSourceId}` }, async () => {
        await unlessGone(AGENT_NOT_FOUND, () => client.send(new s.DeleteDataSourceCommand({ knowledgeBaseId, dataSourceId })));
        await waitUntilNotFound(
          client,
          ctx,
          `data source ${dataSourceId}`,
          async () => {
            const d = (await client.send(new s.GetDataSourceCommand({ knowledgeBaseId, dataSourceId }))).dataSource;
            return { status: d?.status, reasons: d?.failureReasons };
          },
          ['DELETE_UNSUCCESSFUL', 'FAILED'],
        );
      });
    }
    await steps.run({ name: 'delete', done: `deleted knowledge base ${knowledgeBaseId}` }, () => client.send(new s.DeleteKnowledgeBaseCommand({ knowledgeBaseId })));
  },

  async waitUntilGone(ref: ResourceRef, ctx: HandlerContext) {
    const { GetKnowledgeBaseCommand } = await agentSdk();
    const client = await agentClient(ctx, ref.region);
    await waitUntilNotFound(
      client,
      ctx,
      `knowledge base ${ref.name}`,
      async () => {
        const kb = (await client.send(new GetKnowledgeBaseCommand({ knowledgeBaseId: ref.name }))).knowledgeBase;
        return { status: kb?.status, reasons: kb?.failureReasons };
      },
      ['DELETE_UNSUCCESSFUL', 'FAILED'],
    );
  },
};
