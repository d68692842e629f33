import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { type BucketLocationConstraint, CreateBucketCommand, PutBucketTaggingCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateNotebookInstanceCommand,
  CreateTrainingJobCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { ACCOUNT, clientConfig } from './world.js';

/**
 * One resource at a time, for worlds built resource by resource (the scope tests and the randomized
 * worlds). Clients are made per region on first use; `close()` releases them.
 */

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: ['sagemaker.amazonaws.com', 'lambda.amazonaws.com'] }, Action: 'sts:AssumeRole' }],
});
const EMPTY_ZIP = Uint8Array.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);

export type TagMap = Readonly<Record<string, string>>;
const list = (t: TagMap | undefined) => Object.entries(t ?? {}).map(([Key, Value]) => ({ Key, Value }));

export class Factory {
  private readonly clients = new Map<string, { destroy(): void }>();

  constructor(readonly url: string) {}

  private client<C extends { destroy(): void }>(kind: string, region: string, make: (cfg: ReturnType<typeof clientConfig>) => C): C {
    const key = `${kind}|${region}`;
    let c = this.clients.get(key) as C | undefined;
    if (!c) this.clients.set(key, (c = make(clientConfig(this.url, region))));
    return c;
  }
  iam = () => this.client('iam', 'us-east-1', (c) => new IAMClient(c));
  lambda = (region: string) => this.client('lambda', region, (c) => new LambdaClient(c));
  sagemaker = (region: string) => this.client('sagemaker', region, (c) => new SageMakerClient(c));
  s3 = (region: string) => this.client('s3', region, (c) => new S3Client(c));

  async role(name: string, tags?: TagMap): Promise<string> {
    const out = await this.iam().send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST, ...(tags ? { Tags: list(tags) } : {}) }));
    return out.Role?.Arn as string;
  }

  async fn(name: string, roleArn: string, region: string, tags?: TagMap): Promise<string> {
    const out = await this.lambda(region).send(
      new CreateFunctionCommand({ FunctionName: name, Runtime: 'python3.12', Role: roleArn, Handler: 'index.handler', Code: { ZipFile: EMPTY_ZIP }, ...(tags ? { Tags: { ...tags } } : {}) }),
    );
    return out.FunctionArn as string;
  }

  async model(name: string, roleArn: string, region: string, tags?: TagMap): Promise<string> {
    const out = await this.sagemaker(region).send(
      new CreateModelCommand({
        ModelName: name,
        ExecutionRoleArn: roleArn,
        PrimaryContainer: { Image: `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/nova-inference:latest` },
        ...(tags ? { Tags: list(tags) } : {}),
      }),
    );
    return out.ModelArn as string;
  }

  async endpointConfig(name: string, modelName: string, region: string, tags?: TagMap): Promise<string> {
    const out = await this.sagemaker(region).send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: name,
        ProductionVariants: [{ VariantName: 'primary', ModelName: modelName, InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }],
        ...(tags ? { Tags: list(tags) } : {}),
      }),
    );
    return out.EndpointConfigArn as string;
  }

  async endpoint(name: string, configName: string, region: string, tags?: TagMap): Promise<string> {
    const out = await this.sagemaker(region).send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: configName, ...(tags ? { Tags: list(tags) } : {}) }));
    return out.EndpointArn as string;
  }

  async notebook(name: string, roleArn: string, region: string, tags?: TagMap): Promise<string> {
    const out = await this.sagemaker(region).send(
      new CreateNotebookInstanceCommand({ NotebookInstanceName: name, InstanceType: 'ml.t3.medium', RoleArn: roleArn, ...(tags ? { Tags: list(tags) } : {}) }),
    );
    return out.NotebookInstanceArn as string;
  }

  /** A finished training job (moto completes it at once): a type nova-cleanup does not support yet. */
  async trainingJob(name: string, roleArn: string, region: string, tags?: TagMap): Promise<string> {
    const out = await this.sagemaker(region).send(
      new CreateTrainingJobCommand({
        TrainingJobName: name,
        RoleArn: roleArn,
        AlgorithmSpecification: { TrainingImage: `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/train:latest`, TrainingInputMode: 'File' },
        OutputDataConfig: { S3OutputPath: 's3://nova-training-output/' },
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
        StoppingCondition: { MaxRuntimeInSeconds: 3600 },
        ...(tags ? { Tags: list(tags) } : {}),
      }),
    );
    return out.TrainingJobArn as string;
  }

  async bucket(name: string, region: string, tags?: TagMap, objects = 1): Promise<string> {
    const s3 = this.s3(region);
    const location = region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } };
    await s3.send(new CreateBucketCommand({ Bucket: name, ...location }));
    if (tags) await s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: list(tags) } }));
    for (let i = 0; i < objects; i++) await s3.send(new PutObjectCommand({ Bucket: name, Key: `data/${i}.bin`, Body: `data ${i}` }));
    return `arn:aws:s3:::${name}`;
  }

  close(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }
}
