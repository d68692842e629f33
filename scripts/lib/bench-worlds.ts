import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CodeBuildClient, CreateProjectCommand } from '@aws-sdk/client-codebuild';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { CreateJobCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  DeleteObjectsCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  AddTagsCommand,
  AssociateTrialComponentCommand,
  CreateAutoMLJobV2Command,
  CreateClusterCommand,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateExperimentCommand,
  CreateHyperParameterTuningJobCommand,
  CreateModelCommand,
  CreateNotebookInstanceCommand,
  CreatePipelineCommand,
  CreateProcessingJobCommand,
  CreateTrainingJobCommand,
  CreateTransformJobCommand,
  CreateTrialCommand,
  CreateTrialComponentCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import pLimit, { type LimitFunction } from 'p-limit';
import { ACCOUNT, clientConfig } from './world.js';

/**
 * The benchmark's workloads (issue "Speed at scale"), built straight on moto (never through the latency
 * proxy: only the CLI's run goes through it), many SDK calls at once, and deterministic (names and
 * counts follow from the scale alone). Each builder returns an inventory of what it made, in the terms
 * the lower-bound model (bench-bounds.ts) counts with: every resource, tagged or not, with what it uses
 * and how many sub-resources its delete removes.
 */

export const BENCH_TAG = { Key: 'project', Value: 'bench' } as const;
const OTHER_TAG = { Key: 'project', Value: 'bench-other' } as const;
export const BENCH_REGIONS = ['us-east-1', 'us-west-2'] as const;

/** What a cleanup does with a tagged resource: delete it, stop it (AutoML: its record stays), or nothing (AWS keeps a finished job's record). */
export type Action = 'delete' | 'stop' | 'retained';

export interface Item {
  readonly type: string;
  readonly region: string;
  readonly name: string;
  /** Carries the run's tag (project=bench): a candidate. Decoys carry another value or no tag. */
  readonly tagged: boolean;
  /** Keys (`type|name`) of what it uses: it goes before them. */
  readonly uses: readonly string[];
  /** Sub-resources its delete removes one call each (an attached policy, a role in a profile, a trial's component association). */
  readonly children: number;
  /** S3: object versions and delete markers, by top-level key prefix. */
  readonly versionsByPrefix?: Readonly<Record<string, number>>;
  readonly action: Action;
}

export const keyOf = (type: string, name: string): string => `${type}|${name}`;

export interface Inventory {
  readonly items: readonly Item[];
  /** Extra CLI arguments the workload's run needs (`--dry-run`, `--discovery both`). */
  readonly args: readonly string[];
  readonly description: string;
}

export interface Workload {
  readonly id: string;
  readonly title: string;
  build(ctx: BuildContext): Promise<Inventory>;
}

export interface BuildContext {
  readonly url: string;
  /** Multiplies every count (BENCH_SCALE); each count stays at least 1. */
  readonly scale: number;
  /** How many creating calls run at once against moto. */
  readonly concurrency: number;
}

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: ['sagemaker.amazonaws.com', 'lambda.amazonaws.com', 'glue.amazonaws.com', 'codebuild.amazonaws.com'] }, Action: 'sts:AssumeRole' }],
});
const POLICY_DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
const EMPTY_ZIP = Uint8Array.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const policyArn = (name: string) => `arn:aws:iam::${ACCOUNT}:policy/${name}`;
const short = (region: string) => region.replace(/^(\w)\w*-(\w)\w*-(\d)$/, '$1$2$3'); // us-east-1 → ue1

/** SDK clients per (service, region), made on first use, all destroyed by close(). */
class Clients {
  private readonly made = new Map<string, { destroy(): void }>();
  constructor(private readonly url: string) {}
  private get<C extends { destroy(): void }>(kind: string, region: string, make: (cfg: ReturnType<typeof clientConfig>) => C): C {
    const key = `${kind}|${region}`;
    let c = this.made.get(key) as C | undefined;
    if (!c) this.made.set(key, (c = make({ ...clientConfig(this.url, region), maxAttempts: 8 } as ReturnType<typeof clientConfig>)));
    return c;
  }
  iam = () => this.get('iam', 'us-east-1', (c) => new IAMClient(c));
  lambda = (r: string) => this.get('lambda', r, (c) => new LambdaClient(c));
  sm = (r: string) => this.get('sm', r, (c) => new SageMakerClient(c));
  s3 = (r: string) => this.get('s3', r, (c) => new S3Client(c));
  logs = (r: string) => this.get('logs', r, (c) => new CloudWatchLogsClient(c));
  ecr = (r: string) => this.get('ecr', r, (c) => new ECRClient(c));
  codebuild = (r: string) => this.get('codebuild', r, (c) => new CodeBuildClient(c));
  glue = (r: string) => this.get('glue', r, (c) => new GlueClient(c));
  events = (r: string) => this.get('events', r, (c) => new EventBridgeClient(c));
  cfn = (r: string) => this.get('cfn', r, (c) => new CloudFormationClient(c));
  close(): void {
    for (const c of this.made.values()) c.destroy();
    this.made.clear();
  }
}

type Tag = { readonly Key: string; readonly Value: string };
const tagList = (t: Tag | undefined) => (t ? [{ Key: t.Key, Value: t.Value }] : []);
const tagMap = (t: Tag | undefined) => (t ? { [t.Key]: t.Value } : undefined);

/** Runs `n` creations at the builder's concurrency (one tier of a world: what the next tier uses exists once it resolves). */
async function tier(limit: LimitFunction, n: number, make: (i: number) => Promise<unknown>): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => limit(() => make(i))));
}

class Inv {
  readonly items: Item[] = [];
  add(i: Omit<Item, 'uses' | 'children' | 'action'> & Partial<Pick<Item, 'uses' | 'children' | 'action'>>): string {
    this.items.push({ uses: [], children: 0, action: 'delete', ...i });
    return keyOf(i.type, i.name);
  }
}

/** Common creators: each records the resource in the inventory. */
function makers(c: Clients, inv: Inv) {
  return {
    async role(name: string, tag: Tag | undefined, uses: string[] = [], children = 0) {
      await c.iam().send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST, Tags: tagList(tag) }));
      return inv.add({ type: 'iam:role', region: 'us-east-1', name, tagged: tag === BENCH_TAG, uses, children });
    },
    async policy(name: string, tag: Tag | undefined) {
      await c.iam().send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: POLICY_DOC, Tags: tagList(tag) }));
      return inv.add({ type: 'iam:policy', region: 'us-east-1', name, tagged: tag === BENCH_TAG });
    },
    async fn(name: string, region: string, role: string, tag: Tag | undefined) {
      await c.lambda(region).send(
        new CreateFunctionCommand({ FunctionName: name, Runtime: 'python3.12', Role: roleArn(role), Handler: 'index.handler', Code: { ZipFile: EMPTY_ZIP }, ...(tag ? { Tags: tagMap(tag) } : {}) }),
      );
      return inv.add({ type: 'lambda:function', region, name, tagged: tag === BENCH_TAG, uses: [keyOf('iam:role', role)] });
    },
    async model(name: string, region: string, role: string, tag: Tag | undefined) {
      await c.sm(region).send(
        new CreateModelCommand({ ModelName: name, ExecutionRoleArn: roleArn(role), PrimaryContainer: { Image: `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/bench:latest` }, Tags: tagList(tag) }),
      );
      return inv.add({ type: 'sagemaker:model', region, name, tagged: tag === BENCH_TAG, uses: [keyOf('iam:role', role)] });
    },
    async config(name: string, region: string, model: string, tag: Tag | undefined) {
      await c.sm(region).send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: name,
          ProductionVariants: [{ VariantName: 'primary', ModelName: model, InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }],
          Tags: tagList(tag),
        }),
      );
      return inv.add({ type: 'sagemaker:endpoint-config', region, name, tagged: tag === BENCH_TAG, uses: [keyOf('sagemaker:model', model)] });
    },
    async endpoint(name: string, region: string, config: string, tag: Tag | undefined) {
      await c.sm(region).send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: config, Tags: tagList(tag) }));
      return inv.add({ type: 'sagemaker:endpoint', region, name, tagged: tag === BENCH_TAG, uses: [keyOf('sagemaker:endpoint-config', config)] });
    },
    async bucket(name: string, region: string, tag: Tag | undefined, objects: number) {
      const s3 = c.s3(region);
      const location = region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } };
      await s3.send(new CreateBucketCommand({ Bucket: name, ...location }));
      if (tag) await s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: tagList(tag) } }));
      for (let i = 0; i < objects; i++) await s3.send(new PutObjectCommand({ Bucket: name, Key: `data/${i}.bin`, Body: `data ${i}` }));
      return inv.add({ type: 's3:bucket', region, name, tagged: tag === BENCH_TAG, versionsByPrefix: objects > 0 ? { 'data/': objects } : {} });
    },
    async logGroup(name: string, region: string, tag: Tag | undefined) {
      await c.logs(region).send(new CreateLogGroupCommand({ logGroupName: name, ...(tag ? { tags: tagMap(tag) } : {}) }));
      return inv.add({ type: 'logs:log-group', region, name, tagged: tag === BENCH_TAG });
    },
  };
}

const scaled = (scale: number) => (n: number) => Math.max(1, Math.round(n * scale));
/** Decoy i: untagged or another value of the tag key, alternately. */
const decoyTag = (i: number): Tag | undefined => (i % 2 === 0 ? undefined : OTHER_TAG);

// ---------------------------------------------------------------------------------------------------
// W1: 1,000 tagged resources of mixed families in two regions, and 1,000 decoys

/** W1's counts at scale 1: global ones once, regional ones per region (tagged; the decoys mirror them). */
export const W1_COUNTS = { roles: 100, policies: 50, functions: 100, models: 100, configs: 50, endpoints: 25, buckets: 50, logGroups: 100 } as const;

async function buildW1(ctx: BuildContext, dryRun: boolean): Promise<Inventory> {
  const n = scaled(ctx.scale);
  const k = Object.fromEntries(Object.entries(W1_COUNTS).map(([name, v]) => [name, n(v)])) as Record<keyof typeof W1_COUNTS, number>;
  const c = new Clients(ctx.url);
  const inv = new Inv();
  const m = makers(c, inv);
  const limit = pLimit(ctx.concurrency);
  try {
    for (const decoy of [false, true]) {
      // Decoys look alike: the tagged one's name with a suffix, untagged or another value, using only decoys.
      const sfx = decoy ? '-copy' : '';
      const tag = (i: number) => (decoy ? decoyTag(i) : BENCH_TAG);
      const role = (i: number) => `w1-role-${i % k.roles}${sfx}`;
      await tier(limit, k.policies, (i) => m.policy(`w1-pol-${i}${sfx}`, tag(i)));
      await tier(limit, k.roles, async (i) => {
        const pol = `w1-pol-${i % k.policies}${sfx}`;
        await m.role(role(i), tag(i), [keyOf('iam:policy', pol)], 1);
        await c.iam().send(new AttachRolePolicyCommand({ RoleName: role(i), PolicyArn: policyArn(pol) }));
      });
      for (const region of BENCH_REGIONS) {
        const r = short(region);
        await Promise.all([
          tier(limit, k.functions, (i) => m.fn(`w1-fn-${r}-${i}${sfx}`, region, role(i), tag(i))),
          tier(limit, k.buckets, (i) => m.bucket(`w1-bkt-${r}-${i}${sfx}`, region, tag(i), 2)),
          tier(limit, k.logGroups, (i) => m.logGroup(`/w1/${r}/app-${i}${sfx}`, region, tag(i))),
          (async () => {
            await tier(limit, k.models, (i) => m.model(`w1-model-${r}-${i}${sfx}`, region, role(i), tag(i)));
            await tier(limit, k.configs, (i) => m.config(`w1-epc-${r}-${i}${sfx}`, region, `w1-model-${r}-${i}${sfx}`, tag(i)));
            await tier(limit, k.endpoints, (i) => m.endpoint(`w1-ep-${r}-${i}${sfx}`, region, `w1-epc-${r}-${i}${sfx}`, tag(i)));
          })(),
        ]);
      }
    }
  } finally {
    c.close();
  }
  const tagged = inv.items.filter((i) => i.tagged).length;
  return {
    items: inv.items,
    args: dryRun ? ['--dry-run'] : [],
    description: `${tagged} tagged (${Object.entries(k).map(([name, v]) => `${name} ${v}`).join(', ')}; roles and policies global, the rest per region) and ${inv.items.length - tagged} decoys`,
  };
}

// ---------------------------------------------------------------------------------------------------
// W2: one versioned bucket with 100,000 object versions and delete markers under 8 key prefixes

/** Object versions and delete markers at scale 1 (BENCH_W2_ENTRIES overrides it, whatever the scale). */
export const W2_ENTRIES = 100_000;
export const W2_PREFIXES = 8;

async function buildW2(ctx: BuildContext): Promise<Inventory> {
  const total = process.env.BENCH_W2_ENTRIES ? Number(process.env.BENCH_W2_ENTRIES) : Math.max(20, Math.round(W2_ENTRIES * ctx.scale));
  const markers = Math.round(total / 10);
  const versions = total - markers;
  const keys = Math.ceil(versions / 4); // about 4 versions per key
  const keyName = (k: number) => `p${k % W2_PREFIXES}/part-${k}.bin`;
  const c = new Clients(ctx.url);
  const inv = new Inv();
  const Bucket = 'w2-versions';
  // PutObject is a few ms on moto: many at once (moto_server serves each request on its own thread).
  const limit = pLimit(Math.max(ctx.concurrency, 32));
  try {
    const s3 = c.s3('us-east-1');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: tagList(BENCH_TAG) } }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await tier(limit, versions, (j) => s3.send(new PutObjectCommand({ Bucket, Key: keyName(j % keys), Body: 'x' })));
    // A delete marker on each of the first `markers` keys: DeleteObjects without version ids, 1,000 keys a call.
    await tier(limit, Math.ceil(markers / 1000), (b) =>
      s3.send(
        new DeleteObjectsCommand({
          Bucket,
          Delete: { Quiet: true, Objects: Array.from({ length: Math.min(1000, markers - b * 1000) }, (_, k) => ({ Key: keyName(b * 1000 + k) })) },
        }),
      ),
    );
    // Counted from what was sent (not listed back: moto's ListObjectVersions copies every version of the
    // bucket on each call, seconds a page at this size).
    const byPrefix: Record<string, number> = {};
    const bump = (k: number) => {
      const p = `${keyName(k).split('/')[0]}/`;
      byPrefix[p] = (byPrefix[p] ?? 0) + 1;
    };
    for (let j = 0; j < versions; j++) bump(j % keys);
    for (let k = 0; k < markers; k++) bump(k);
    inv.add({ type: 's3:bucket', region: 'us-east-1', name: Bucket, tagged: true, versionsByPrefix: byPrefix });
    return { items: inv.items, args: [], description: `1 versioned bucket, ${total} entries (${versions} puts, ${markers} delete markers) under ${W2_PREFIXES} key prefixes` };
  } finally {
    c.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// W3: deep chains: 100 endpoints → configs → models → 25 roles, the roles shared by 100 functions

export const W3_COUNTS = { endpoints: 100, roles: 25, functions: 100 } as const;

async function buildW3(ctx: BuildContext): Promise<Inventory> {
  const n = scaled(ctx.scale);
  const E = n(W3_COUNTS.endpoints);
  const R = n(W3_COUNTS.roles);
  const F = n(W3_COUNTS.functions);
  const c = new Clients(ctx.url);
  const inv = new Inv();
  const m = makers(c, inv);
  const limit = pLimit(ctx.concurrency);
  const region = 'us-east-1';
  try {
    await tier(limit, R, (i) => m.role(`w3-role-${i}`, BENCH_TAG));
    await Promise.all([
      tier(limit, F, (i) => m.fn(`w3-fn-${i}`, region, `w3-role-${i % R}`, BENCH_TAG)),
      (async () => {
        await tier(limit, E, (i) => m.model(`w3-model-${i}`, region, `w3-role-${i % R}`, BENCH_TAG));
        await tier(limit, E, (i) => m.config(`w3-epc-${i}`, region, `w3-model-${i}`, BENCH_TAG));
        await tier(limit, E, (i) => m.endpoint(`w3-ep-${i}`, region, `w3-epc-${i}`, BENCH_TAG));
      })(),
    ]);
  } finally {
    c.close();
  }
  return { items: inv.items, args: [], description: `${E} endpoints → ${E} configs → ${E} models → ${R} roles, the roles also used by ${F} functions (all tagged, ${region})` };
}

// ---------------------------------------------------------------------------------------------------
// W5: the coverage world: every type moto can create (as test/e2e/world-all-types.test.ts builds each), 20 of each

export const W5_EACH = 20;

async function buildW5(ctx: BuildContext): Promise<Inventory> {
  const N = Math.max(1, Math.round(W5_EACH * ctx.scale));
  const c = new Clients(ctx.url);
  const inv = new Inv();
  const m = makers(c, inv);
  const limit = pLimit(ctx.concurrency);
  const region = 'us-east-1';
  const sm = c.sm(region);
  const T = BENCH_TAG;
  const role = (i: number) => `w5-role-${i % N}`;
  const roleKey = (i: number) => keyOf('iam:role', role(i));
  const ecrImage = (name: string) => `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${name}:latest`;
  const add = (type: string, name: string, uses: string[] = [], extra: Partial<Pick<Item, 'children' | 'action'>> = {}) => inv.add({ type, region, name, tagged: true, uses, ...extra });
  const addTags = (arn: string | undefined) => (arn ? sm.send(new AddTagsCommand({ ResourceArn: arn, Tags: tagList(T) })) : Promise.resolve());
  try {
    // IAM: policies, roles (each with one attached policy), instance profiles holding a role.
    await tier(limit, N, (i) => m.policy(`w5-pol-${i}`, T));
    await tier(limit, N, async (i) => {
      await m.role(role(i), T, [keyOf('iam:policy', `w5-pol-${i}`)], 1);
      await c.iam().send(new AttachRolePolicyCommand({ RoleName: role(i), PolicyArn: policyArn(`w5-pol-${i}`) }));
    });
    await tier(limit, N, async (i) => {
      await c.iam().send(new CreateInstanceProfileCommand({ InstanceProfileName: `w5-profile-${i}`, Tags: tagList(T) }));
      await c.iam().send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: `w5-profile-${i}`, RoleName: role(i) }));
      add('iam:instance-profile', `w5-profile-${i}`, [roleKey(i)], { children: 1 });
    });
    await Promise.all([
      // SageMaker inference chain and the jobs (moto completes training, processing, transform and tuning jobs at once: retained).
      (async () => {
        await tier(limit, N, (i) => m.model(`w5-model-${i}`, region, role(i), T));
        await tier(limit, N, (i) => m.config(`w5-epc-${i}`, region, `w5-model-${i}`, T));
        await tier(limit, N, (i) => m.endpoint(`w5-ep-${i}`, region, `w5-epc-${i}`, T));
        await tier(limit, N, async (i) => {
          await sm.send(
            new CreateTransformJobCommand({
              TransformJobName: `w5-tf-${i}`,
              ModelName: `w5-model-${i}`,
              TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://w5-batch/in/' } } },
              TransformOutput: { S3OutputPath: 's3://w5-batch/out/' },
              TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
              Tags: tagList(T),
            }),
          );
          add('sagemaker:transform-job', `w5-tf-${i}`, [], { action: 'retained' });
        });
      })(),
      tier(limit, N, async (i) => {
        await sm.send(new CreateNotebookInstanceCommand({ NotebookInstanceName: `w5-nb-${i}`, InstanceType: 'ml.t3.medium', RoleArn: roleArn(role(i)), Tags: tagList(T) }));
        add('sagemaker:notebook-instance', `w5-nb-${i}`, [roleKey(i)]);
      }),
      tier(limit, N, async (i) => {
        await sm.send(
          new CreatePipelineCommand({ PipelineName: `w5-pipe-${i}`, PipelineDefinition: JSON.stringify({ Version: '2020-12-01', Parameters: [], Steps: [] }), RoleArn: roleArn(role(i)), Tags: tagList(T) }),
        );
        add('sagemaker:pipeline', `w5-pipe-${i}`, [roleKey(i)]);
      }),
      tier(limit, N, async (i) => {
        await sm.send(
          new CreateClusterCommand({
            ClusterName: `w5-hp-${i}`,
            InstanceGroups: [
              {
                InstanceGroupName: 'workers',
                InstanceType: 'ml.c5.large',
                InstanceCount: 1,
                ExecutionRole: roleArn(role(i)),
                ThreadsPerCore: 1,
                LifeCycleConfig: { SourceS3Uri: 's3://sagemaker-lifecycle/scripts/', OnCreate: 'on_create.sh' },
              },
            ],
            Tags: tagList(T),
          }),
        );
        add('sagemaker:cluster', `w5-hp-${i}`, [roleKey(i)]);
      }),
      tier(limit, N, async (i) => {
        await sm.send(
          new CreateTrainingJobCommand({
            TrainingJobName: `w5-train-${i}`,
            RoleArn: roleArn(role(i)),
            AlgorithmSpecification: { TrainingImage: ecrImage('train'), TrainingInputMode: 'File' },
            OutputDataConfig: { S3OutputPath: 's3://w5-training/' },
            ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
            StoppingCondition: { MaxRuntimeInSeconds: 3600 },
            Tags: tagList(T),
          }),
        );
        add('sagemaker:training-job', `w5-train-${i}`, [], { action: 'retained' });
      }),
      tier(limit, N, async (i) => {
        await sm.send(
          new CreateProcessingJobCommand({
            ProcessingJobName: `w5-prep-${i}`,
            RoleArn: roleArn(role(i)),
            AppSpecification: { ImageUri: ecrImage('prep') },
            ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 10 } },
            StoppingCondition: { MaxRuntimeInSeconds: 3600 },
            Tags: tagList(T),
          }),
        );
        add('sagemaker:processing-job', `w5-prep-${i}`, [], { action: 'retained' });
      }),
      tier(limit, N, async (i) => {
        await sm.send(
          new CreateHyperParameterTuningJobCommand({
            HyperParameterTuningJobName: `w5-hpo-${i}`,
            HyperParameterTuningJobConfig: {
              Strategy: 'Bayesian',
              ResourceLimits: { MaxNumberOfTrainingJobs: 1, MaxParallelTrainingJobs: 1 },
              HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'accuracy' },
            },
            TrainingJobDefinition: {
              RoleArn: roleArn(role(i)),
              StaticHyperParameters: { epochs: '1' },
              AlgorithmSpecification: { TrainingImage: ecrImage('train'), TrainingInputMode: 'File' },
              OutputDataConfig: { S3OutputPath: 's3://w5-hpo/out/' },
              ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
              StoppingCondition: { MaxRuntimeInSeconds: 3600 },
            },
            Tags: tagList(T),
          }),
        );
        add('sagemaker:hyper-parameter-tuning-job', `w5-hpo-${i}`, [], { action: 'retained' });
      }),
      tier(limit, N, async (i) => {
        await sm.send(
          new CreateAutoMLJobV2Command({
            AutoMLJobName: `w5-aml-${i}`,
            AutoMLJobInputDataConfig: [{ ChannelType: 'training', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://w5-automl/in/' } } }],
            OutputDataConfig: { S3OutputPath: 's3://w5-automl/out/' },
            AutoMLProblemTypeConfig: { TabularJobConfig: { TargetAttributeName: 'label', ProblemType: 'Regression', CompletionCriteria: { MaxCandidates: 2 } } },
            RoleArn: roleArn(role(i)),
            Tags: tagList(T),
          }),
        );
        // Stopped, not deleted (AWS keeps the record); stopping it frees its role.
        add('sagemaker:automl-job', `w5-aml-${i}`, [roleKey(i)], { action: 'stop' });
      }),
      // Experiments → trials → trial components (tagged with AddTags: moto drops the Create's Tags).
      tier(limit, N, async (i) => {
        await addTags((await sm.send(new CreateExperimentCommand({ ExperimentName: `w5-exp-${i}` }))).ExperimentArn);
        await addTags((await sm.send(new CreateTrialCommand({ TrialName: `w5-trial-${i}`, ExperimentName: `w5-exp-${i}` }))).TrialArn);
        await addTags((await sm.send(new CreateTrialComponentCommand({ TrialComponentName: `w5-tc-${i}`, Status: { PrimaryStatus: 'Completed' } }))).TrialComponentArn);
        await sm.send(new AssociateTrialComponentCommand({ TrialComponentName: `w5-tc-${i}`, TrialName: `w5-trial-${i}` }));
        add('sagemaker:experiment', `w5-exp-${i}`);
        add('sagemaker:experiment-trial-component', `w5-tc-${i}`);
        add('sagemaker:experiment-trial', `w5-trial-${i}`, [keyOf('sagemaker:experiment', `w5-exp-${i}`), keyOf('sagemaker:experiment-trial-component', `w5-tc-${i}`)], { children: 1 });
      }),
      tier(limit, N, (i) => m.fn(`w5-fn-${i}`, region, role(i), T)),
      tier(limit, N, (i) => m.logGroup(`/w5/app-${i}`, region, T)),
      tier(limit, N, async (i) => {
        await c.ecr(region).send(new CreateRepositoryCommand({ repositoryName: `w5/images-${i}`, tags: tagList(T) }));
        add('ecr:repository', `w5/images-${i}`);
      }),
      tier(limit, N, async (i) => {
        await c.codebuild(region).send(
          new CreateProjectCommand({
            name: `w5-build-${i}`,
            source: { type: 'S3', location: 'w5-sources/source.zip' },
            artifacts: { type: 'NO_ARTIFACTS' },
            environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
            serviceRole: roleArn(role(i)),
            tags: [{ key: T.Key, value: T.Value }],
          }),
        );
        add('codebuild:project', `w5-build-${i}`, [roleKey(i)]);
      }),
      // Glue jobs: the role by name (as the Nova SDK gives it), the script in a tagged bucket.
      tier(limit, N, async (i) => {
        const bucket = await m.bucket(`w5-scripts-${i}`, region, T, 1);
        await c.glue(region).send(
          new CreateJobCommand({ Name: `w5-glue-${i}`, Role: role(i), Command: { Name: 'glueetl', ScriptLocation: `s3://w5-scripts-${i}/data/0.bin` }, GlueVersion: '4.0', Tags: tagMap(T) }),
        );
        add('glue:job', `w5-glue-${i}`, [roleKey(i), bucket]);
      }),
      // EventBridge: a rule on each tagged bus.
      tier(limit, N, async (i) => {
        const events = c.events(region);
        await events.send(new CreateEventBusCommand({ Name: `w5-bus-${i}`, Tags: tagList(T) }));
        await events.send(new PutRuleCommand({ Name: `w5-rule-${i}`, EventBusName: `w5-bus-${i}`, EventPattern: '{"source":["aws.sagemaker"]}', Tags: tagList(T) }));
        add('events:event-bus', `w5-bus-${i}`);
        add('events:rule', `w5-rule-${i}`, [keyOf('events:event-bus', `w5-bus-${i}`)]);
      }),
      // CloudFormation: stacks owning a log group (it goes with its stack, never on its own).
      tier(limit, N, async (i) => {
        await c.cfn(region).send(
          new CreateStackCommand({
            StackName: `w5-stack-${i}`,
            TemplateBody: JSON.stringify({ Resources: { Logs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: `/w5/stack-${i}` } } } }),
            Tags: tagList(T),
          }),
        );
        add('cloudformation:stack', `w5-stack-${i}`);
      }),
    ]);
  } finally {
    c.close();
  }
  const types = new Set(inv.items.map((i) => i.type));
  return {
    items: inv.items,
    // moto's Tagging API does not return ECR repositories, CodeBuild projects nor EventBridge rules (AWS's
    // does): the run also lists every type, as the coverage end-to-end test's deleting run does.
    args: ['--discovery', 'both'],
    description: `${types.size} types, ${N} tagged of each (${inv.items.length} resources, ${region}; finished jobs retained, AutoML jobs stopped; stacks own a log group each)`,
  };
}

export const WORKLOADS: readonly Workload[] = [
  { id: 'W1', title: '1,000 tagged resources of mixed families in two regions, 1,000 decoys', build: (ctx) => buildW1(ctx, false) },
  { id: 'W2', title: 'one versioned bucket, 100,000 object versions and delete markers, 8 key prefixes', build: buildW2 },
  { id: 'W3', title: 'deep chains: 100 endpoints → configs → models → 25 roles shared by 100 functions', build: buildW3 },
  { id: 'W4', title: '--dry-run over W1', build: (ctx) => buildW1(ctx, true) },
  { id: 'W5', title: 'the coverage world: every type moto can create, 20 of each', build: buildW5 },
];
