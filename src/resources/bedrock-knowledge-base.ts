import type { BedrockAgentClient, DataSource, KnowledgeBase } from '@aws-sdk/client-bedrock-agent';
import type { ResourceRef } from '../model.js';
import { AGENT_NOT_FOUND, AGENT_PAGE, agentClient, agentSdk, agentTags, bedrockArn, bedrockName, functionArn, waitUntilAgentGone } from './bedrock-common.js';
import { bucketArn, callerWhere, describeOrGone, every, onResource, unique, unlessGone, withoutMetadata } from './common.js';
import { GONE, type Child, type Gone, type HandlerContext, type Listed, type LiveResource, type ResourceHandler } from './handler.js';

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
  nameOf: bedrockName,

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
  deleteActions: {
    tagged: ['bedrock:ListTagsForResource', 'bedrock:ListDataSources', 'bedrock:DeleteKnowledgeBase', 'bedrock:GetKnowledgeBase'],
    held: ['bedrock:DeleteDataSource', 'bedrock:GetDataSource'],
  },
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
        await waitUntilAgentGone(
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
    await waitUntilAgentGone(
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
