import { DeleteVpcCommand, DescribeRegionsCommand, DescribeVpcsCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  IAMClient,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  PutRolePolicyCommand,
  SimulatePrincipalPolicyCommand,
  TagRoleCommand,
} from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteAliasCommand,
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  DeleteFunctionUrlConfigCommand,
  GetAliasCommand,
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  LambdaClient,
  ListAliasesCommand,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  ListTagsCommand as LambdaListTagsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  RemovePermissionCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-lambda';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  GetObjectTaggingCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  AddTagsCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteModelCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListModelsCommand,
  ListTagsCommand as SageMakerListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetFederationTokenCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { clientConfig } from '../../scripts/lib/world.js';
import { describeWithMoto } from './harness.js';
import { awsError, classify, isMutating, seededShare, startProxy, throttleError, type Proxy, type RecordedRequest } from '../../scripts/lib/proxy.js';

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: '*' }] });
/** The smallest valid zip: an empty archive (end-of-central-directory record only). */
const EMPTY_ZIP = Uint8Array.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);
const ACCOUNT = '123456789012';

/** A SigV4 Authorization header with the given scope (the signature is not checked by anyone). */
const signed = (service: string, region = 'us-east-1') => ({
  authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=00`,
});

describe('classify: operation, service, region and protocol from the wire', () => {
  it.each([
    ['GET', '/bucket?tagging', 'GetBucketTagging'],
    ['GET', '/bucket?versions&max-keys=1000', 'ListObjectVersions'],
    ['GET', '/bucket?max-keys=10&versions', 'ListObjectVersions'],
    ['POST', '/bucket?delete', 'DeleteObjects'],
    ['DELETE', '/bucket', 'DeleteBucket'],
    ['DELETE', '/bucket/', 'DeleteBucket'],
    ['HEAD', '/bucket', 'HeadBucket'],
    ['PUT', '/bucket', 'CreateBucket'],
    ['PUT', '/bucket/key', 'PutObject'],
    ['PUT', '/bucket/a/b/c.bin', 'PutObject'],
    ['GET', '/bucket/key', 'GetObject'],
    ['HEAD', '/bucket/key', 'HeadObject'],
    ['DELETE', '/bucket/key', 'DeleteObject'],
    ['GET', '/bucket?uploads', 'ListMultipartUploads'],
    ['POST', '/bucket/key?uploads', 'CreateMultipartUpload'],
    ['DELETE', '/bucket/key?uploadId=abc', 'AbortMultipartUpload'],
    ['GET', '/bucket/key?uploadId=abc', 'ListParts'],
    ['GET', '/bucket?policy', 'GetBucketPolicy'],
    ['GET', '/bucket?versioning', 'GetBucketVersioning'],
    ['GET', '/bucket?lifecycle', 'GetBucketLifecycleConfiguration'],
    ['GET', '/bucket?encryption', 'GetBucketEncryption'],
    ['GET', '/bucket?publicAccessBlock', 'GetPublicAccessBlock'],
    ['GET', '/bucket?cors', 'GetBucketCors'],
    ['GET', '/bucket?object-lock', 'GetObjectLockConfiguration'],
    ['GET', '/bucket?ownershipControls', 'GetBucketOwnershipControls'],
    ['GET', '/bucket?notification', 'GetBucketNotificationConfiguration'],
    ['GET', '/bucket?analytics', 'ListBucketAnalyticsConfigurations'],
    ['GET', '/bucket?analytics&id=a1', 'GetBucketAnalyticsConfiguration'],
    ['GET', '/bucket?list-type=2&prefix=x', 'ListObjectsV2'],
    ['GET', '/bucket?prefix=x', 'ListObjects'],
    ['GET', '/bucket/key?retention', 'GetObjectRetention'],
    ['GET', '/bucket/key?legal-hold', 'GetObjectLegalHold'],
    ['GET', '/bucket/key?tagging&versionId=v1', 'GetObjectTagging'],
    ['PUT', '/bucket?tagging', 'PutBucketTagging'],
    ['DELETE', '/bucket?policy', 'DeleteBucketPolicy'],
    ['GET', '/', 'ListBuckets'],
    ['GET', '/bucket/key?x-id=GetObject', 'GetObject'],
  ])('S3 %s %s → %s', (method, url, operation) => {
    const c = classify({ method, url, headers: signed('s3'), body: '' });
    expect(c).toMatchObject({ service: 's3', region: 'us-east-1', protocol: 'rest-xml', operation });
  });

  it('tells S3 copies from uploads by the copy-source header', () => {
    const copy = { ...signed('s3'), 'x-amz-copy-source': '/src/key' };
    expect(classify({ method: 'PUT', url: '/bucket/key', headers: copy, body: '' }).operation).toBe('CopyObject');
    expect(classify({ method: 'PUT', url: '/bucket/key?partNumber=1&uploadId=u', headers: copy, body: '' }).operation).toBe('UploadPartCopy');
    expect(classify({ method: 'PUT', url: '/bucket/key?partNumber=1&uploadId=u', headers: signed('s3'), body: '' }).operation).toBe('UploadPart');
  });

  const ARN = encodeURIComponent('arn:aws:lambda:us-east-1:123456789012:function:f');
  it.each([
    ['GET', '/2015-03-31/functions/', 'ListFunctions'],
    ['GET', '/2015-03-31/functions/f', 'GetFunction'],
    ['GET', '/2015-03-31/functions/f?Qualifier=1', 'GetFunction'],
    ['DELETE', '/2015-03-31/functions/f', 'DeleteFunction'],
    ['GET', '/2015-03-31/functions/f/configuration', 'GetFunctionConfiguration'],
    ['GET', '/2015-03-31/event-source-mappings/?FunctionName=f', 'ListEventSourceMappings'],
    ['GET', '/2015-03-31/event-source-mappings/uuid-1', 'GetEventSourceMapping'],
    ['DELETE', '/2015-03-31/event-source-mappings/uuid-1', 'DeleteEventSourceMapping'],
    ['GET', `/2017-03-31/tags/${ARN}`, 'ListTags'],
    ['POST', `/2017-03-31/tags/${ARN}`, 'TagResource'],
    ['DELETE', `/2017-03-31/tags/${ARN}?tagKeys=a`, 'UntagResource'],
    ['GET', '/2015-03-31/functions/f/aliases', 'ListAliases'],
    ['DELETE', '/2015-03-31/functions/f/aliases/live', 'DeleteAlias'],
    ['GET', '/2015-03-31/functions/f/versions', 'ListVersionsByFunction'],
    ['GET', '/2015-03-31/functions/f/policy', 'GetPolicy'],
    ['DELETE', '/2015-03-31/functions/f/policy/sid-1', 'RemovePermission'],
    ['GET', '/2021-10-31/functions/f/url', 'GetFunctionUrlConfig'],
    ['GET', '/2019-09-30/functions/f/concurrency', 'GetFunctionConcurrency'],
    ['DELETE', '/2017-10-31/functions/f/concurrency', 'DeleteFunctionConcurrency'],
    ['GET', '/2019-09-30/functions/f/provisioned-concurrency?List=ALL', 'ListProvisionedConcurrencyConfigs'],
    ['GET', '/2019-09-30/functions/f/provisioned-concurrency?Qualifier=1', 'GetProvisionedConcurrencyConfig'],
    ['GET', '/2018-10-31/layers?find=LayerVersion&Arn=x', 'GetLayerVersionByArn'],
    ['GET', '/2018-10-31/layers', 'ListLayers'],
  ])('Lambda %s %s → %s', (method, url, operation) => {
    const c = classify({ method, url, headers: signed('lambda', 'eu-west-1'), body: '' });
    expect(c).toMatchObject({ service: 'lambda', region: 'eu-west-1', protocol: 'rest-json', operation });
  });

  it('reads JSON protocols from X-Amz-Target and query protocols from Action=', () => {
    const json = (target: string, service: string) => classify({ method: 'POST', url: '/', headers: { ...signed(service), 'x-amz-target': target }, body: '{}' });
    expect(json('SageMaker.DescribeEndpoint', 'sagemaker')).toMatchObject({ operation: 'DescribeEndpoint', protocol: 'json', mutating: false });
    expect(json('ResourceGroupsTaggingAPI_20170126.GetResources', 'tagging')).toMatchObject({ operation: 'GetResources', service: 'tagging' });
    const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
    const query = (service: string, body: string) => classify({ method: 'POST', url: '/', headers: { ...signed(service), ...form }, body });
    expect(query('iam', 'Action=CreateRole&Version=2010-05-08&RoleName=r')).toMatchObject({ operation: 'CreateRole', protocol: 'query', mutating: true });
    expect(query('sqs', 'Action=ListQueues&Version=2012-11-05')).toMatchObject({ operation: 'ListQueues', protocol: 'query', service: 'sqs' });
    expect(query('ec2', 'Action=DescribeVpcs&Version=2016-11-15')).toMatchObject({ operation: 'DescribeVpcs', protocol: 'ec2' });
    // An unsigned request: no service or region, and what cannot be named is `METHOD /path`, counted as mutating.
    expect(classify({ method: 'GET', url: '/what/ever?x=1', headers: {}, body: '' })).toEqual({
      service: '',
      region: '',
      operation: 'GET /what/ever',
      protocol: 'rest-json',
      mutating: true,
    });
  });

  it('counts only reads as not mutating; GetSessionToken and GetFederationToken mint credentials', () => {
    for (const op of ['GetRole', 'ListRoles', 'DescribeEndpoint', 'HeadBucket', 'GetResources', 'SimulatePrincipalPolicy', 'GetCallerIdentity']) expect(isMutating(op), op).toBe(false);
    for (const op of ['CreateRole', 'DeleteObjects', 'GetSessionToken', 'GetFederationToken', 'AssumeRole', 'PutObject', 'Invoke', 'Getaway', 'GET /x']) expect(isMutating(op), op).toBe(true);
  });

  it('shapes errors per protocol', () => {
    const json = awsError('json', 'AccessDeniedException', 'no', 400);
    expect(JSON.parse(json.body ?? '')).toEqual({ __type: 'AccessDeniedException', message: 'no' });
    expect(json.headers?.['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(awsError('query', 'AccessDenied', 'a<b').body).toContain('<Error><Type>Sender</Type><Code>AccessDenied</Code><Message>a&lt;b</Message></Error>');
    expect(awsError('rest-xml', 'AccessDenied', 'no', 403)).toMatchObject({ status: 403, body: expect.stringContaining('<Error><Code>AccessDenied</Code><Message>no</Message>') });
    expect(awsError('rest-json', 'AccessDeniedException', 'no', 403).headers?.['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(awsError('ec2', 'UnauthorizedOperation').body).toContain('<Errors><Error><Code>UnauthorizedOperation</Code>');
  });
});

type Sender = { send(command: never, options?: { abortSignal?: AbortSignal }): Promise<unknown> };

/** Sends commands in turn; remembers the operation each one is (its class name) and which ones failed. */
function tracker() {
  const expected: string[] = [];
  const failed: string[] = [];
  return {
    expected,
    failed,
    async call<T = unknown>(client: Sender, command: object): Promise<T | undefined> {
      const name = command.constructor.name.replace(/Command$/, '');
      expected.push(name);
      try {
        return (await client.send(command as never)) as T;
      } catch (err) {
        failed.push(`${name}: ${(err as Error).name}`);
        return undefined;
      }
    },
  };
}

/** Settles to the error the promise rejected with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

/** Fails fast (instead of at the 120 s test timeout) when a hold never sees its request. */
function within<T>(p: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

describe('fault helpers', () => {
  it('seededShare: the same seed gives the same picks, close to the share; 0 and 1 are never and always', () => {
    const picks = (share: number, seed: number) => Array.from({ length: 4000 }, seededShare(share, seed));
    const a = picks(0.3, 9);
    expect(a).toEqual(picks(0.3, 9));
    expect(a).not.toEqual(picks(0.3, 10));
    expect(a.filter(Boolean).length / a.length).toBeCloseTo(0.3, 1);
    expect(picks(0.6, 1).filter(Boolean).length / 4000).toBeCloseTo(0.6, 1);
    expect(picks(0, 1).some(Boolean)).toBe(false);
    expect(picks(1, 1).every(Boolean)).toBe(true);
    expect(() => seededShare(1.5)).toThrow(/between 0 and 1/);
  });

  it("throttleError: each service's own code and status", () => {
    const t = (service: string, protocol: Parameters<typeof throttleError>[0]['protocol']) => {
      const a = throttleError({ service, protocol });
      return [a.status, /<Code>(\w+)</.exec(a.body ?? '')?.[1] ?? a.headers?.['x-amzn-errortype'] ?? (JSON.parse(a.body ?? '{}') as { __type?: string }).__type];
    };
    expect(t('iam', 'query')).toEqual([400, 'Throttling']);
    expect(t('sts', 'query')).toEqual([400, 'Throttling']);
    expect(t('s3', 'rest-xml')).toEqual([503, 'SlowDown']);
    expect(t('lambda', 'rest-json')).toEqual([429, 'TooManyRequestsException']);
    expect(t('sagemaker', 'json')).toEqual([400, 'ThrottlingException']);
    expect(t('tagging', 'json')).toEqual([400, 'ThrottledException']);
    expect(t('bedrock', 'rest-json')).toEqual([429, 'ThrottlingException']);
    expect(t('ec2', 'ec2')).toEqual([503, 'RequestLimitExceeded']);
  });
});

describeWithMoto('the recording proxy in front of moto', (moto) => {
  let proxy: Proxy;
  const via = (region = 'us-east-1') => ({ ...clientConfig(proxy.url, region), maxAttempts: 1 });
  const direct = (region = 'us-east-1') => ({ ...clientConfig(moto().url, region), maxAttempts: 1 });
  const ops = () => proxy.requests().map((r) => r.operation);
  const by = (operation: string) => proxy.requests().find((r) => r.operation === operation) as RecordedRequest;

  beforeAll(async () => {
    proxy = await startProxy(moto().url);
  });
  afterAll(async () => {
    await proxy?.stop();
  });
  beforeEach(async () => {
    await moto().reset();
    proxy.clear();
  });
  afterEach(() => {
    expect(proxy.errors()).toEqual([]);
  });

  it('forwards /moto-api/* without recording it, and passes answers through unchanged', async () => {
    const viaProxy = await fetch(`${proxy.url}/moto-api/reset`, { method: 'POST' });
    expect(viaProxy.status).toBe(200);
    const wrongMethod = await fetch(`${proxy.url}/moto-api/reset`);
    const wrongDirect = await fetch(`${moto().url}/moto-api/reset`);
    expect([wrongMethod.status, await wrongMethod.text()]).toEqual([wrongDirect.status, await wrongDirect.text()]);
    expect(proxy.requests()).toEqual([]);
  });

  it('IAM and STS (query protocol): operations, service, region, reads vs writes', async () => {
    const iam = new IAMClient(via());
    const sts = new STSClient(via('eu-west-1'));
    const t = tracker();
    await t.call(iam, new CreateRoleCommand({ RoleName: 'r1', AssumeRolePolicyDocument: TRUST }));
    await t.call(iam, new GetRoleCommand({ RoleName: 'r1' }));
    await t.call(iam, new ListRolesCommand({}));
    await t.call(iam, new TagRoleCommand({ RoleName: 'r1', Tags: [{ Key: 'k', Value: 'v' }] }));
    await t.call(iam, new ListRoleTagsCommand({ RoleName: 'r1' }));
    await t.call(iam, new PutRolePolicyCommand({ RoleName: 'r1', PolicyName: 'p', PolicyDocument: POLICY }));
    await t.call(iam, new GetRolePolicyCommand({ RoleName: 'r1', PolicyName: 'p' }));
    await t.call(iam, new ListRolePoliciesCommand({ RoleName: 'r1' }));
    await t.call(iam, new SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/r1`, ActionNames: ['iam:DeleteRole'] }));
    await t.call(iam, new DeleteRolePolicyCommand({ RoleName: 'r1', PolicyName: 'p' }));
    await t.call(iam, new DeleteRoleCommand({ RoleName: 'r1' }));
    await t.call(sts, new GetCallerIdentityCommand({}));
    await t.call(sts, new GetSessionTokenCommand({}));
    await t.call(sts, new GetFederationTokenCommand({ Name: 'fed' }));
    await t.call(sts, new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/r1`, RoleSessionName: 's' }));
    iam.destroy();
    sts.destroy();

    expect(ops()).toEqual(t.expected);
    expect(t.failed).toEqual(['SimulatePrincipalPolicy: Error']); // moto does not implement it (HTTP 500)
    expect(by('SimulatePrincipalPolicy').status).toBe(500);
    expect(proxy.requests().filter((r) => r.service === 'iam').map((r) => r.operation)).toEqual(t.expected.slice(0, 11));
    expect(proxy.requests().every((r) => r.protocol === 'query' && r.outcome === 'forwarded' && r.end !== undefined && r.end >= r.start)).toBe(true);
    expect(by('GetCallerIdentity')).toMatchObject({ service: 'sts', region: 'eu-west-1', status: 200 });
    expect(by('CreateRole')).toMatchObject({ service: 'iam', region: 'us-east-1', method: 'POST', path: '/' });
    const mutating = Object.fromEntries(proxy.requests().map((r) => [r.operation, r.mutating]));
    expect(mutating).toEqual({
      CreateRole: true,
      GetRole: false,
      ListRoles: false,
      TagRole: true,
      ListRoleTags: false,
      PutRolePolicy: true,
      GetRolePolicy: false,
      ListRolePolicies: false,
      SimulatePrincipalPolicy: false,
      DeleteRolePolicy: true,
      DeleteRole: true,
      GetCallerIdentity: false,
      GetSessionToken: true,
      GetFederationToken: true,
      AssumeRole: true,
    });
    expect(proxy.mutating().map((r) => r.operation)).toEqual(['CreateRole', 'TagRole', 'PutRolePolicy', 'DeleteRolePolicy', 'DeleteRole', 'GetSessionToken', 'GetFederationToken', 'AssumeRole']);
    expect(proxy.count('GetRole')).toBe(1);
    expect(proxy.count((r) => r.service === 'sts')).toBe(4);
    proxy.clear();
    expect(proxy.requests()).toEqual([]);
  });

  it('SageMaker, Tagging API, SQS (JSON protocols via X-Amz-Target) and EC2 (query)', async () => {
    const setupIam = new IAMClient(direct());
    const role = await setupIam.send(new CreateRoleCommand({ RoleName: 'sm', AssumeRolePolicyDocument: TRUST }));
    setupIam.destroy();
    const sm = new SageMakerClient(via('eu-west-1'));
    const tagging = new ResourceGroupsTaggingAPIClient(via('eu-west-1'));
    const sqs = new SQSClient(via());
    const ec2 = new EC2Client(via('us-west-2'));
    const t = tracker();
    const container = { Image: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/x:latest` };
    const model = await t.call<{ ModelArn: string }>(sm, new CreateModelCommand({ ModelName: 'm', ExecutionRoleArn: role.Role?.Arn, PrimaryContainer: container }));
    await t.call(sm, new DescribeModelCommand({ ModelName: 'm' }));
    await t.call(sm, new ListModelsCommand({}));
    await t.call(sm, new AddTagsCommand({ ResourceArn: model?.ModelArn, Tags: [{ Key: 'project', Value: 'p' }] }));
    await t.call(sm, new SageMakerListTagsCommand({ ResourceArn: model?.ModelArn }));
    await t.call(tagging, new GetResourcesCommand({ TagFilters: [{ Key: 'project' }] }));
    await t.call(sm, new DeleteModelCommand({ ModelName: 'm' }));
    const q = await t.call<{ QueueUrl: string }>(sqs, new CreateQueueCommand({ QueueName: 'jobs' }));
    await t.call(sqs, new GetQueueUrlCommand({ QueueName: 'jobs' }));
    await t.call(sqs, new GetQueueAttributesCommand({ QueueUrl: q?.QueueUrl, AttributeNames: ['QueueArn'] }));
    await t.call(sqs, new ListQueuesCommand({}));
    await t.call(sqs, new DeleteQueueCommand({ QueueUrl: q?.QueueUrl }));
    await t.call(ec2, new DescribeRegionsCommand({}));
    const vpc = await t.call<{ Vpc: { VpcId: string } }>(ec2, new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
    await t.call(ec2, new DescribeVpcsCommand({ VpcIds: [vpc?.Vpc.VpcId ?? ''] }));
    await t.call(ec2, new DeleteVpcCommand({ VpcId: vpc?.Vpc.VpcId }));
    for (const c of [sm, tagging, sqs, ec2]) c.destroy();

    expect(t.failed).toEqual([]);
    expect(ops()).toEqual(t.expected);
    // moto builds the queue URL from the Host header, which the proxy leaves alone: SQS calls stay on the proxy.
    expect(q?.QueueUrl).toContain(proxy.url);
    const seen = (r: RecordedRequest) => `${r.service}/${r.region}/${r.protocol}`;
    expect(Object.fromEntries(proxy.requests().map((r) => [r.operation, seen(r)]))).toMatchObject({
      CreateModel: 'sagemaker/eu-west-1/json',
      DescribeModel: 'sagemaker/eu-west-1/json',
      GetResources: 'tagging/eu-west-1/json',
      CreateQueue: 'sqs/us-east-1/json', // SDK v3 speaks SQS's JSON protocol
      DescribeVpcs: 'ec2/us-west-2/ec2',
    });
    expect(proxy.mutating().map((r) => r.operation)).toEqual(['CreateModel', 'AddTags', 'DeleteModel', 'CreateQueue', 'DeleteQueue', 'CreateVpc', 'DeleteVpc']);
  });

  it('S3 (REST-XML): bucket and object operations from method, path and sub-resource', async () => {
    const s3 = new S3Client(via());
    const t = tracker();
    const Bucket = 'proxy-bucket';
    const big = Buffer.alloc(70_000, 7); // a body the proxy must pass on byte for byte
    await t.call(s3, new CreateBucketCommand({ Bucket }));
    await t.call(s3, new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [{ Key: 'project', Value: 'p' }] } }));
    await t.call(s3, new GetBucketTaggingCommand({ Bucket }));
    await t.call(s3, new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await t.call(s3, new GetBucketVersioningCommand({ Bucket }));
    await t.call(s3, new PutObjectCommand({ Bucket, Key: 'dir/a.bin', Body: big }));
    await t.call(s3, new HeadObjectCommand({ Bucket, Key: 'dir/a.bin' }));
    const got = await t.call<{ Body: { transformToByteArray(): Promise<Uint8Array> } }>(s3, new GetObjectCommand({ Bucket, Key: 'dir/a.bin' }));
    expect(Buffer.from((await got?.Body.transformToByteArray()) ?? []).equals(big)).toBe(true);
    await t.call(s3, new GetObjectTaggingCommand({ Bucket, Key: 'dir/a.bin' }));
    await t.call(s3, new CopyObjectCommand({ Bucket, Key: 'b.bin', CopySource: `${Bucket}/dir/a.bin` }));
    await t.call(s3, new ListObjectVersionsCommand({ Bucket }));
    await t.call(s3, new ListObjectsV2Command({ Bucket }));
    await t.call(s3, new HeadBucketCommand({ Bucket }));
    await t.call(s3, new ListBucketsCommand({}));
    await t.call(s3, new GetBucketLocationCommand({ Bucket }));
    await t.call(s3, new GetBucketPolicyCommand({ Bucket }));
    await t.call(s3, new GetBucketLifecycleConfigurationCommand({ Bucket }));
    await t.call(s3, new GetBucketEncryptionCommand({ Bucket }));
    await t.call(s3, new GetPublicAccessBlockCommand({ Bucket }));
    await t.call(s3, new GetBucketCorsCommand({ Bucket }));
    await t.call(s3, new GetObjectLockConfigurationCommand({ Bucket }));
    await t.call(s3, new GetBucketOwnershipControlsCommand({ Bucket }));
    await t.call(s3, new GetBucketNotificationConfigurationCommand({ Bucket }));
    await t.call(s3, new GetObjectRetentionCommand({ Bucket, Key: 'b.bin' }));
    await t.call(s3, new GetObjectLegalHoldCommand({ Bucket, Key: 'b.bin' }));
    const up = await t.call<{ UploadId: string }>(s3, new CreateMultipartUploadCommand({ Bucket, Key: 'big.jsonl' }));
    await t.call(s3, new ListMultipartUploadsCommand({ Bucket }));
    await t.call(s3, new AbortMultipartUploadCommand({ Bucket, Key: 'big.jsonl', UploadId: up?.UploadId }));
    await t.call(s3, new DeleteObjectCommand({ Bucket, Key: 'b.bin' }));
    const versions = (await s3.send(new ListObjectVersionsCommand({ Bucket }))).Versions ?? [];
    const markers = (await s3.send(new ListObjectVersionsCommand({ Bucket }))).DeleteMarkers ?? [];
    t.expected.push('ListObjectVersions', 'ListObjectVersions');
    const Objects = [...versions, ...markers].map((v) => ({ Key: v.Key, VersionId: v.VersionId }));
    await t.call(s3, new DeleteObjectsCommand({ Bucket, Delete: { Objects } }));
    await t.call(s3, new DeleteBucketCommand({ Bucket }));
    s3.destroy();

    expect(ops()).toEqual(t.expected);
    // Only reads of configurations the bucket does not have fail (moto's not-found answers), and nothing else.
    expect(t.failed.map((f) => f.split(':')[0])).toEqual([
      'GetBucketPolicy',
      'GetBucketLifecycleConfiguration',
      'GetBucketEncryption',
      'GetPublicAccessBlock',
      'GetBucketCors',
      'GetObjectLockConfiguration',
      'GetBucketOwnershipControls',
      'GetObjectRetention',
    ]);
    expect(proxy.requests().every((r) => r.service === 's3' && r.protocol === 'rest-xml')).toBe(true);
    expect(by('DeleteBucket')).toMatchObject({ method: 'DELETE', path: `/${Bucket}/`, status: 204, mutating: true });
    expect(by('HeadBucket')).toMatchObject({ method: 'HEAD', mutating: false, status: 200 });
    expect(by('DeleteObjects').mutating).toBe(true);
    expect(by('ListObjectVersions').mutating).toBe(false);
    expect(by('CreateMultipartUpload').mutating).toBe(true);
  });

  it('Lambda (REST-JSON): functions, versions, aliases, policy, url, concurrency, mappings, tags', async () => {
    const setupIam = new IAMClient(direct());
    const role = await setupIam.send(new CreateRoleCommand({ RoleName: 'fn-role', AssumeRolePolicyDocument: TRUST }));
    setupIam.destroy();
    const setupSqs = new SQSClient(direct('us-west-2'));
    const queue = await setupSqs.send(new CreateQueueCommand({ QueueName: 'fn-jobs' }));
    const queueArn = (await setupSqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
    setupSqs.destroy();

    const lambda = new LambdaClient(via('us-west-2'));
    const t = tracker();
    const FunctionName = 'proxy-fn';
    const fn = await t.call<{ FunctionArn: string }>(
      lambda,
      new CreateFunctionCommand({ FunctionName, Runtime: 'python3.12', Role: role.Role?.Arn, Handler: 'index.handler', Code: { ZipFile: EMPTY_ZIP } }),
    );
    const Resource = fn?.FunctionArn;
    await t.call(lambda, new GetFunctionCommand({ FunctionName }));
    await t.call(lambda, new GetFunctionConfigurationCommand({ FunctionName }));
    await t.call(lambda, new ListFunctionsCommand({}));
    await t.call(lambda, new TagResourceCommand({ Resource, Tags: { project: 'p' } }));
    await t.call(lambda, new LambdaListTagsCommand({ Resource }));
    await t.call(lambda, new UntagResourceCommand({ Resource, TagKeys: ['project'] }));
    await t.call(lambda, new PublishVersionCommand({ FunctionName }));
    await t.call(lambda, new ListVersionsByFunctionCommand({ FunctionName }));
    await t.call(lambda, new CreateAliasCommand({ FunctionName, Name: 'live', FunctionVersion: '1' }));
    await t.call(lambda, new GetAliasCommand({ FunctionName, Name: 'live' }));
    await t.call(lambda, new ListAliasesCommand({ FunctionName }));
    await t.call(lambda, new DeleteAliasCommand({ FunctionName, Name: 'live' }));
    await t.call(lambda, new AddPermissionCommand({ FunctionName, StatementId: 's1', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' }));
    await t.call(lambda, new GetPolicyCommand({ FunctionName }));
    await t.call(lambda, new RemovePermissionCommand({ FunctionName, StatementId: 's1' }));
    await t.call(lambda, new PutFunctionConcurrencyCommand({ FunctionName, ReservedConcurrentExecutions: 2 }));
    await t.call(lambda, new GetFunctionConcurrencyCommand({ FunctionName }));
    await t.call(lambda, new DeleteFunctionConcurrencyCommand({ FunctionName }));
    await t.call(lambda, new CreateFunctionUrlConfigCommand({ FunctionName, AuthType: 'NONE' }));
    await t.call(lambda, new GetFunctionUrlConfigCommand({ FunctionName }));
    await t.call(lambda, new DeleteFunctionUrlConfigCommand({ FunctionName }));
    const esm = await t.call<{ UUID: string }>(lambda, new CreateEventSourceMappingCommand({ FunctionName, EventSourceArn: queueArn }));
    await t.call(lambda, new ListEventSourceMappingsCommand({ FunctionName }));
    await t.call(lambda, new GetEventSourceMappingCommand({ UUID: esm?.UUID }));
    await t.call(lambda, new DeleteEventSourceMappingCommand({ UUID: esm?.UUID }));
    await t.call(lambda, new DeleteFunctionCommand({ FunctionName }));
    lambda.destroy();

    expect(t.failed).toEqual([]);
    expect(ops()).toEqual(t.expected);
    expect(proxy.requests().every((r) => r.service === 'lambda' && r.region === 'us-west-2' && r.protocol === 'rest-json')).toBe(true);
    expect(by('ListTags')).toMatchObject({ method: 'GET', mutating: false });
    expect(by('ListTags').path).toContain(encodeURIComponent(Resource ?? 'x'));
    expect(proxy.mutating().map((r) => r.operation)).toEqual(t.expected.filter((o) => !/^(Get|List)/.test(o)));
  });

  describe('holds', () => {
    it('keeps a matching request from moto until released; others pass meanwhile', async () => {
      const iam = new IAMClient(via());
      await iam.send(new CreateRoleCommand({ RoleName: 'held', AssumeRolePolicyDocument: TRUST }));
      const events: string[] = [];
      const hold = proxy.hold((r) => r.operation === 'GetRole');
      void hold.arrived.then(() => events.push('arrived'));
      const call = iam.send(new GetRoleCommand({ RoleName: 'held' })).then((out) => {
        events.push('resolved');
        return out;
      });
      const rec = await within(hold.arrived, 'hold.arrived');
      expect(rec).toMatchObject({ operation: 'GetRole', service: 'iam', end: undefined, status: undefined, outcome: undefined });
      expect(hold.count).toBe(1);
      // A call the hold does not match goes through while the GetRole waits.
      expect((await iam.send(new ListRolesCommand({}))).Roles?.map((r) => r.RoleName)).toEqual(['held']);
      await new Promise((r) => setTimeout(r, 300));
      expect(events).toEqual(['arrived']);
      events.push('released');
      hold.release();
      expect((await call).Role?.RoleName).toBe('held');
      expect(events).toEqual(['arrived', 'released', 'resolved']);
      expect(hold.count).toBe(0);
      expect(rec).toMatchObject({ status: 200, outcome: 'forwarded', clientGone: false });
      expect(rec.end).toBeGreaterThan(rec.start + 300);
      // A released hold holds nothing more.
      await iam.send(new GetRoleCommand({ RoleName: 'held' }));
      expect(proxy.count('GetRole')).toBe(2);
      iam.destroy();
    });

    it('holds every matching request, and counts them', async () => {
      const sm = new SageMakerClient(via());
      const hold = proxy.hold((r) => r.service === 'sagemaker');
      const calls = [sm.send(new ListModelsCommand({})), sm.send(new ListModelsCommand({})), sm.send(new ListModelsCommand({}))];
      await within(hold.arrived, 'hold.arrived');
      await vi.waitFor(() => expect(hold.count).toBe(3));
      expect(proxy.requests().every((r) => r.end === undefined)).toBe(true);
      hold.release();
      const outs = await Promise.all(calls);
      expect(outs.map((o) => o.Models)).toEqual([[], [], []]);
      expect(proxy.requests().map((r) => r.status)).toEqual([200, 200, 200]);
      sm.destroy();
    });

    it("forwards a held request whose client went away (default), so moto sees the call the client never saw answered", async () => {
      const iam = new IAMClient(via());
      const hold = proxy.hold((r) => r.operation === 'CreateRole');
      const abort = new AbortController();
      const call = iam.send(new CreateRoleCommand({ RoleName: 'orphan', AssumeRolePolicyDocument: TRUST }), { abortSignal: abort.signal });
      const rec = await within(hold.arrived, 'hold.arrived');
      abort.abort();
      expect((await rejection(call)).name).toBe('AbortError');
      await vi.waitFor(() => expect(rec.clientGone).toBe(true));
      hold.release();
      await vi.waitFor(() => expect(rec.end).toBeDefined());
      expect(rec).toMatchObject({ outcome: 'forwarded', status: 200, clientGone: true });
      // The proxy is still up, and moto did create the role.
      expect((await iam.send(new GetRoleCommand({ RoleName: 'orphan' }))).Role?.RoleName).toBe('orphan');
      iam.destroy();
    });

    it("drops a held request whose client went away with onClientGone: 'drop'", async () => {
      const iam = new IAMClient(via());
      const hold = proxy.hold((r) => r.operation === 'CreateRole', { onClientGone: 'drop' });
      const abort = new AbortController();
      const call = iam.send(new CreateRoleCommand({ RoleName: 'never', AssumeRolePolicyDocument: TRUST }), { abortSignal: abort.signal });
      const rec = await within(hold.arrived, 'hold.arrived');
      abort.abort();
      await rejection(call);
      // Released at once, before the proxy may have read the closed connection: the grace period covers that.
      hold.release();
      await vi.waitFor(() => expect(rec.outcome).toBe('dropped'));
      expect(rec).toMatchObject({ status: undefined, clientGone: true });
      expect((await rejection(iam.send(new GetRoleCommand({ RoleName: 'never' })))).name).toBe('NoSuchEntityException');
      iam.destroy();
    });

    it("still forwards a held request whose client is alive with onClientGone: 'drop'", async () => {
      const iam = new IAMClient(via());
      const hold = proxy.hold((r) => r.operation === 'CreateRole', { onClientGone: 'drop' });
      const call = iam.send(new CreateRoleCommand({ RoleName: 'alive', AssumeRolePolicyDocument: TRUST }));
      await within(hold.arrived, 'hold.arrived');
      hold.release();
      expect((await call).Role?.RoleName).toBe('alive');
      iam.destroy();
    });
  });

  describe('fail', () => {
    it('SageMaker (JSON): the SDK reads the injected error name; nothing reaches moto', async () => {
      const sm = new SageMakerClient(via());
      const fault = proxy.fail((r) => r.operation === 'DescribeEndpointConfig', { code: 'AccessDeniedException', status: 400, message: 'not you' });
      const err = await rejection(sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'c' })));
      expect([err.name, err.message, err.$metadata?.httpStatusCode]).toEqual(['AccessDeniedException', 'not you', 400]);
      expect(fault.hits).toBe(1);
      expect(by('DescribeEndpointConfig')).toMatchObject({ outcome: 'injected', status: 400 });
      // Other operations of the service are forwarded (moto's own not-found answer comes back).
      expect((await rejection(sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: 'c', ProductionVariants: [{ VariantName: 'v', ModelName: 'missing' }] })))).name).toBe(
        'ValidationException',
      );
      fault.remove();
      expect((await rejection(sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'c' })))).name).toBe('ValidationException');
      expect(fault.hits).toBe(1);
      sm.destroy();
    });

    it('IAM (query): denies one action on one chosen resource only', async () => {
      const iam = new IAMClient(via());
      for (const RoleName of ['keep-me', 'drop-me']) await iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: TRUST }));
      proxy.fail((r) => r.operation === 'DeleteRole' && new URLSearchParams(r.body).get('RoleName') === 'keep-me', { code: 'AccessDenied', status: 403, message: 'denied' });
      const err = await rejection(iam.send(new DeleteRoleCommand({ RoleName: 'keep-me' })));
      expect([err.name, err.message, err.$metadata?.httpStatusCode]).toEqual(['AccessDenied', 'denied', 403]);
      await iam.send(new DeleteRoleCommand({ RoleName: 'drop-me' }));
      const left = (await iam.send(new ListRolesCommand({}))).Roles?.map((r) => r.RoleName);
      expect(left).toEqual(['keep-me']);
      expect(proxy.requests().filter((r) => r.operation === 'DeleteRole').map((r) => r.outcome)).toEqual(['injected', 'forwarded']);
      iam.destroy();
    });

    it('S3 (REST-XML): denies DeleteBucket on one bucket by path', async () => {
      const s3 = new S3Client(via());
      await s3.send(new CreateBucketCommand({ Bucket: 'locked' }));
      const fault = proxy.fail((r) => r.operation === 'DeleteBucket' && /^\/locked\/?$/.test(r.path), { code: 'AccessDenied', status: 403, message: 'no' });
      const err = await rejection(s3.send(new DeleteBucketCommand({ Bucket: 'locked' })));
      expect([err.name, err.$metadata?.httpStatusCode]).toEqual(['AccessDenied', 403]);
      await s3.send(new HeadBucketCommand({ Bucket: 'locked' })); // still there
      fault.remove();
      await s3.send(new DeleteBucketCommand({ Bucket: 'locked' }));
      expect((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
      s3.destroy();
    });

    it('Lambda (REST-JSON) and EC2: the SDK reads the injected error name', async () => {
      const lambda = new LambdaClient(via());
      const ec2 = new EC2Client(via());
      proxy.fail((r) => r.operation === 'GetFunction', { code: 'AccessDeniedException', status: 403, message: 'no' });
      proxy.fail((r) => r.operation === 'DescribeVpcs', { code: 'UnauthorizedOperation', status: 403, message: 'no' });
      const lerr = await rejection(lambda.send(new GetFunctionCommand({ FunctionName: 'x' })));
      expect([lerr.name, lerr.$metadata?.httpStatusCode]).toEqual(['AccessDeniedException', 403]);
      const eerr = await rejection(ec2.send(new DescribeVpcsCommand({})));
      expect([eerr.name, eerr.message, eerr.$metadata?.httpStatusCode]).toEqual(['UnauthorizedOperation', 'no', 403]);
      // An operation the rules do not match reaches moto.
      expect((await lambda.send(new ListFunctionsCommand({}))).Functions).toEqual([]);
      lambda.destroy();
      ec2.destroy();
    });

    it('answers only `times` requests, with canned answers or an answer built per request', async () => {
      const iam = new IAMClient(via());
      const throttle = proxy.fail((r) => r.operation === 'ListRoles', { code: 'Throttling', message: 'Rate exceeded' }, { times: 1 });
      expect((await rejection(iam.send(new ListRolesCommand({})))).name).toBe('Throttling');
      expect((await iam.send(new ListRolesCommand({}))).Roles).toEqual([]);
      expect(throttle.hits).toBe(1);
      proxy.fail((r) => r.operation === 'GetRole', { status: 503, body: 'down', headers: { 'content-type': 'text/plain' } });
      expect((await rejection(iam.send(new GetRoleCommand({ RoleName: 'x' })))).$metadata?.httpStatusCode).toBe(503);
      proxy.fail(
        (r) => r.operation === 'GetUser',
        (r) => awsError(r.protocol, 'NoSuchEntity', `no user in ${r.region}`, 404),
      );
      const err = await rejection(iam.send(new GetUserCommand({ UserName: 'u' })));
      expect([err.name, err.message]).toEqual(['NoSuchEntityException', 'no user in us-east-1']);
      iam.destroy();
    });
  });
  describe('throttle, serverError, dropConnection, deny, conflict, and the counts', () => {
    // Fault rules stay until removed: each test here starts with a proxy of its own.
    beforeEach(async () => {
      await proxy.stop();
      proxy = await startProxy(moto().url);
    });

    it('throttle: a seeded share of requests get the service error the SDK reads as throttling; the rest reach moto', async () => {
      const iam = new IAMClient(via());
      const s3 = new S3Client(via());
      const lambda = new LambdaClient(via());
      const rule = proxy.throttle(0.5, { seed: 5, match: (r) => r.operation.startsWith('List') });
      const errors: string[] = [];
      for (let i = 0; i < 30; i++) {
        for (const send of [() => iam.send(new ListRolesCommand({})), () => s3.send(new ListBucketsCommand({})), () => lambda.send(new ListFunctionsCommand({}))]) {
          await send().catch((e: Error & { $metadata?: { httpStatusCode?: number } }) => errors.push(`${e.name} ${e.$metadata?.httpStatusCode}`));
        }
      }
      expect(new Set(errors)).toEqual(new Set(['Throttling 400', 'SlowDown 503', 'TooManyRequestsException 429']));
      expect(rule.hits).toBe(errors.length);
      expect(errors.length).toBeGreaterThan(30);
      expect(errors.length).toBeLessThan(60);
      expect(proxy.injected().throttle).toBe(errors.length);
      expect(proxy.count((r) => r.fault === 'throttle' && r.outcome === 'injected')).toBe(errors.length);
      // Not matched: never throttled.
      await iam.send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST }));
      rule.remove();
      expect(proxy.count((r) => r.operation === 'CreateRole' && r.outcome === 'forwarded')).toBe(1);
      for (const c of [iam, s3, lambda]) c.destroy();
    });

    it('serverError: 500 and 503 in each protocol; the SDK sees a server fault', async () => {
      const iam = new IAMClient(via());
      const sm = new SageMakerClient(via());
      proxy.serverError((r) => r.operation === 'ListRoles', { status: 500 });
      proxy.serverError(1, { status: 503, match: (r) => r.service === 'sagemaker', times: 1 });
      const a = await rejection(iam.send(new ListRolesCommand({})));
      expect([a.name, a.$metadata?.httpStatusCode]).toEqual(['ServiceFailureException', 500]);
      const b = await rejection(sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'c' })));
      expect([b.name, b.$metadata?.httpStatusCode]).toEqual(['ServiceUnavailableException', 503]);
      // times: 1, then moto answers again.
      expect((await rejection(sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'c' })))).name).toBe('ValidationException');
      expect(proxy.injected()['server-error']).toBe(2);
      iam.destroy();
      sm.destroy();
    });

    it('dropConnection: before (moto never sees it) and after (moto acted; the answer is lost)', async () => {
      const iam = new IAMClient(via());
      await iam.send(new CreateRoleCommand({ RoleName: 'gone-twice', AssumeRolePolicyDocument: TRUST }));
      const before = proxy.dropConnection((r) => r.operation === 'GetRole', { times: 1 });
      const after = proxy.dropConnection((r) => r.operation === 'DeleteRole', { when: 'after', times: 1 });
      const lostRead = await rejection(iam.send(new GetRoleCommand({ RoleName: 'gone-twice' })));
      expect((lostRead as Error & { code?: string }).code ?? lostRead.name).toMatch(/ECONNRESET|socket hang up/i);
      expect(by('GetRole')).toMatchObject({ outcome: 'cut', fault: 'drop', status: undefined });
      // moto deleted it, but the caller got no answer: asking again says it is gone.
      await rejection(iam.send(new DeleteRoleCommand({ RoleName: 'gone-twice' })));
      await within(
        (async () => {
          while (by('DeleteRole').end === undefined) await new Promise((r) => setTimeout(r, 10));
        })(),
        'the cut DeleteRole',
      );
      expect(by('DeleteRole')).toMatchObject({ outcome: 'cut', fault: 'drop', status: 200 });
      expect((await rejection(iam.send(new DeleteRoleCommand({ RoleName: 'gone-twice' })))).name).toBe('NoSuchEntityException');
      expect([before.hits, after.hits]).toEqual([1, 1]);
      expect(proxy.injected().drop).toBe(2);
      iam.destroy();
    });

    it('deny: one action on one resource, with the access-denied error of the service; conflict: the dependency error', async () => {
      const iam = new IAMClient(via());
      const s3 = new S3Client(via());
      for (const RoleName of ['kept', 'free']) await iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: TRUST }));
      await s3.send(new CreateBucketCommand({ Bucket: 'held' }));
      proxy.deny('DeleteRole', 'kept');
      proxy.deny('DeleteBucket', 'held');
      const e = await rejection(iam.send(new DeleteRoleCommand({ RoleName: 'kept' })));
      expect([e.name, e.$metadata?.httpStatusCode]).toEqual(['AccessDenied', 403]);
      expect(e.message).toMatch(/not authorized to perform: iam:DeleteRole on resource: kept/);
      await iam.send(new DeleteRoleCommand({ RoleName: 'free' })); // another role: allowed
      expect((await rejection(s3.send(new DeleteBucketCommand({ Bucket: 'held' })))).name).toBe('AccessDenied');
      const conflict = proxy.conflict((r) => r.operation === 'DeleteRole', { times: 1 });
      proxy.conflict((r) => r.operation === 'DeleteBucket' || r.operation === 'DeleteFunction');
      // deny's rule came first and still answers for 'kept'; the conflict answers for any other role.
      await iam.send(new CreateRoleCommand({ RoleName: 'other', AssumeRolePolicyDocument: TRUST }));
      const c = await rejection(iam.send(new DeleteRoleCommand({ RoleName: 'other' })));
      expect([c.name, c.$metadata?.httpStatusCode]).toEqual(['DeleteConflictException', 409]);
      expect(conflict.hits).toBe(1);
      const lambda = new LambdaClient(via());
      const l = await rejection(lambda.send(new DeleteFunctionCommand({ FunctionName: 'f' })));
      expect([l.name, l.$metadata?.httpStatusCode]).toEqual(['ResourceConflictException', 409]);
      expect(proxy.injected()).toMatchObject({ deny: 2, conflict: 2 });
      for (const x of [iam, s3, lambda]) x.destroy();
    });

    it('reads() and mutating() split every recorded request', async () => {
      const iam = new IAMClient(via());
      await iam.send(new ListRolesCommand({}));
      await iam.send(new CreateRoleCommand({ RoleName: 'x', AssumeRolePolicyDocument: TRUST }));
      await iam.send(new GetRoleCommand({ RoleName: 'x' }));
      expect(proxy.reads().map((r) => r.operation)).toEqual(['ListRoles', 'GetRole']);
      expect(proxy.mutating().map((r) => r.operation)).toEqual(['CreateRole']);
      expect(proxy.reads().length + proxy.mutating().length).toBe(proxy.requests().length);
      iam.destroy();
    });
  });
});
