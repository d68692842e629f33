import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, IAMClient, ListRolesCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateEventSourceMappingCommand, CreateFunctionCommand, LambdaClient, ListEventSourceMappingsCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateNotebookInstanceCommand,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListModelsCommand,
  ListNotebookInstancesCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';

/**
 * A small MLOps-like account, as an agent on Bedrock / a Nova customization leaves it: tagged resources
 * of every supported family plus decoys that must survive (untagged, another tag value, same name prefix).
 */

export const ACCOUNT = '123456789012';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: ['sagemaker.amazonaws.com', 'lambda.amazonaws.com'] }, Action: 'sts:AssumeRole' }],
});
/** The smallest valid zip: an empty archive (end-of-central-directory record only). */
const EMPTY_ZIP = Uint8Array.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);

export interface WorldOptions {
  readonly endpoint: string;
  readonly region?: string;
  /** Tag key and value that mark the project. */
  readonly tagKey?: string;
  readonly tagValue?: string;
  /** How many object versions the tagged bucket gets (the benchmark uses many). */
  readonly objectVersions?: number;
  /** Name prefix; lets one moto hold several worlds. */
  readonly prefix?: string;
}

export interface World {
  readonly tagKey: string;
  readonly tagValue: string;
  readonly region: string;
  /** ARNs of everything that carries the tag: what a cleanup must delete. */
  readonly tagged: string[];
  /** Names of everything that must survive. */
  readonly decoys: string[];
}

export function clientConfig(endpoint: string, region: string) {
  return { endpoint, region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, forcePathStyle: true };
}

export async function buildWorld(o: WorldOptions): Promise<World> {
  const region = o.region ?? 'us-east-1';
  const key = o.tagKey ?? 'project';
  const value = o.tagValue ?? 'nova-demo';
  const p = o.prefix ?? 'nova-demo';
  const cfg = clientConfig(o.endpoint, region);
  const iam = new IAMClient(cfg);
  const s3 = new S3Client(cfg);
  const lambda = new LambdaClient(cfg);
  const sm = new SageMakerClient(cfg);
  const sqs = new SQSClient(cfg);
  const tag = [{ Key: key, Value: value }, { Key: 'owner', Value: 'ml-team' }];
  const otherTag = [{ Key: key, Value: 'other-project' }];
  const tagged: string[] = [];
  const decoys: string[] = [];

  try {
    // IAM: the execution role (tagged, with a managed and an inline policy), and two decoy roles.
    const role = await iam.send(new CreateRoleCommand({ RoleName: `${p}-exec`, Path: '/service-role/', AssumeRolePolicyDocument: TRUST, Tags: tag }));
    const roleArn = role.Role?.Arn as string;
    tagged.push(roleArn);
    const policy = await iam.send(
      new CreatePolicyCommand({
        PolicyName: `${p}-s3-access`,
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }),
      }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName: `${p}-exec`, PolicyArn: policy.Policy?.Arn }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: `${p}-exec`,
        PolicyName: 'inline-logs',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: '*' }] }),
      }),
    );
    const keepRole = await iam.send(new CreateRoleCommand({ RoleName: `${p}-exec-keep`, AssumeRolePolicyDocument: TRUST }));
    decoys.push(`${p}-exec-keep`);
    await iam.send(new CreateRoleCommand({ RoleName: `${p}-other-exec`, AssumeRolePolicyDocument: TRUST, Tags: otherTag }));
    decoys.push(`${p}-other-exec`);
    const keepRoleArn = keepRole.Role?.Arn as string;

    // S3: a versioned bucket with versions, a delete marker, a policy and an unfinished upload; decoys.
    const bucket = `${p}-artifacts`;
    // Outside us-east-1 a bucket names its region.
    const location = region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } };
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ...location }));
    await s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: tag } }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/locked/*` }] }),
      }),
    );
    const versions = o.objectVersions ?? 6;
    for (let i = 0; i < versions; i++) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `checkpoints/model-${i % 3}.bin`, Body: `weights ${i}` }));
    }
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'checkpoints/model-0.bin' })); // a delete marker
    await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'datasets/big.jsonl' }));
    tagged.push(`arn:aws:s3:::${bucket}`);
    for (const [name, tags] of [
      [`${p}-artifacts-keep`, undefined],
      [`${p}-other-bucket`, otherTag],
    ] as const) {
      await s3.send(new CreateBucketCommand({ Bucket: name, ...location }));
      if (tags) await s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: [...tags] } }));
      await s3.send(new PutObjectCommand({ Bucket: name, Key: 'keep.txt', Body: 'keep' }));
      decoys.push(name);
    }

    // Lambda: a tagged function with an SQS event source mapping; an untagged decoy with the same prefix.
    const fn = await lambda.send(
      new CreateFunctionCommand({ FunctionName: `${p}-preprocess`, Runtime: 'python3.12', Role: roleArn, Handler: 'index.handler', Code: { ZipFile: EMPTY_ZIP }, Tags: { [key]: value } }),
    );
    tagged.push(fn.FunctionArn as string);
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: `${p}-jobs` }));
    const qattrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }));
    await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: `${p}-preprocess`, EventSourceArn: qattrs.Attributes?.QueueArn, BatchSize: 10 }));
    await lambda.send(
      new CreateFunctionCommand({ FunctionName: `${p}-preprocess-keep`, Runtime: 'python3.12', Role: keepRoleArn, Handler: 'index.handler', Code: { ZipFile: EMPTY_ZIP } }),
    );
    decoys.push(`${p}-preprocess-keep`);

    // SageMaker: endpoint → config → model → role, a notebook, and decoys.
    const container = { Image: `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/nova-inference:latest`, ModelDataUrl: `s3://${bucket}/checkpoints/model-1.bin` };
    const model = await sm.send(new CreateModelCommand({ ModelName: `${p}-model`, ExecutionRoleArn: roleArn, PrimaryContainer: container, Tags: tag }));
    tagged.push(model.ModelArn as string);
    const config = await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${p}-config`,
        ProductionVariants: [{ VariantName: 'primary', ModelName: `${p}-model`, InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }],
        Tags: tag,
      }),
    );
    tagged.push(config.EndpointConfigArn as string);
    const endpoint = await sm.send(new CreateEndpointCommand({ EndpointName: `${p}-endpoint`, EndpointConfigName: `${p}-config`, Tags: tag }));
    tagged.push(endpoint.EndpointArn as string);
    const nb = await sm.send(
      new CreateNotebookInstanceCommand({ NotebookInstanceName: `${p}-notebook`, InstanceType: 'ml.t3.medium', RoleArn: roleArn, Tags: tag }),
    );
    tagged.push(nb.NotebookInstanceArn as string);
    await sm.send(new CreateModelCommand({ ModelName: `${p}-model-keep`, ExecutionRoleArn: keepRoleArn, PrimaryContainer: container }));
    decoys.push(`${p}-model-keep`);
    await sm.send(new CreateNotebookInstanceCommand({ NotebookInstanceName: `${p}-other-notebook`, InstanceType: 'ml.t3.medium', RoleArn: keepRoleArn, Tags: otherTag }));
    decoys.push(`${p}-other-notebook`);
  } finally {
    for (const c of [iam, s3, lambda, sm, sqs]) c.destroy();
  }
  return { tagKey: key, tagValue: value, region, tagged, decoys };
}

/** What the default world (prefix nova-demo, us-east-1) leaves once every tagged resource is gone: the decoys, untouched. */
export const CLEANED: Readonly<Record<string, readonly string[]>> = {
  roles: ['nova-demo-exec-keep', 'nova-demo-other-exec'],
  buckets: ['nova-demo-artifacts-keep versions=1 markers=0', 'nova-demo-other-bucket versions=1 markers=0'],
  functions: ['nova-demo-preprocess-keep'],
  mappings: [],
  models: ['nova-demo-model-keep'],
  configs: [],
  endpoints: [],
  notebooks: ['nova-demo-other-notebook InService'],
};

/** Everything in the emulated account, by family, sorted: equal snapshots mean nothing changed. */
export async function snapshot(endpoint: string, region = 'us-east-1'): Promise<Record<string, string[]>> {
  const cfg = clientConfig(endpoint, region);
  const iam = new IAMClient(cfg);
  const s3 = new S3Client(cfg);
  const lambda = new LambdaClient(cfg);
  const sm = new SageMakerClient(cfg);
  try {
    const roles = (await iam.send(new ListRolesCommand({ MaxItems: 1000 }))).Roles?.map((r) => r.RoleName ?? '') ?? [];
    const buckets: string[] = [];
    for (const b of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
      const v = await s3.send(new ListObjectVersionsCommand({ Bucket: b.Name }));
      buckets.push(`${b.Name} versions=${v.Versions?.length ?? 0} markers=${v.DeleteMarkers?.length ?? 0}`);
    }
    const functions = (await lambda.send(new ListFunctionsCommand({}))).Functions?.map((f) => f.FunctionName ?? '') ?? [];
    const mappings = (await lambda.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings?.map((m) => `${m.FunctionArn} ${m.State}`) ?? [];
    const models = (await sm.send(new ListModelsCommand({}))).Models?.map((m) => m.ModelName ?? '') ?? [];
    const configs = (await sm.send(new ListEndpointConfigsCommand({}))).EndpointConfigs?.map((c) => c.EndpointConfigName ?? '') ?? [];
    const endpoints = (await sm.send(new ListEndpointsCommand({}))).Endpoints?.map((e) => `${e.EndpointName} ${e.EndpointStatus}`) ?? [];
    const notebooks =
      (await sm.send(new ListNotebookInstancesCommand({}))).NotebookInstances?.map((n) => `${n.NotebookInstanceName} ${n.NotebookInstanceStatus}`) ?? [];
    const sort = (a: string[]) => [...a].sort();
    return {
      roles: sort(roles),
      buckets: sort(buckets),
      functions: sort(functions),
      mappings: sort(mappings),
      models: sort(models),
      configs: sort(configs),
      endpoints: sort(endpoints),
      notebooks: sort(notebooks),
    };
  } finally {
    for (const c of [iam, s3, lambda, sm]) c.destroy();
  }
}
