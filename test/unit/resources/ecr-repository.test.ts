import {
  DeleteRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  GetRepositoryPolicyCommand,
  ListImagesCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GONE, type Described } from '../../../src/resources/handler.js';
import { ecrRepository as handler } from '../../../src/resources/ecr-repository.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const ecr = mockClient(ECRClient);
const ACCOUNT = '123456789012';
const NAME = 'nova/trainer-image';
const ARN = `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${NAME}`;
const ref = () => refFor(handler, ARN);
const ctx = () => testContext();
const live = (described: Partial<Described> = {}) => liveFor(handler, ARN, described);
const withImages = (...ids: { imageDigest?: string; imageTag?: string }[]) => live({ config: { Images: ids } });
const notFound = () => awsError('RepositoryNotFoundException', `The repository with name '${NAME}' does not exist in the registry with id '${ACCOUNT}'`);
const sent = () => ecr.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
const TARGET = { registryId: ACCOUNT, repositoryName: NAME };

const REPO = {
  repositoryArn: ARN,
  registryId: ACCOUNT,
  repositoryName: NAME,
  repositoryUri: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${NAME}`,
  imageTagMutability: 'IMMUTABLE' as const,
  imageScanningConfiguration: { scanOnPush: true },
  encryptionConfiguration: { encryptionType: 'KMS' as const, kmsKey: 'arn:aws:kms:us-east-1:123456789012:key/k1' },
};

/** A repository with no lifecycle policy, no repository policy, no tags and no images. */
function bareRepository() {
  ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [REPO] });
  ecr.on(ListTagsForResourceCommand).resolves({ tags: [] });
  ecr.on(GetLifecyclePolicyCommand).rejects(awsError('LifecyclePolicyNotFoundException', 'Lifecycle policy does not exist'));
  ecr.on(GetRepositoryPolicyCommand).rejects(awsError('RepositoryPolicyNotFoundException', 'Repository policy does not exist'));
  ecr.on(ListImagesCommand).resolves({ imageIds: [] });
}

describe('ecr:repository', () => {
  beforeEach(() => ecr.reset());

  it('owns repository ARNs, names with slashes included, and uses nothing', () => {
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(`arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/plain`)).toBe(true);
    expect(handler.arnPattern.test(`arn:aws:ecr-public::${ACCOUNT}:repository/public`)).toBe(false);
    expect(handler.arnPattern.test(`arn:aws:ecr:us-east-1:${ACCOUNT}:pull-through-cache-rule/x`)).toBe(false);
    expect(handler.arnPattern.test(`arn:aws:ecr:us-east-1:${ACCOUNT}:repository/`)).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova/trainer-image');
    expect(handler.nameOf(`arn:aws:ecr:us-east-1:${ACCOUNT}:repository/a/b/c`)).toBe('a/b/c');
    expect(handler.references).toEqual([]);
    expect(handler.notFound).toEqual(['RepositoryNotFoundException']);
    expect(handler.client).toBe('ecr');
    expect(handler.taggingApi).toBe(true);
    expect(handler.waitUntilGone).toBeUndefined();
    expect(handler.reads.filter((op) => !/^(Describe|Get|List)/.test(op))).toEqual([]);
  });

  describe('list', () => {
    it('lists every repository of the region, 1000 a page, using nothing and without tags', async () => {
      const OTHER = `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/other`;
      ecr.on(DescribeRepositoriesCommand)
        .resolvesOnce({ repositories: [{ repositoryArn: ARN, repositoryName: NAME }], nextToken: 'p2' })
        .resolvesOnce({ repositories: [{ repositoryArn: OTHER }, { repositoryName: 'no-arn' }] });
      expect(await handler.list(ctx(), 'eu-west-1')).toEqual([
        { arn: ARN, uses: [] },
        { arn: OTHER, uses: [] },
      ]);
      expect(ecr).toHaveReceivedNthSpecificCommandWith(1, DescribeRepositoriesCommand, { maxResults: 1000 });
      expect(ecr).toHaveReceivedNthSpecificCommandWith(2, DescribeRepositoriesCommand, { maxResults: 1000, nextToken: 'p2' });
      expect(await ecr.call(0).thisValue.config.region()).toBe('eu-west-1');
      expect(sent().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });
  });

  describe('describe', () => {
    it('reads the repository, its tags, lifecycle and repository policies, and every image id', async () => {
      ecr.on(DescribeRepositoriesCommand, { registryId: ACCOUNT, repositoryNames: [NAME] }).resolves({ repositories: [REPO], $metadata: {} });
      ecr.on(ListTagsForResourceCommand, { resourceArn: ARN }).resolves({ tags: [{ Key: 'project', Value: 'nova' }, { Key: 'owner', Value: 'ml' }] });
      ecr.on(GetLifecyclePolicyCommand, TARGET).resolves({
        ...TARGET,
        lifecyclePolicyText: '{"rules":[{"rulePriority":1,"action":{"type":"expire"}}]}',
        $metadata: {},
      });
      ecr.on(GetRepositoryPolicyCommand, TARGET).resolves({ ...TARGET, policyText: '{"Version":"2012-10-17","Statement":[{"Sid":"pull"}]}' });
      ecr.on(ListImagesCommand)
        .resolvesOnce({ imageIds: [{ imageDigest: 'sha256:a', imageTag: 'latest' }], nextToken: 'i2' })
        .resolvesOnce({ imageIds: [{ imageDigest: 'sha256:a', imageTag: 'v1' }, { imageDigest: 'sha256:b' }] });

      const d = await handler.describe(ref(), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova', owner: 'ml' });
      expect(d.uses).toEqual([]);
      expect(d.config).toMatchObject({
        repositoryName: NAME,
        imageTagMutability: 'IMMUTABLE',
        encryptionConfiguration: { encryptionType: 'KMS' },
        LifecyclePolicy: { lifecyclePolicyText: { rules: [{ rulePriority: 1 }] } },
        RepositoryPolicy: { policyText: { Version: '2012-10-17', Statement: [{ Sid: 'pull' }] } },
        Images: [{ imageDigest: 'sha256:a', imageTag: 'latest' }, { imageDigest: 'sha256:a', imageTag: 'v1' }, { imageDigest: 'sha256:b' }],
      });
      expect(d.config).not.toHaveProperty('$metadata');
      expect(d.config.LifecyclePolicy).not.toHaveProperty('$metadata');
      expect(ecr).toHaveReceivedNthSpecificCommandWith(1, ListImagesCommand, { ...TARGET, maxResults: 1000 });
      expect(ecr).toHaveReceivedNthSpecificCommandWith(2, ListImagesCommand, { ...TARGET, maxResults: 1000, nextToken: 'i2' });
      // Everything it sent is a declared read.
      expect(new Set(sent())).toEqual(new Set(['DescribeRepositories', 'ListTagsForResource', 'GetLifecyclePolicy', 'GetRepositoryPolicy', 'ListImages']));
      expect(sent().filter((op) => !handler.reads.includes(op))).toEqual([]);

      // Two images (one under two tags): counted once each, and said to be lost.
      expect(handler.children?.({ ref: ref(), described: d })).toEqual([{ kind: 'image', id: '*', count: 2, lost: 'container images not in the backup' }]);
    });

    it('records an absent lifecycle policy and repository policy as null, named by their own errors', async () => {
      bareRepository();
      const d = await handler.describe(ref(), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.config).toMatchObject({ LifecyclePolicy: null, RepositoryPolicy: null, Images: [] });
      expect(d.tags).toEqual({});
      expect(handler.children?.({ ref: ref(), described: d })).toEqual([]);
    });

    it('takes only the named error as "no policy": any other answer is a read failure', async () => {
      bareRepository();
      ecr.on(GetRepositoryPolicyCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: ecr:GetRepositoryPolicy', 403));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('ecr:GetRepositoryPolicy');
    });

    it('uses the live tags list discovery read instead of reading them again', async () => {
      bareRepository();
      const d = await handler.describe(ref(), ctx(), { tags: { project: 'nova' } });
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova' });
      expect(ecr).not.toHaveReceivedCommand(ListTagsForResourceCommand);
    });

    it('is gone when the repository is not found, without the sub-reads', async () => {
      ecr.on(DescribeRepositoriesCommand).rejects(notFound());
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
      expect(sent()).toEqual(['DescribeRepositories']);
    });

    it('is gone when it vanishes between the describe and the sub-reads', async () => {
      bareRepository();
      ecr.on(ListImagesCommand).rejects(notFound());
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
    });

    it('does not take a throttle, or an answer without the repository, for gone', async () => {
      ecr.on(DescribeRepositoriesCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('Rate exceeded');
      ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [] });
      await expect(handler.describe(ref(), ctx())).rejects.toThrow(/did not return repository nova\/trainer-image/);
    });
  });

  describe('children and actions', () => {
    it('counts images by digest, and has no child when the repository is empty', () => {
      expect(handler.children?.(live())).toEqual([]);
      expect(handler.children?.(withImages({ imageDigest: 'sha256:a', imageTag: 'x' }))).toEqual([{ kind: 'image', id: '*', count: 1, lost: 'container images not in the backup' }]);
    });

    it('needs the tag read and DeleteRepository on the repository, with or without images', () => {
      const expected = [
        { action: 'ecr:ListTagsForResource', resource: ARN },
        { action: 'ecr:DeleteRepository', resource: ARN },
      ];
      expect(handler.actions(live())).toEqual(expected);
      expect(handler.actions(withImages({ imageDigest: 'sha256:a' }))).toEqual(expected);
    });
  });

  describe('currentTags', () => {
    it('reads the live tags with ListTagsForResource, or says gone', async () => {
      ecr.on(ListTagsForResourceCommand, { resourceArn: ARN }).resolves({ tags: [{ Key: 'project', Value: 'nova' }, { Key: 'empty', Value: '' }] });
      expect(await handler.currentTags(ref(), ctx())).toEqual({ project: 'nova', empty: '' });
      ecr.on(ListTagsForResourceCommand).rejects(notFound());
      expect(await handler.currentTags(ref(), ctx())).toBe(GONE);
      ecr.on(ListTagsForResourceCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
      await expect(handler.currentTags(ref(), ctx())).rejects.toThrow('denied');
      expect(sent().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });
  });

  describe('delete', () => {
    it('deletes the repository and its images in one forced step', async () => {
      ecr.on(DeleteRepositoryCommand).resolves({ repository: REPO });
      const steps = recordingSteps();
      await handler.delete(withImages({ imageDigest: 'sha256:a', imageTag: 'latest' }, { imageDigest: 'sha256:b' }), ctx(), steps);
      expect(steps.log).toEqual([{ name: 'delete', done: 'deleted repository nova/trainer-image and its 2 images' }]);
      expect(ecr).toHaveReceivedCommandWith(DeleteRepositoryCommand, { ...TARGET, force: true });
      expect(sent()).toEqual(['DeleteRepository']);
    });

    it('says nothing of images for an empty repository', async () => {
      ecr.on(DeleteRepositoryCommand).resolves({});
      const steps = recordingSteps();
      await handler.delete(live(), ctx(), steps);
      expect(steps.log).toEqual([{ name: 'delete', done: 'deleted repository nova/trainer-image' }]);
    });

    it('sends nothing when its step is stopped', async () => {
      await expect(handler.delete(live(), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(sent()).toEqual([]);
    });

    it('lets not-found on the delete through, for the core to re-read', async () => {
      ecr.on(DeleteRepositoryCommand).rejects(notFound());
      await expect(handler.delete(live(), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'RepositoryNotFoundException' });
    });
  });
});
