import {
  CodeStarConnectionsClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  ListConnectionsCommand,
  ListTagsForResourceCommand,
  type Connection,
} from '@aws-sdk/client-codestar-connections';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { codeconnectionsConnection as handler } from '../../../src/resources/codeconnections-connection.js';
import { GONE } from '../../../src/resources/handler.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const cc = mockClient(CodeStarConnectionsClient);
const ACCOUNT = '123456789012';
const ID = '0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const NEW = `arn:aws:codeconnections:us-east-1:${ACCOUNT}:connection/${ID}`;
const OLD = `arn:aws:codestar-connections:us-east-1:${ACCOUNT}:connection/9f8e7d6c-5b4a-3210-fedc-ba9876543210`;
const ctx = () => testContext();
const ops = () => cc.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

const connection = (arn = NEW, extra: Partial<Connection> = {}): Connection => ({
  ConnectionName: 'mlops-github',
  ConnectionArn: arn,
  ProviderType: 'GitHub',
  OwnerAccountId: 'octo-org',
  ConnectionStatus: 'PENDING',
  ...extra,
});

describe('codeconnections:connection', () => {
  beforeEach(() => cc.reset());

  it('owns connection ARNs under both prefixes, not hosts; uses nothing', () => {
    expect(handler.type).toBe('codeconnections:connection');
    expect(handler.arnPattern.test(NEW)).toBe(true);
    expect(handler.arnPattern.test(OLD)).toBe(true);
    expect(handler.arnPattern.test(`arn:aws-cn:codeconnections:cn-north-1:${ACCOUNT}:connection/${ID}`)).toBe(true);
    expect(handler.arnPattern.test(`arn:aws:codeconnections:us-east-1:${ACCOUNT}:host/my-ghes-${ID}`)).toBe(false);
    expect(handler.arnPattern.test(`arn:aws:codeconnections:us-east-1:${ACCOUNT}:repository-link/${ID}`)).toBe(false);
    expect(handler.arnPattern.test(`arn:aws:codestar:us-east-1:${ACCOUNT}:connection/${ID}`)).toBe(false);
    expect(handler.nameOf(NEW)).toBe(ID);
    expect(handler.client).toBe('codeconnections');
    expect(handler.taggingApi).toBe(true);
    expect(handler.references).toEqual([]);
    expect(handler.notFound).toEqual(['ResourceNotFoundException']);
    expect(handler.reads).toEqual(['ListConnections', 'GetConnection', 'ListTagsForResource']);
    expect(handler.waitUntilGone).toBeUndefined();
    expect(handler.children).toBeUndefined();
  });

  it('lists every connection of the region by ARN, 100 a page, both prefixes', async () => {
    cc.on(ListConnectionsCommand)
      .resolvesOnce({ Connections: [connection(NEW)], NextToken: 'n2' })
      .resolvesOnce({ Connections: [connection(OLD), { ConnectionName: 'no-arn' }] });
    expect(await handler.list(ctx(), 'eu-west-1')).toEqual([{ arn: NEW }, { arn: OLD }]);
    expect(cc).toHaveReceivedNthSpecificCommandWith(1, ListConnectionsCommand, { MaxResults: 100 });
    expect(cc).toHaveReceivedNthSpecificCommandWith(2, ListConnectionsCommand, { MaxResults: 100, NextToken: 'n2' });
    expect(await cc.call(0).thisValue.config.region()).toBe('eu-west-1');
  });

  describe('describe and currentTags', () => {
    it('gives the connection and its live tags, by its ARN', async () => {
      cc.on(GetConnectionCommand, { ConnectionArn: OLD }).resolves({ Connection: connection(OLD), $metadata: { httpStatusCode: 200 } });
      cc.on(ListTagsForResourceCommand, { ResourceArn: OLD }).resolves({ Tags: [{ Key: 'CreatedBy', Value: 'MLOpsAgent' }, { Key: 'sagemaker', Value: 'true' }] });
      const d = await handler.describe(refFor(handler, OLD), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d).toEqual({ tags: { CreatedBy: 'MLOpsAgent', sagemaker: 'true' }, config: { Connection: connection(OLD) }, uses: [] });
      expect(ops().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('takes a tags hint instead of reading them', async () => {
      cc.on(GetConnectionCommand).resolves({ Connection: connection() });
      const d = await handler.describe(refFor(handler, NEW), ctx(), { tags: { project: 'hinted' } });
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'hinted' });
      expect(ops()).toEqual(['GetConnection']);
    });

    it('is gone when it cannot be found; other errors go through', async () => {
      cc.on(GetConnectionCommand).rejects(awsError('ResourceNotFoundException', `Connection ${NEW} does not exist`));
      cc.on(ListTagsForResourceCommand).resolves({ Tags: [] });
      expect(await handler.describe(refFor(handler, NEW), ctx())).toBe(GONE);
      cc.on(ListTagsForResourceCommand).rejects(awsError('ResourceNotFoundException', 'no such resource'));
      expect(await handler.currentTags(refFor(handler, NEW), ctx())).toBe(GONE);
      cc.on(GetConnectionCommand).rejects(awsError('ResourceUnavailableException', 'try later'));
      await expect(handler.describe(refFor(handler, NEW), ctx())).rejects.toThrow('try later');
    });

    it('reads the live tags with ListTagsForResource alone', async () => {
      cc.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
      expect(await handler.currentTags(refFor(handler, NEW), ctx())).toEqual({ project: 'nova' });
      expect(ops()).toEqual(['ListTagsForResource']);
      expect(cc).toHaveReceivedCommandWith(ListTagsForResourceCommand, { ResourceArn: NEW });
    });
  });

  it('needs the IAM actions of the prefix in its ARN', () => {
    expect(handler.actions(liveFor(handler, NEW))).toEqual([
      { action: 'codeconnections:ListTagsForResource', resource: NEW },
      { action: 'codeconnections:DeleteConnection', resource: NEW },
    ]);
    expect(handler.actions(liveFor(handler, OLD))).toEqual([
      { action: 'codestar-connections:ListTagsForResource', resource: OLD },
      { action: 'codestar-connections:DeleteConnection', resource: OLD },
    ]);
  });

  describe('delete', () => {
    it('deletes the connection by its ARN in one step', async () => {
      cc.on(DeleteConnectionCommand).resolves({});
      const steps = recordingSteps();
      await handler.delete(liveFor(handler, OLD), ctx(), steps);
      expect(steps.log).toEqual([{ name: 'delete', done: 'deleted connection 9f8e7d6c-5b4a-3210-fedc-ba9876543210' }]);
      expect(cc).toHaveReceivedCommandWith(DeleteConnectionCommand, { ConnectionArn: OLD });
      expect(ops()).toEqual(['DeleteConnection']);
    });

    it('sends nothing when its step is stopped', async () => {
      await expect(handler.delete(liveFor(handler, NEW), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(ops()).toEqual([]);
    });

    it('lets a failed delete through, not-found included (the core re-reads it)', async () => {
      cc.on(DeleteConnectionCommand).rejects(awsError('ResourceNotFoundException', 'no such connection'));
      await expect(handler.delete(liveFor(handler, NEW), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    });
  });
});
