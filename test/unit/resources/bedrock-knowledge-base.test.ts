import {
  BedrockAgentClient,
  DeleteDataSourceCommand,
  DeleteKnowledgeBaseCommand,
  GetDataSourceCommand,
  GetKnowledgeBaseCommand,
  ListDataSourcesCommand,
  ListKnowledgeBasesCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-bedrock-agent';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { functionArn } from '../../../src/resources/bedrock-common.js';
import { bedrockKnowledgeBase as handler, vectorStoreOf } from '../../../src/resources/bedrock-knowledge-base.js';
import { bucketArn } from '../../../src/resources/common.js';
import { GONE, type Described } from '../../../src/resources/handler.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const agent = mockClient(BedrockAgentClient);
const sts = mockClient(STSClient);
const KB_ID = 'KB12345678';
const ARN = `arn:aws:bedrock:us-east-1:123456789012:knowledge-base/${KB_ID}`;
const ROLE = 'arn:aws:iam::123456789012:role/service-role/AmazonBedrockExecutionRoleForKnowledgeBase_nova';
const COLLECTION = 'arn:aws:aoss:us-east-1:123456789012:collection/abc123';
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const ref = () => refFor(handler, ARN);
const live = (described: Partial<Described> = {}) => liveFor(handler, ARN, described);
const notFound = (what = 'Knowledge base not found') => awsError('ResourceNotFoundException', what, 404);
const ops = () => agent.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
/** What moto answers for an operation it does not implement: HTTP 500 with an HTML page. */
const notAws = () => Object.assign(new SyntaxError(`Unexpected token '<', "<!doctype "... is not valid JSON\n  Deserialization error: ...`), { $metadata: { httpStatusCode: 500 } });

const KB = {
  knowledgeBaseId: KB_ID,
  name: 'nova-rag',
  knowledgeBaseArn: ARN,
  roleArn: ROLE,
  status: 'ACTIVE' as const,
  knowledgeBaseConfiguration: {
    type: 'VECTOR' as const,
    vectorKnowledgeBaseConfiguration: {
      embeddingModelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0',
      supplementalDataStorageConfiguration: { storageLocations: [{ type: 'S3' as const, s3Location: { uri: 's3://nova-images/extracted/' } }] },
    },
  },
  storageConfiguration: {
    type: 'OPENSEARCH_SERVERLESS' as const,
    opensearchServerlessConfiguration: { collectionArn: COLLECTION, vectorIndexName: 'idx', fieldMapping: { vectorField: 'v', textField: 't', metadataField: 'm' } },
  },
  createdAt: new Date(0),
  updatedAt: new Date(0),
};
const source = (dataSourceId: string, more: Record<string, unknown> = {}) => ({
  knowledgeBaseId: KB_ID,
  dataSourceId,
  name: `src-${dataSourceId}`,
  status: 'AVAILABLE' as const,
  dataDeletionPolicy: 'DELETE' as const,
  dataSourceConfiguration: { type: 'S3' as const, s3Configuration: { bucketArn: 'arn:aws:s3:::nova-docs' } },
  createdAt: new Date(0),
  updatedAt: new Date(0),
  ...more,
});
const withSources = (...sources: ReturnType<typeof source>[]) => live({ config: { knowledgeBase: KB, dataSources: sources } });

/** A knowledge base with one S3 data source whose ingestion runs a Lambda transformation. */
function aLiveKnowledgeBase() {
  agent.on(GetKnowledgeBaseCommand, { knowledgeBaseId: KB_ID }).resolves({ knowledgeBase: KB, $metadata: { httpStatusCode: 200 } });
  agent.on(ListDataSourcesCommand).resolves({ dataSourceSummaries: [{ knowledgeBaseId: KB_ID, dataSourceId: 'DS1', name: 'docs', status: 'AVAILABLE', updatedAt: new Date(0) }] });
  agent.on(GetDataSourceCommand, { knowledgeBaseId: KB_ID, dataSourceId: 'DS1' }).resolves({
    dataSource: source('DS1', {
      vectorIngestionConfiguration: {
        customTransformationConfiguration: {
          intermediateStorage: { s3Location: { uri: 's3://nova-scratch/tmp' } },
          transformations: [{ stepToApply: 'POST_CHUNKING', transformationFunction: { transformationLambdaConfiguration: { lambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:chunker:live' } } }],
        },
      },
    }),
  });
  agent.on(ListTagsForResourceCommand, { resourceArn: ARN }).resolves({ tags: { project: 'nova' } });
}

describe('bedrock:knowledge-base', () => {
  beforeEach(() => {
    agent.reset();
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:sts::123456789012:assumed-role/cleaner/s' });
  });
  afterEach(() => vi.useRealTimers());

  it('owns knowledge-base ARNs (a bedrock ARN, though its client is bedrock-agent) and may use roles, buckets and functions', () => {
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.source.startsWith('^arn:[\\w-]+:bedrock:')).toBe(true);
    expect(handler.arnPattern.test('arn:aws:bedrock:us-east-1:123456789012:agent/AG12345678')).toBe(false);
    expect(handler.arnPattern.test(`${ARN}/data-source/DS1`)).toBe(false);
    expect(handler.arnPattern.test('arn:aws:bedrock-agent:us-east-1:123456789012:knowledge-base/KB12345678')).toBe(false);
    expect(handler.nameOf(ARN)).toBe(KB_ID);
    expect(handler.client).toBe('bedrock-agent');
    expect(handler.taggingApi).toBe(true);
    expect(handler.references).toEqual(['iam:role', 's3:bucket', 'lambda:function']);
    expect(handler.notFound).toEqual(['ResourceNotFoundException']);
  });

  it('names buckets and unqualified functions from what the service reports', () => {
    expect(bucketArn('aws', 's3://nova-docs/prefix/a')).toBe('arn:aws:s3:::nova-docs');
    expect(bucketArn('aws-cn', 'arn:aws-cn:s3:::nova-docs')).toBe('arn:aws-cn:s3:::nova-docs');
    expect(bucketArn('aws', 'https://example.com/x')).toBeUndefined();
    expect(functionArn('arn:aws:lambda:us-east-1:123456789012:function:chunker:live')).toBe('arn:aws:lambda:us-east-1:123456789012:function:chunker');
    expect(functionArn('arn:aws:lambda:us-east-1:123456789012:function:chunker')).toBe('arn:aws:lambda:us-east-1:123456789012:function:chunker');
    expect(functionArn('arn:aws:lambda:us-east-1:123456789012:layer:x:1')).toBeUndefined();
    expect(functionArn(undefined)).toBeUndefined();
  });

  describe('list', () => {
    it('lists every knowledge base of the region, 1000 a page, as ARNs in the caller account and partition', async () => {
      sts.on(GetCallerIdentityCommand).resolves({ Account: '210987654321', Arn: 'arn:aws-cn:iam::210987654321:user/ops' });
      agent.on(ListKnowledgeBasesCommand)
        .resolvesOnce({ knowledgeBaseSummaries: [{ knowledgeBaseId: 'KB1', name: 'a', status: 'ACTIVE', updatedAt: new Date(0) }], nextToken: 'p2' })
        .resolvesOnce({ knowledgeBaseSummaries: [{ knowledgeBaseId: 'KB2', name: 'b', status: 'DELETING', updatedAt: new Date(0) }] });
      const c = ctx();
      expect(await handler.list(c, 'cn-north-1')).toEqual([
        { arn: 'arn:aws-cn:bedrock:cn-north-1:210987654321:knowledge-base/KB1' },
        { arn: 'arn:aws-cn:bedrock:cn-north-1:210987654321:knowledge-base/KB2' },
      ]);
      expect(agent).toHaveReceivedNthSpecificCommandWith(1, ListKnowledgeBasesCommand, { maxResults: 1000 });
      expect(agent).toHaveReceivedNthSpecificCommandWith(2, ListKnowledgeBasesCommand, { maxResults: 1000, nextToken: 'p2' });
      expect(await agent.call(0).thisValue.config.region()).toBe('cn-north-1');
      // The caller is asked once per run, whatever the region.
      agent.on(ListKnowledgeBasesCommand).resolves({ knowledgeBaseSummaries: [{ knowledgeBaseId: 'KB9', name: 'c', status: 'ACTIVE', updatedAt: new Date(0) }] });
      expect(await handler.list(c, 'cn-northwest-1')).toEqual([{ arn: 'arn:aws-cn:bedrock:cn-northwest-1:210987654321:knowledge-base/KB9' }]);
      expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 1);
    });

    it('asks nobody who the caller is when there is nothing to name', async () => {
      agent.on(ListKnowledgeBasesCommand).resolves({ knowledgeBaseSummaries: [] });
      expect(await handler.list(ctx(), 'us-east-1')).toEqual([]);
      expect(sts).not.toHaveReceivedAnyCommand();
    });

    it('fails, never answers "none", when the listing is not an AWS answer', async () => {
      agent.on(ListKnowledgeBasesCommand).rejects(notAws());
      await expect(handler.list(ctx(), 'us-east-1')).rejects.toThrow('Deserialization error');
    });
  });

  describe('describe and readUses', () => {
    it('reads the knowledge base, each data source in full, the live tags, and what it uses', async () => {
      aLiveKnowledgeBase();
      const d = await handler.describe(ref(), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.config).toMatchObject({ knowledgeBase: { name: 'nova-rag', roleArn: ROLE }, dataSources: [{ dataSourceId: 'DS1', dataDeletionPolicy: 'DELETE' }] });
      expect(d.config).not.toHaveProperty('$metadata');
      expect(d.uses).toEqual([
        ROLE,
        'arn:aws:s3:::nova-images',
        'arn:aws:s3:::nova-docs',
        'arn:aws:s3:::nova-scratch',
        'arn:aws:lambda:us-east-1:123456789012:function:chunker',
      ]);
      expect(agent).toHaveReceivedCommandWith(ListDataSourcesCommand, { knowledgeBaseId: KB_ID, maxResults: 1000 });
      expect(agent).toHaveReceivedCommandWith(GetDataSourceCommand, { knowledgeBaseId: KB_ID, dataSourceId: 'DS1' });
    });

    it('takes the tags discovery read, and reads the same uses without tags for the usage check', async () => {
      aLiveKnowledgeBase();
      const d = await handler.describe(ref(), ctx(), { tags: { project: 'from-discovery' } });
      expect(d !== GONE && d.tags).toEqual({ project: 'from-discovery' });
      expect(agent).not.toHaveReceivedCommand(ListTagsForResourceCommand);
      const uses = await handler.readUses?.(ref(), ctx());
      expect(uses).toEqual(d !== GONE ? d.uses : 'no description');
      expect(agent).not.toHaveReceivedCommand(ListTagsForResourceCommand);
    });

    it('uses only its role when it has no data source', async () => {
      agent.on(GetKnowledgeBaseCommand).resolves({ knowledgeBase: { ...KB, knowledgeBaseConfiguration: { type: 'VECTOR' } } });
      agent.on(ListDataSourcesCommand).resolves({ dataSourceSummaries: [] });
      expect(await handler.readUses?.(ref(), ctx())).toEqual([ROLE]);
    });

    it('is gone when GetKnowledgeBase says not found (no further reads), or when its tags do', async () => {
      agent.on(GetKnowledgeBaseCommand).rejects(notFound());
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
      expect(await handler.readUses?.(ref(), ctx())).toBe(GONE);
      expect(ops()).toEqual(['GetKnowledgeBase', 'GetKnowledgeBase']);
      aLiveKnowledgeBase();
      agent.on(ListTagsForResourceCommand).rejects(notFound('Resource not found'));
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
    });

    it('cannot be read when its data sources cannot be listed (moto answers 500): a failure, never "no data sources"', async () => {
      aLiveKnowledgeBase();
      agent.on(ListDataSourcesCommand).rejects(notAws());
      await expect(handler.describe(ref(), ctx())).rejects.toThrow(/not valid JSON/);
      await expect(handler.readUses?.(ref(), ctx())).rejects.toThrow(/not valid JSON/);
    });

    it('does not take a throttle or a denial for gone', async () => {
      agent.on(GetKnowledgeBaseCommand).rejects(awsError('ThrottlingException', 'Rate exceeded', 429));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('Rate exceeded');
      aLiveKnowledgeBase();
      agent.on(ListTagsForResourceCommand).rejects(awsError('AccessDeniedException', 'not authorized: bedrock:ListTagsForResource', 403));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('bedrock:ListTagsForResource');
    });
  });

  it('reads the current tags with ListTagsForResource on the ARN; gone when unknown', async () => {
    agent.on(ListTagsForResourceCommand, { resourceArn: ARN }).resolves({ tags: { project: 'nova', team: 'ml' } });
    expect(await handler.currentTags(ref(), ctx())).toEqual({ project: 'nova', team: 'ml' });
    agent.on(ListTagsForResourceCommand).resolves({});
    expect(await handler.currentTags(ref(), ctx())).toEqual({});
    agent.on(ListTagsForResourceCommand).rejects(notFound('Resource not found'));
    expect(await handler.currentTags(ref(), ctx())).toBe(GONE);
  });

  it('declares every operation its reads and waits send, and nothing that changes anything', async () => {
    aLiveKnowledgeBase();
    agent.on(ListKnowledgeBasesCommand).resolves({ knowledgeBaseSummaries: [{ knowledgeBaseId: KB_ID, name: 'a', status: 'ACTIVE', updatedAt: new Date(0) }] });
    await handler.list(ctx(), 'us-east-1');
    await handler.readUses?.(ref(), ctx());
    await handler.describe(ref(), ctx());
    await handler.currentTags(ref(), ctx());
    agent.on(GetKnowledgeBaseCommand).rejects(notFound());
    await handler.waitUntilGone?.(ref(), ctx());
    const sent = new Set(ops());
    expect(sent.size).toBe(5);
    for (const op of sent) expect(handler.reads).toContain(op);
    expect(handler.reads.filter((op) => !/^(Get|List)/.test(op))).toEqual([]);
  });

  describe('children and actions', () => {
    it('shows its data sources, saying their embeddings go and the vector store stays and keeps billing', () => {
      const [first, second] = handler.children?.(withSources(source('DS1'), source('DS2', { dataDeletionPolicy: 'RETAIN' }))) ?? [];
      expect(first).toMatchObject({ kind: 'data-source', id: 'DS1' });
      expect(second).toMatchObject({ kind: 'data-source', id: 'DS2' });
      expect(first?.lost).toBe(
        `their embeddings are deleted from the OpenSearch Serverless collection ${COLLECTION}; the vector store itself is NOT deleted and keeps billing until you delete it`,
      );
      const [kept] = handler.children?.(withSources(source('DS3', { dataDeletionPolicy: 'RETAIN' }))) ?? [];
      expect(kept?.lost).toMatch(/^their embeddings stay in the OpenSearch Serverless collection .*; the vector store itself is NOT deleted and keeps billing/);
      expect(handler.children?.(live({ config: { knowledgeBase: KB, dataSources: [] } }))).toEqual([]);
      expect(handler.description).toMatch(/vector store, e\.g\. an OpenSearch Serverless collection, is NOT deleted and keeps billing/);
    });

    it('names each kind of store', () => {
      expect(vectorStoreOf({ ...KB, storageConfiguration: { type: 'RDS', rdsConfiguration: { resourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:kb' } } } as never)).toBe(
        'the Aurora database arn:aws:rds:us-east-1:123456789012:cluster:kb',
      );
      expect(vectorStoreOf({ ...KB, knowledgeBaseConfiguration: { type: 'KENDRA', kendraKnowledgeBaseConfiguration: { kendraIndexArn: 'arn:aws:kendra:us-east-1:123456789012:index/i' } } } as never)).toBe(
        'the Kendra index arn:aws:kendra:us-east-1:123456789012:index/i',
      );
      expect(vectorStoreOf(undefined)).toBe('its vector store');
    });

    it('needs the data source actions only when it has data sources, all on the knowledge base', () => {
      expect(handler.actions(withSources(source('DS1'), source('DS2')))).toEqual(
        ['ListTagsForResource', 'ListDataSources', 'DeleteDataSource', 'GetDataSource', 'DeleteKnowledgeBase', 'GetKnowledgeBase'].map((a) => ({ action: `bedrock:${a}`, resource: ARN })),
      );
      expect(handler.actions(live()).map((a) => a.action)).toEqual(['bedrock:ListTagsForResource', 'bedrock:ListDataSources', 'bedrock:DeleteKnowledgeBase', 'bedrock:GetKnowledgeBase']);
    });
  });

  describe('delete', () => {
    it('deletes the planned and the newly listed data sources, waiting for each, then the knowledge base', async () => {
      agent.on(ListDataSourcesCommand).resolves({ dataSourceSummaries: [{ knowledgeBaseId: KB_ID, dataSourceId: 'DS3', name: 'new', status: 'AVAILABLE', updatedAt: new Date(0) }] });
      agent.on(DeleteDataSourceCommand).resolves({ knowledgeBaseId: KB_ID, dataSourceId: 'x', status: 'DELETING' });
      agent.on(DeleteDataSourceCommand, { dataSourceId: 'DS2' }).rejects(notFound('Data source not found'));
      agent.on(GetDataSourceCommand).rejects(notFound('Data source not found'));
      agent.on(DeleteKnowledgeBaseCommand).resolves({ knowledgeBaseId: KB_ID, status: 'DELETING' });
      const steps = recordingSteps();
      await handler.delete(withSources(source('DS1'), source('DS2')), ctx(), steps);

      expect(steps.log.map((s) => s.name)).toEqual(['delete-data-source', 'delete-data-source', 'delete-data-source', 'delete']);
      expect(steps.log.slice(0, 3).map((s) => s.child?.id)).toEqual(['DS1', 'DS2', 'DS3']);
      expect(steps.log[0]).toMatchObject({ child: { kind: 'data-source', id: 'DS1' }, done: 'deleted data source DS1' });
      for (const dataSourceId of ['DS1', 'DS2', 'DS3']) {
        expect(agent).toHaveReceivedCommandWith(DeleteDataSourceCommand, { knowledgeBaseId: KB_ID, dataSourceId });
        expect(agent).toHaveReceivedCommandWith(GetDataSourceCommand, { knowledgeBaseId: KB_ID, dataSourceId });
      }
      expect(ops()).toEqual([
        'ListDataSources',
        'DeleteDataSource',
        'GetDataSource',
        'DeleteDataSource',
        'GetDataSource',
        'DeleteDataSource',
        'GetDataSource',
        'DeleteKnowledgeBase',
      ]);
      expect(agent).toHaveReceivedCommandWith(DeleteKnowledgeBaseCommand, { knowledgeBaseId: KB_ID });
    });

    it('keeps polling a data source that is still deleting before it deletes the knowledge base', async () => {
      vi.useFakeTimers();
      agent.on(ListDataSourcesCommand).resolves({ dataSourceSummaries: [] });
      agent.on(DeleteDataSourceCommand).resolves({ status: 'DELETING' });
      agent.on(GetDataSourceCommand).resolvesOnce({ dataSource: source('DS1', { status: 'DELETING' }) }).rejects(notFound());
      agent.on(DeleteKnowledgeBaseCommand).resolves({ status: 'DELETING' });
      const done = handler.delete(withSources(source('DS1')), ctx(), recordingSteps());
      await vi.advanceTimersByTimeAsync(20_000);
      await expect(done).resolves.toBeUndefined();
      expect(agent).toHaveReceivedCommandTimes(GetDataSourceCommand, 2);
      expect(ops().at(-1)).toBe('DeleteKnowledgeBase');
    });

    it('stops with the reasons when a data source cannot be deleted, and leaves the knowledge base', async () => {
      agent.on(ListDataSourcesCommand).resolves({ dataSourceSummaries: [] });
      agent.on(DeleteDataSourceCommand).resolves({ status: 'DELETING' });
      agent.on(GetDataSourceCommand).resolves({ dataSource: source('DS1', { status: 'DELETE_UNSUCCESSFUL', failureReasons: ['the collection denied access'] }) });
      await expect(handler.delete(withSources(source('DS1'), source('DS2')), ctx(), recordingSteps())).rejects.toThrow(
        'data source DS1 is DELETE_UNSUCCESSFUL: the collection denied access',
      );
      expect(agent).not.toHaveReceivedCommandWith(DeleteDataSourceCommand, { knowledgeBaseId: KB_ID, dataSourceId: 'DS2' });
      expect(agent).not.toHaveReceivedCommand(DeleteKnowledgeBaseCommand);
    });

    it('deletes a knowledge base without data sources in one step', async () => {
      agent.on(ListDataSourcesCommand).resolves({ dataSourceSummaries: [] });
      agent.on(DeleteKnowledgeBaseCommand).resolves({ status: 'DELETING' });
      const steps = recordingSteps();
      await handler.delete(live(), ctx(), steps);
      expect(steps.log).toEqual([{ name: 'delete', done: `deleted knowledge base ${KB_ID}` }]);
      expect(ops()).toEqual(['ListDataSources', 'DeleteKnowledgeBase']);
    });

    it('sends nothing destructive when the first step is stopped, and leaves the knowledge base when its own step is', async () => {
      agent.on(ListDataSourcesCommand).resolves({ dataSourceSummaries: [] });
      await expect(handler.delete(withSources(source('DS1')), ctx(), recordingSteps({ stopAt: 'delete-data-source' }))).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(ops()).toEqual(['ListDataSources']);
      agent.on(DeleteDataSourceCommand).resolves({ status: 'DELETING' });
      agent.on(GetDataSourceCommand).rejects(notFound());
      const steps = recordingSteps({ stopAt: 'delete' });
      await expect(handler.delete(withSources(source('DS1')), ctx(), steps)).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(steps.log.map((s) => s.name)).toEqual(['delete-data-source']);
      expect(agent).not.toHaveReceivedCommand(DeleteKnowledgeBaseCommand);
    });

    it('leaves not-found on the final delete to the core', async () => {
      agent.on(ListDataSourcesCommand).resolves({});
      agent.on(DeleteKnowledgeBaseCommand).rejects(notFound());
      await expect(handler.delete(live(), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    });
  });

  describe('waitUntilGone', () => {
    it('polls GetKnowledgeBase until it says not found', async () => {
      vi.useFakeTimers();
      agent.on(GetKnowledgeBaseCommand).resolvesOnce({ knowledgeBase: { ...KB, status: 'DELETING' } }).rejects(notFound());
      const done = handler.waitUntilGone?.(ref(), ctx());
      await vi.advanceTimersByTimeAsync(20_000);
      await expect(done).resolves.toBeUndefined();
      expect(agent).toHaveReceivedCommandTimes(GetKnowledgeBaseCommand, 2);
      expect(agent).toHaveReceivedCommandWith(GetKnowledgeBaseCommand, { knowledgeBaseId: KB_ID });
    });

    it('fails with the reasons when the delete did not succeed, and on timeout', async () => {
      agent.on(GetKnowledgeBaseCommand).resolves({ knowledgeBase: { ...KB, status: 'DELETE_UNSUCCESSFUL', failureReasons: ['vector index still in use'] } });
      await expect(handler.waitUntilGone?.(ref(), ctx())).rejects.toThrow(`knowledge base ${KB_ID} is DELETE_UNSUCCESSFUL: vector index still in use`);
      vi.useFakeTimers();
      agent.on(GetKnowledgeBaseCommand).resolves({ knowledgeBase: { ...KB, status: 'DELETING' } });
      const done = handler.waitUntilGone?.(ref(), testContext({ waitTimeoutSeconds: 5 }));
      const failed = expect(done).rejects.toMatchObject({ name: 'TimeoutError' });
      await vi.advanceTimersByTimeAsync(10_000);
      await failed;
    });

    it('ends the wait at once on a denial', async () => {
      agent.on(GetKnowledgeBaseCommand).rejects(awsError('AccessDeniedException', 'not authorized: bedrock:GetKnowledgeBase', 403));
      await expect(handler.waitUntilGone?.(ref(), ctx())).rejects.toThrow('bedrock:GetKnowledgeBase');
      expect(agent).toHaveReceivedCommandTimes(GetKnowledgeBaseCommand, 1);
    });
  });
});
