/**
 * One world holding every type tested end to end on moto, built once, and three runs of the CLI on it:
 * `--dry-run --discovery list`, `--dry-run` (the Tagging API) and `--yes --discovery both`.
 *
 * Each type has one tagged resource that must go, decoys that must not be touched (`<name>-copy`:
 * untagged, with the tagged one's name as its prefix; `<name>-other`: another value of the tag key), and,
 * for the types others use, an untagged user of a tagged one (`team-*`: what it uses stays, "used by …
 * which stays"). Every decoy runs as one untagged role (wa-decoy-exec) and uses only decoys.
 *
 * Covered (every type src/commands/types.ts marks "end to end on moto"): sagemaker endpoint,
 * endpoint-config, model, notebook-instance, pipeline, cluster, training, processing, transform,
 * hyper-parameter-tuning and automl jobs, experiment, trial, trial component; lambda function; s3
 * bucket; ecr repository; codebuild project; glue job; events rule and event bus; log group;
 * cloudformation stack; iam role, policy, instance profile.
 *
 * Left out, and why (none of them is in the world, so their List calls answer empty lists):
 * - sagemaker:domain: moto 5.2.5 has no ListApps, ListSpaces nor ListUserProfiles (HTTP 500), and fails
 *   ListTags on a domain created without tags, so a domain cannot be read; the proxy refuses to answer
 *   for moto with a success, and the E2E map says "mocks only".
 * - sagemaker:model-package-group: moto has no GetModelPackageGroupPolicy (every tagged group would be
 *   unreadable: held back, exit 1) nor DeleteModelPackage(Group); the E2E map says "mocks only".
 * - codepipeline:pipeline: moto answers its timestamps as text the SDK refuses; "mocks only".
 * - every type moto cannot list (runCli adds `--assume-absent` for them) and the Bedrock types (moto's
 *   answers carry timestamps the SDK cannot parse).
 *
 * What moto needs, and how it is met (copied from the types-*.test.ts of each type):
 * - transform and tuning jobs are created with `Tags: []` when untagged (moto's ListTags fails otherwise).
 * - experiments, trials and trial components are tagged with AddTags (moto drops their Create's Tags).
 * - moto's Tagging API does not return ECR repositories, CodeBuild projects nor EventBridge rules (AWS's
 *   does): the Tagging-API dry run does not find them, and the test says exactly what that changes; the
 *   deleting run therefore uses `--discovery both`. (It does return experiments, trials and trial
 *   components once AddTags has tagged them, whatever the README's "list" for them says.)
 */
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CodeBuildClient, CreateProjectCommand, ListProjectsCommand } from '@aws-sdk/client-codebuild';
import { CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient, ListImagesCommand, PutImageCommand } from '@aws-sdk/client-ecr';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { CreateJobCommand, GetJobsCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListInstanceProfilesCommand,
  ListPoliciesCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListBucketsCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import {
  AddTagsCommand,
  AssociateTrialComponentCommand,
  CreateAutoMLJobV2Command,
  CreateClusterCommand,
  CreateExperimentCommand,
  CreateHyperParameterTuningJobCommand,
  CreatePipelineCommand,
  CreateProcessingJobCommand,
  CreateTransformJobCommand,
  CreateTrialCommand,
  CreateTrialComponentCommand,
  ListAutoMLJobsCommand,
  ListClustersCommand,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListExperimentsCommand,
  ListHyperParameterTuningJobsCommand,
  ListModelsCommand,
  ListNotebookInstancesCommand,
  ListPipelinesCommand,
  ListProcessingJobsCommand,
  ListTrainingJobsCommand,
  ListTransformJobsCommand,
  ListTrialComponentsCommand,
  ListTrialsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Factory, type TagMap } from '../../scripts/lib/factory.js';
import { ACCOUNT, clientConfig } from '../../scripts/lib/world.js';
import type { Outcome, Report } from '../../src/model.js';
import { describeWithMoto, runCli } from './harness.js';
import { startProxy, type Proxy } from '../../scripts/lib/proxy.js';

const REGION = 'us-east-1';
const TAG = { project: 'world-all' };
const OTHER = { project: 'someone-else' };
const tagList = (t?: TagMap) => Object.entries(t ?? {}).map(([Key, Value]) => ({ Key, Value }));
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const queueArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:wa-queue`;
/** The changing calls the proxy saw (Bedrock's REST list calls are POSTs the proxy cannot name: not counted). */
const changes = (proxy: Proxy) => proxy.mutating().filter((r) => changing(r.operation)).map((r) => `${r.service} ${r.operation}`);
/** The proxy also counts CodeBuild's BatchGetProjects (a read) as changing. */
const changing = (operation: string) => !/^[A-Z]+ \//.test(operation) && !/^BatchGet/.test(operation);

// ---------------------------------------------------------------------------------------------------
// What the runs must decide

const used = (type: string, name: string) => `in-use: used by ${type} ${name} (${REGION}), which stays`;

/** Planned in the dry runs, deleted by the real run (`type name`). */
const GOES = [
  'sagemaker:endpoint wa-ep',
  'sagemaker:endpoint-config wa-epc',
  'sagemaker:model wa-model',
  'iam:role wa-model-exec',
  'sagemaker:notebook-instance wa-nb',
  'iam:role wa-nb-exec',
  'sagemaker:pipeline wa-pipe',
  'iam:role wa-pipe-exec',
  'sagemaker:cluster wa-hp',
  'iam:role wa-hp-exec',
  'iam:role wa-train-exec',
  'iam:role wa-prep-exec',
  'sagemaker:model wa-tf-model',
  'iam:role wa-hpo-exec',
  'sagemaker:automl-job wa-aml',
  'iam:role wa-aml-exec',
  'sagemaker:experiment wa-exp',
  'sagemaker:experiment-trial wa-trial',
  'sagemaker:experiment-trial-component wa-tc',
  'lambda:function wa-fn',
  'iam:role wa-fn-exec',
  'logs:log-group /aws/lambda/wa-fn',
  's3:bucket wa-data',
  's3:bucket wa-glue-scripts',
  'ecr:repository wa/images',
  'codebuild:project wa-build',
  'iam:role wa-build-exec',
  'glue:job wa-glue',
  'iam:role wa-glue-exec',
  'events:rule wa-rule',
  'events:event-bus wa-bus',
  'iam:role wa-rule-exec',
  'logs:log-group /wa/app',
  'cloudformation:stack wa-stack',
  'iam:policy wa-policy',
  'iam:role wa-policy-role',
  'iam:instance-profile wa-profile',
  'iam:role wa-profile-role',
];
/** Finished jobs: AWS keeps their records (moto completes them at once). */
const RETAINED = ['sagemaker:training-job wa-train', 'sagemaker:processing-job wa-prep', 'sagemaker:transform-job wa-tf', 'sagemaker:hyper-parameter-tuning-job wa-hpo'];
const RETAINED_REASON = "retained by AWS: a finished job's record has no delete here; nothing to do";
/** Tagged, and kept: `type name` → `rule: reason`. */
const KEPT: Record<string, string> = {
  'sagemaker:endpoint-config wa-epc-kept': used('sagemaker:endpoint', 'team-ep'),
  'sagemaker:model wa-model-kept': used('sagemaker:endpoint-config', 'wa-epc-kept'),
  'iam:role wa-model-kept-exec': used('sagemaker:model', 'wa-model-kept'),
  'sagemaker:model wa-model-shared': used('sagemaker:endpoint-config', 'team-epc'),
  'iam:role wa-nb-shared-exec': used('sagemaker:notebook-instance', 'team-nb'),
  'iam:role wa-pipe-shared-exec': used('sagemaker:pipeline', 'team-pipe'),
  'iam:role wa-aml-shared-exec': used('sagemaker:automl-job', 'team-aml'),
  'sagemaker:experiment wa-exp-kept': used('sagemaker:experiment-trial', 'team-trial'),
  'sagemaker:experiment-trial-component wa-tc-kept': used('sagemaker:experiment-trial', 'team-trial'),
  'lambda:function wa-fn-kept': used('events:rule', 'team-rule'),
  'iam:role wa-fn-kept-exec': used('lambda:function', 'wa-fn-kept'),
  'iam:role wa-fn-shared-exec': used('lambda:function', 'team-fn'),
  'logs:log-group /aws/lambda/team-fn': used('lambda:function', 'team-fn'),
  's3:bucket wa-shared-scripts': used('glue:job', 'team-glue'),
  'iam:role wa-glue-shared-exec': used('glue:job', 'team-glue'),
  'iam:role wa-build-shared-exec': used('codebuild:project', 'team-build'),
  'events:event-bus wa-bus-kept': used('events:rule', 'team-rule'),
  'iam:role wa-rule-shared-exec': used('events:rule', 'team-rule'),
  'cloudformation:stack wa-stack-kept': used('lambda:function', 'team-stack-fn'),
  'iam:policy wa-shared-policy': used('iam:role', 'team-role'),
  'iam:role wa-profile-kept-role': used('iam:instance-profile', 'team-profile'),
};
/** Tagged, and protected whatever uses it. */
const PROTECTED: Record<string, RegExp> = {
  'logs:log-group /aws/sagemaker/TrainingJobs': /^protected: account-wide log group every SageMaker training job in the account writes to/,
};

/** One line per outcome: `type name status rule[: reason]` (the reason of what is not deleted). */
const decisions = (report: Report) =>
  report.resources.map((o) => `${o.type} ${o.name} ${o.status} ${o.rule}${o.rule === 'delete' || o.rule === 'retained-by-aws' ? '' : `: ${o.reason ?? ''}`}`).sort();
const expectedDecisions = (status: 'planned' | 'deleted') =>
  [
    ...GOES.map((d) => `${d} ${status} delete`),
    ...RETAINED.map((d) => `${d} retained retained-by-aws`),
    ...Object.entries(KEPT).map(([d, why]) => `${d} skipped ${why}`),
  ];

/**
 * The same world seen through moto's Tagging API, which returns no ECR repository, CodeBuild project nor
 * EventBridge rule (AWS's returns them). Those are not found; the tagged rule and project not found are
 * users that stay, so what they use stays with them (and what that uses, in turn).
 */
const TAGGING_MISSES = /^(ecr:repository|codebuild:project|events:rule) /;
const TAGGING_KEEPS: Record<string, string> = {
  'iam:role wa-build-exec': used('codebuild:project', 'wa-build'),
  'events:event-bus wa-bus': used('events:rule', 'wa-rule'),
  'lambda:function wa-fn': used('events:rule', 'wa-rule'),
  'iam:role wa-rule-exec': used('events:rule', 'wa-rule'),
  'iam:role wa-fn-exec': used('lambda:function', 'wa-fn'),
  'logs:log-group /aws/lambda/wa-fn': used('lambda:function', 'wa-fn'),
};

/** What the real run removes from the account, by family of {@link accountState} (what stacks own included). */
const REMOVED: Record<string, string[]> = {
  roles: [
    'wa-model-exec', 'wa-nb-exec', 'wa-pipe-exec', 'wa-hp-exec', 'wa-train-exec', 'wa-prep-exec', 'wa-hpo-exec', 'wa-aml-exec',
    'wa-fn-exec', 'wa-build-exec', 'wa-glue-exec', 'wa-rule-exec', 'wa-policy-role', 'wa-profile-role', 'wa-stack-exec',
  ],
  attachments: ['wa-policy-role/wa-policy'],
  policies: ['wa-policy'],
  profiles: ['wa-profile [wa-profile-role]'],
  buckets: ['wa-data objects=1', 'wa-glue-scripts objects=1', 'wa-stack-data objects=0'],
  functions: ['wa-fn'],
  logGroups: ['/aws/lambda/wa-fn', '/wa/app', '/wa/wa-stack'],
  models: ['wa-model', 'wa-tf-model'],
  configs: ['wa-epc'],
  endpoints: ['wa-ep InService'],
  notebooks: ['wa-nb InService'],
  pipelines: ['wa-pipe'],
  clusters: ['wa-hp'],
  experiments: ['wa-exp'],
  trials: ['wa-trial'],
  components: ['wa-tc'],
  associations: ['wa-trial/wa-tc'],
  repositories: ['wa/images images=1'],
  projects: ['wa-build'],
  glueJobs: ['wa-glue'],
  buses: ['wa-bus'],
  rules: ['wa-bus/wa-rule [fn,q]'],
  stacks: ['wa-stack'],
};
/** And what it changes: the tagged AutoML job is stopped (its record stays). */
const CHANGED: Record<string, [string, string][]> = { automl: [['wa-aml InProgress', 'wa-aml Stopped']] };

// ---------------------------------------------------------------------------------------------------

describeWithMoto('one world of every type tested end to end on moto', (moto) => {
  let f: Factory;
  let sm: SageMakerClient;
  let proxy: Proxy;
  let backupDir: string;
  let before: Record<string, string[]>;
  /** Decisions of the list dry run: the reference for the other two runs. */
  let listed: string[] | undefined;
  /** The changing calls the CLI sent (reset before each run). */
  const writes: string[] = [];
  const clients: { destroy(): void }[] = [];

  const run = async (extra: string[]) => {
    const r = await runCli(['--tag', 'project=world-all', '--region', REGION, '--json', '--backup-dir', backupDir, ...extra], { endpoint: proxy.url });
    expect(r.stderr).not.toMatch(/unexpected error/);
    return { ...r, report: JSON.parse(r.stdout) as Report };
  };
  const by = (report: Report, type: string, name: string): Outcome | undefined => report.resources.find((o) => o.type === type && o.name === name);
  const client = <C extends { destroy(): void }>(c: C): C => {
    clients.push(c);
    return c;
  };

  /** Everything in the emulated account, by family, sorted: equal states mean nothing changed. */
  const accountState = async (): Promise<Record<string, string[]>> => {
    const cfg = clientConfig(moto().url, REGION);
    const iam = f.iam();
    const s3 = f.s3(REGION);
    const logs = client(new CloudWatchLogsClient(cfg));
    const ecr = client(new ECRClient(cfg));
    const codebuild = client(new CodeBuildClient(cfg));
    const glue = client(new GlueClient(cfg));
    const eb = client(new EventBridgeClient(cfg));
    const cfn = client(new CloudFormationClient(cfg));
    const sort = (a: (string | undefined)[]) => a.map((s) => s ?? '?').sort();

    const roleNames = ((await iam.send(new ListRolesCommand({ MaxItems: 1000 }))).Roles ?? []).map((r) => r.RoleName ?? '?');
    const attachments: string[] = [];
    for (const RoleName of roleNames) {
      for (const p of (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName }))).AttachedPolicies ?? []) attachments.push(`${RoleName}/${p.PolicyName ?? '?'}`);
    }
    const buckets: string[] = [];
    for (const b of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
      const v = await s3.send(new ListObjectVersionsCommand({ Bucket: b.Name }));
      buckets.push(`${b.Name} objects=${(v.Versions?.length ?? 0) + (v.DeleteMarkers?.length ?? 0)}`);
    }
    const trials = sort(((await sm.send(new ListTrialsCommand({}))).TrialSummaries ?? []).map((t) => t.TrialName));
    const associations: string[] = [];
    for (const TrialName of trials) {
      for (const c of (await sm.send(new ListTrialComponentsCommand({ TrialName }))).TrialComponentSummaries ?? []) associations.push(`${TrialName}/${c.TrialComponentName ?? '?'}`);
    }
    const repositories: string[] = [];
    for (const r of (await ecr.send(new DescribeRepositoriesCommand({}))).repositories ?? []) {
      repositories.push(`${r.repositoryName} images=${(await ecr.send(new ListImagesCommand({ repositoryName: r.repositoryName }))).imageIds?.length ?? 0}`);
    }
    const busNames = ((await eb.send(new ListEventBusesCommand({}))).EventBuses ?? []).map((b) => b.Name ?? '?');
    const rules: string[] = [];
    for (const EventBusName of busNames) {
      for (const rule of (await eb.send(new ListRulesCommand({ EventBusName }))).Rules ?? []) {
        const targets = (await eb.send(new ListTargetsByRuleCommand({ Rule: rule.Name, EventBusName }))).Targets ?? [];
        rules.push(`${EventBusName}/${rule.Name} [${targets.map((t) => t.Id).join(',')}]`);
      }
    }
    return {
      roles: sort(roleNames),
      attachments: sort(attachments),
      policies: sort(((await iam.send(new ListPoliciesCommand({ Scope: 'Local' }))).Policies ?? []).map((p) => p.PolicyName)),
      profiles: sort(((await iam.send(new ListInstanceProfilesCommand({}))).InstanceProfiles ?? []).map((p) => `${p.InstanceProfileName} [${(p.Roles ?? []).map((r) => r.RoleName).join(',')}]`)),
      buckets: sort(buckets),
      functions: sort(((await f.lambda(REGION).send(new ListFunctionsCommand({}))).Functions ?? []).map((x) => x.FunctionName)),
      logGroups: sort(((await logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? []).map((g) => g.logGroupName)),
      models: sort(((await sm.send(new ListModelsCommand({}))).Models ?? []).map((m) => m.ModelName)),
      configs: sort(((await sm.send(new ListEndpointConfigsCommand({}))).EndpointConfigs ?? []).map((c) => c.EndpointConfigName)),
      endpoints: sort(((await sm.send(new ListEndpointsCommand({}))).Endpoints ?? []).map((e) => `${e.EndpointName} ${e.EndpointStatus}`)),
      notebooks: sort(((await sm.send(new ListNotebookInstancesCommand({}))).NotebookInstances ?? []).map((n) => `${n.NotebookInstanceName} ${n.NotebookInstanceStatus}`)),
      pipelines: sort(((await sm.send(new ListPipelinesCommand({}))).PipelineSummaries ?? []).map((p) => p.PipelineName)),
      clusters: sort(((await sm.send(new ListClustersCommand({}))).ClusterSummaries ?? []).map((c) => c.ClusterName)),
      training: sort(((await sm.send(new ListTrainingJobsCommand({}))).TrainingJobSummaries ?? []).map((j) => `${j.TrainingJobName} ${j.TrainingJobStatus}`)),
      processing: sort(((await sm.send(new ListProcessingJobsCommand({}))).ProcessingJobSummaries ?? []).map((j) => `${j.ProcessingJobName} ${j.ProcessingJobStatus}`)),
      transform: sort(((await sm.send(new ListTransformJobsCommand({}))).TransformJobSummaries ?? []).map((j) => `${j.TransformJobName} ${j.TransformJobStatus}`)),
      tuning: sort(((await sm.send(new ListHyperParameterTuningJobsCommand({}))).HyperParameterTuningJobSummaries ?? []).map((j) => `${j.HyperParameterTuningJobName} ${j.HyperParameterTuningJobStatus}`)),
      automl: sort(((await sm.send(new ListAutoMLJobsCommand({}))).AutoMLJobSummaries ?? []).map((j) => `${j.AutoMLJobName} ${j.AutoMLJobStatus}`)),
      experiments: sort(((await sm.send(new ListExperimentsCommand({}))).ExperimentSummaries ?? []).map((e) => e.ExperimentName)),
      trials,
      components: sort(((await sm.send(new ListTrialComponentsCommand({}))).TrialComponentSummaries ?? []).map((c) => c.TrialComponentName)),
      associations: sort(associations),
      repositories: sort(repositories),
      projects: sort((await codebuild.send(new ListProjectsCommand({}))).projects ?? []),
      glueJobs: sort(((await glue.send(new GetJobsCommand({}))).Jobs ?? []).map((j) => j.Name)),
      buses: sort(busNames),
      rules: sort(rules),
      stacks: sort(((await cfn.send(new DescribeStacksCommand({}))).Stacks ?? []).map((s) => s.StackName)),
    };
  };

  /** Builds the world: per type the tagged one, its decoys, and untagged users of tagged ones. */
  const build = async () => {
    const cfg = clientConfig(moto().url, REGION);
    const iam = f.iam();
    const logs = client(new CloudWatchLogsClient(cfg));
    const ecr = client(new ECRClient(cfg));
    const codebuild = client(new CodeBuildClient(cfg));
    const glue = client(new GlueClient(cfg));
    const eb = client(new EventBridgeClient(cfg));
    const cfn = client(new CloudFormationClient(cfg));
    const role = (name: string, tags?: TagMap) => f.role(name, tags);
    const decoy = await role('wa-decoy-exec');

    // --- IAM: a tagged policy on a tagged role (both go); a tagged policy an untagged role uses (kept).
    const policy = async (name: string, tags?: TagMap) =>
      (await iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }), ...(tags ? { Tags: tagList(tags) } : {}) }))).Policy?.Arn;
    await role('wa-policy-role', TAG);
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'wa-policy-role', PolicyArn: await policy('wa-policy', TAG) }));
    await role('team-role');
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'team-role', PolicyArn: await policy('wa-shared-policy', TAG) }));
    await policy('wa-policy-copy');
    await policy('wa-policy-other', OTHER);
    // Instance profiles: a tagged one with a tagged role (both go); an untagged one keeps its tagged role.
    const profile = async (name: string, roleName?: string, tags?: TagMap) => {
      await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, ...(tags ? { Tags: tagList(tags) } : {}) }));
      if (roleName) await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: roleName }));
    };
    await role('wa-profile-role', TAG);
    await profile('wa-profile', 'wa-profile-role', TAG);
    await role('wa-profile-kept-role', TAG);
    await profile('team-profile', 'wa-profile-kept-role');
    await profile('wa-profile-copy');
    await profile('wa-profile-other', undefined, OTHER);
    // Role decoys.
    await role('wa-policy-role-copy');
    await role('wa-policy-role-other', OTHER);

    // --- SageMaker inference: endpoint → config → model → role, all tagged: all go.
    await f.model('wa-model', await role('wa-model-exec', TAG), REGION, TAG);
    await f.endpointConfig('wa-epc', 'wa-model', REGION, TAG);
    await f.endpoint('wa-ep', 'wa-epc', REGION, TAG);
    // An untagged endpoint on a tagged config (kept), whose tagged model and role are kept with it.
    await f.model('wa-model-kept', await role('wa-model-kept-exec', TAG), REGION, TAG);
    await f.endpointConfig('wa-epc-kept', 'wa-model-kept', REGION, TAG);
    await f.endpoint('team-ep', 'wa-epc-kept', REGION);
    // An untagged config on a tagged model: the model is kept.
    await f.model('wa-model-shared', decoy, REGION, TAG);
    await f.endpointConfig('team-epc', 'wa-model-shared', REGION);
    // Decoys, each level: untagged with the same prefix, another value.
    for (const [suffix, tags] of [['copy', undefined], ['other', OTHER]] as const) {
      await f.model(`wa-model-${suffix}`, decoy, REGION, tags);
      await f.endpointConfig(`wa-epc-${suffix}`, `wa-model-${suffix}`, REGION, tags);
      await f.endpoint(`wa-ep-${suffix}`, `wa-epc-${suffix}`, REGION, tags);
    }

    // --- Notebooks.
    await f.notebook('wa-nb', await role('wa-nb-exec', TAG), REGION, TAG);
    await f.notebook('team-nb', await role('wa-nb-shared-exec', TAG), REGION);
    await f.notebook('wa-nb-copy', decoy, REGION);
    await f.notebook('wa-nb-other', decoy, REGION, OTHER);

    // --- SageMaker pipelines.
    const pipeline = (name: string, roleArn: string, tags?: TagMap) =>
      sm.send(new CreatePipelineCommand({ PipelineName: name, PipelineDefinition: JSON.stringify({ Version: '2020-12-01', Parameters: [], Steps: [] }), RoleArn: roleArn, ...(tags ? { Tags: tagList(tags) } : {}) }));
    await pipeline('wa-pipe', await role('wa-pipe-exec', TAG), TAG);
    await pipeline('team-pipe', await role('wa-pipe-shared-exec', TAG));
    await pipeline('wa-pipe-copy', decoy);
    await pipeline('wa-pipe-other', decoy, OTHER);

    // --- HyperPod clusters (moto wants ThreadsPerCore and a lifecycle URI under s3://sagemaker-).
    const cluster = (name: string, roleArn: string, tags?: TagMap) =>
      sm.send(
        new CreateClusterCommand({
          ClusterName: name,
          InstanceGroups: [
            { InstanceGroupName: 'workers', InstanceType: 'ml.c5.large', InstanceCount: 1, ExecutionRole: roleArn, ThreadsPerCore: 1, LifeCycleConfig: { SourceS3Uri: 's3://sagemaker-lifecycle/scripts/', OnCreate: 'on_create.sh' } },
          ],
          ...(tags ? { Tags: tagList(tags) } : {}),
        }),
      );
    await cluster('wa-hp', await role('wa-hp-exec', TAG), TAG);
    await cluster('wa-hp-copy', decoy);
    await cluster('wa-hp-other', decoy, OTHER);

    // --- Jobs: moto completes training, processing, transform and tuning jobs at once (retained, their
    // roles and model go); AutoML V2 jobs stay InProgress (the tagged one is stopped; an untagged running
    // one keeps its tagged role).
    await f.trainingJob('wa-train', await role('wa-train-exec', TAG), REGION, TAG);
    await f.trainingJob('wa-train-copy', decoy, REGION);
    await f.trainingJob('wa-train-other', decoy, REGION, OTHER);
    const processing = (name: string, roleArn: string, tags?: TagMap) =>
      sm.send(
        new CreateProcessingJobCommand({
          ProcessingJobName: name,
          RoleArn: roleArn,
          AppSpecification: { ImageUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/prep:latest` },
          ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 10 } },
          StoppingCondition: { MaxRuntimeInSeconds: 3600 },
          ...(tags ? { Tags: tagList(tags) } : {}),
        }),
      );
    await processing('wa-prep', await role('wa-prep-exec', TAG), TAG);
    await processing('wa-prep-copy', decoy);
    await processing('wa-prep-other', decoy, OTHER);
    const transform = (name: string, modelName: string, tags?: TagMap) =>
      sm.send(
        new CreateTransformJobCommand({
          TransformJobName: name,
          ModelName: modelName,
          TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://wa-batch/in/' } } },
          TransformOutput: { S3OutputPath: 's3://wa-batch/out/' },
          TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
          Tags: tagList(tags), // never absent: moto's ListTags fails on a transform job created without Tags
        }),
      );
    await f.model('wa-tf-model', decoy, REGION, TAG);
    await transform('wa-tf', 'wa-tf-model', TAG);
    await transform('wa-tf-copy', 'wa-model-copy');
    await transform('wa-tf-other', 'wa-model-other', OTHER);
    const tuning = (name: string, roleArn: string, tags?: TagMap) =>
      sm.send(
        new CreateHyperParameterTuningJobCommand({
          HyperParameterTuningJobName: name,
          HyperParameterTuningJobConfig: {
            Strategy: 'Bayesian',
            ResourceLimits: { MaxNumberOfTrainingJobs: 1, MaxParallelTrainingJobs: 1 },
            HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'accuracy' },
          },
          TrainingJobDefinition: {
            RoleArn: roleArn,
            StaticHyperParameters: { epochs: '1' },
            AlgorithmSpecification: { TrainingImage: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/train:latest`, TrainingInputMode: 'File' },
            OutputDataConfig: { S3OutputPath: 's3://wa-hpo/out/' },
            ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
            StoppingCondition: { MaxRuntimeInSeconds: 3600 },
          },
          Tags: tagList(tags), // never absent (as transform jobs)
        }),
      );
    await tuning('wa-hpo', await role('wa-hpo-exec', TAG), TAG);
    await tuning('wa-hpo-copy', decoy);
    await tuning('wa-hpo-other', decoy, OTHER);
    const automl = (name: string, roleArn: string, tags?: TagMap) =>
      sm.send(
        new CreateAutoMLJobV2Command({
          AutoMLJobName: name,
          AutoMLJobInputDataConfig: [{ ChannelType: 'training', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://wa-automl/in/' } } }],
          OutputDataConfig: { S3OutputPath: 's3://wa-automl/out/' },
          AutoMLProblemTypeConfig: { TabularJobConfig: { TargetAttributeName: 'label', ProblemType: 'Regression', CompletionCriteria: { MaxCandidates: 2 } } },
          RoleArn: roleArn,
          Tags: tagList(tags),
        }),
      );
    await automl('wa-aml', await role('wa-aml-exec', TAG), TAG);
    await automl('team-aml', await role('wa-aml-shared-exec', TAG));
    await automl('wa-aml-copy', decoy);
    await automl('wa-aml-other', decoy, OTHER);

    // --- Experiments (tagged with AddTags: moto drops the Create's Tags; names in lower case).
    const addTags = async (arn: string | undefined, tags?: TagMap) => {
      if (arn && tags) await sm.send(new AddTagsCommand({ ResourceArn: arn, Tags: tagList(tags) }));
    };
    const experiment = async (name: string, tags?: TagMap) => addTags((await sm.send(new CreateExperimentCommand({ ExperimentName: name }))).ExperimentArn, tags);
    const trial = async (name: string, experimentName: string, tags?: TagMap) => addTags((await sm.send(new CreateTrialCommand({ TrialName: name, ExperimentName: experimentName }))).TrialArn, tags);
    const component = async (name: string, trialName: string, tags?: TagMap) => {
      await addTags((await sm.send(new CreateTrialComponentCommand({ TrialComponentName: name, Status: { PrimaryStatus: 'Completed' } }))).TrialComponentArn, tags);
      await sm.send(new AssociateTrialComponentCommand({ TrialComponentName: name, TrialName: trialName }));
    };
    await experiment('wa-exp', TAG);
    await trial('wa-trial', 'wa-exp', TAG);
    await component('wa-tc', 'wa-trial', TAG);
    // An untagged trial in a tagged experiment, holding a tagged component: both kept.
    await experiment('wa-exp-kept', TAG);
    await trial('team-trial', 'wa-exp-kept');
    await component('wa-tc-kept', 'team-trial', TAG);
    for (const [suffix, tags] of [['copy', undefined], ['other', OTHER]] as const) {
      await experiment(`wa-exp-${suffix}`, tags);
      await trial(`wa-trial-${suffix}`, `wa-exp-${suffix}`, tags);
      await component(`wa-tc-${suffix}`, `wa-trial-${suffix}`, tags);
    }

    // --- Lambda, with their own log groups: a tagged function (used by the tagged rule) and its group go;
    // a tagged function an untagged rule targets is kept, with its role; an untagged function keeps its
    // tagged role and its tagged log group.
    await f.fn('wa-fn', await role('wa-fn-exec', TAG), REGION, TAG);
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/lambda/wa-fn', tags: TAG }));
    await f.fn('wa-fn-kept', await role('wa-fn-kept-exec', TAG), REGION, TAG);
    await f.fn('team-fn', await role('wa-fn-shared-exec', TAG), REGION);
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/lambda/team-fn', tags: TAG }));
    await f.fn('wa-fn-copy', decoy, REGION);
    await f.fn('wa-fn-other', decoy, REGION, OTHER);

    // --- Log groups: one tagged, the account-wide one tagged (protected), decoys.
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/wa/app', tags: TAG }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/sagemaker/TrainingJobs', tags: TAG }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/wa/app-copy' }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/wa/app-other', tags: OTHER }));

    // --- S3 (one object each).
    await f.bucket('wa-data', REGION, TAG);
    await f.bucket('wa-data-copy', REGION);
    await f.bucket('wa-data-other', REGION, OTHER);

    // --- Glue: a tagged job, its role given by name (as the Nova SDK does), its script in a tagged bucket:
    // all go; an untagged job keeps its tagged role and script bucket.
    const job = (name: string, roleRef: string, script: string, tags?: TagMap) =>
      glue.send(new CreateJobCommand({ Name: name, Role: roleRef, Command: { Name: 'glueetl', ScriptLocation: script }, GlueVersion: '4.0', ...(tags ? { Tags: { ...tags } } : {}) }));
    await role('wa-glue-exec', TAG);
    await f.bucket('wa-glue-scripts', REGION, TAG);
    await job('wa-glue', 'wa-glue-exec', 's3://wa-glue-scripts/data/0.bin', TAG);
    await f.bucket('wa-shared-scripts', REGION, TAG);
    await job('team-glue', await role('wa-glue-shared-exec', TAG), 's3://wa-shared-scripts/data/0.bin');
    await job('wa-glue-copy', decoy, 's3://wa-data-copy/data/0.bin');
    await job('wa-glue-other', decoy, 's3://wa-data-copy/data/0.bin', OTHER);

    // --- ECR (a tagged repository holding an image).
    const repository = (name: string, tags?: TagMap) => ecr.send(new CreateRepositoryCommand({ repositoryName: name, ...(tags ? { tags: tagList(tags) } : {}) }));
    await repository('wa/images', TAG);
    await ecr.send(
      new PutImageCommand({
        repositoryName: 'wa/images',
        imageTag: 'latest',
        imageManifest: JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 7023, digest: `sha256:${'a'.repeat(64)}` },
          layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 32654, digest: `sha256:${'b'.repeat(64)}` }],
        }),
      }),
    );
    await repository('wa/images-copy');
    await repository('wa/images-other', OTHER);

    // --- CodeBuild.
    const project = (name: string, roleRef: string, tags?: TagMap) =>
      codebuild.send(
        new CreateProjectCommand({
          name,
          source: { type: 'S3', location: 'wa-sources/source.zip' },
          artifacts: { type: 'NO_ARTIFACTS' },
          environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
          serviceRole: roleRef,
          ...(tags ? { tags: Object.entries(tags).map(([key, value]) => ({ key, value })) } : {}),
        }),
      );
    await project('wa-build', await role('wa-build-exec', TAG), TAG);
    await project('team-build', await role('wa-build-shared-exec', TAG));
    await project('wa-build-copy', decoy);
    await project('wa-build-other', decoy, OTHER);

    // --- EventBridge: a tagged rule on a tagged bus, targeting the tagged function and (as a tagged role)
    // a queue: all go, the rule first. An untagged rule on a tagged bus keeps the bus, its target function
    // and its target's role.
    const bus = (name: string, tags?: TagMap) => eb.send(new CreateEventBusCommand({ Name: name, ...(tags ? { Tags: tagList(tags) } : {}) }));
    const rule = async (name: string, busName: string, tags?: TagMap, targets?: Target[]) => {
      await eb.send(new PutRuleCommand({ Name: name, EventBusName: busName, EventPattern: '{"source":["aws.sagemaker"]}', ...(tags ? { Tags: tagList(tags) } : {}) }));
      if (targets) await eb.send(new PutTargetsCommand({ Rule: name, EventBusName: busName, Targets: targets }));
    };
    await bus('wa-bus', TAG);
    await rule('wa-rule', 'wa-bus', TAG, [
      { Id: 'fn', Arn: fnArn('wa-fn') },
      { Id: 'q', Arn: queueArn, RoleArn: await role('wa-rule-exec', TAG) },
    ]);
    await bus('wa-bus-kept', TAG);
    await rule('team-rule', 'wa-bus-kept', undefined, [
      { Id: 'fn', Arn: fnArn('wa-fn-kept') },
      { Id: 'q', Arn: queueArn, RoleArn: await role('wa-rule-shared-exec', TAG) },
    ]);
    await bus('wa-bus-copy');
    await bus('wa-bus-other', OTHER);
    await rule('wa-rule-copy', 'default');
    await rule('wa-rule-other', 'wa-bus-other', OTHER);

    // --- CloudFormation: stacks owning a bucket, a role and a log group. The tagged one goes with what it
    // owns; a tagged one whose role an untagged function runs as is kept.
    const stack = (name: string, tags?: TagMap) =>
      cfn.send(
        new CreateStackCommand({
          StackName: name,
          TemplateBody: JSON.stringify({
            Resources: {
              Data: { Type: 'AWS::S3::Bucket', Properties: { BucketName: `${name}-data` } },
              Exec: {
                Type: 'AWS::IAM::Role',
                Properties: { RoleName: `${name}-exec`, AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] } },
              },
              Logs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: `/wa/${name}` } },
            },
          }),
          ...(tags ? { Tags: tagList(tags) } : {}),
        }),
      );
    await stack('wa-stack', TAG);
    await stack('wa-stack-kept', TAG);
    await f.fn('team-stack-fn', roleArn('wa-stack-kept-exec'), REGION);
    await stack('wa-stack-copy');
    await stack('wa-stack-other', OTHER);
  };

  beforeAll(async () => {
    await moto().reset();
    f = new Factory(moto().url);
    sm = client(new SageMakerClient(clientConfig(moto().url, REGION)));
    backupDir = await mkdtemp(join(tmpdir(), 'nova-world-all-'));
    proxy = await startProxy(moto().url);
    // Sees every call first and answers none: the changing calls, with their paths and bodies.
    proxy.fail((r) => {
      if (r.mutating && changing(r.operation)) writes.push(`${r.operation} ${decodeURIComponent(r.path)}?${r.query} ${r.body}`);
      return false;
    }, { code: 'never' });
    await build();
    before = await accountState();
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    f?.close();
    await proxy?.stop();
  });

  it('the world is as built: every family has its tagged resource and its decoys', () => {
    // A guard on the world itself: the decoys and users the other tests rely on exist.
    expect(before.endpoints).toEqual(['team-ep InService', 'wa-ep InService', 'wa-ep-copy InService', 'wa-ep-other InService']);
    expect(before.automl).toEqual(['team-aml InProgress', 'wa-aml InProgress', 'wa-aml-copy InProgress', 'wa-aml-other InProgress']);
    expect(before.associations).toEqual(['team-trial/wa-tc-kept', 'wa-trial-copy/wa-tc-copy', 'wa-trial-other/wa-tc-other', 'wa-trial/wa-tc']);
    expect(before.rules).toEqual(['default/wa-rule-copy []', 'wa-bus-kept/team-rule [fn,q]', 'wa-bus-other/wa-rule-other []', 'wa-bus/wa-rule [fn,q]']);
    expect(before.stacks).toEqual(['wa-stack', 'wa-stack-copy', 'wa-stack-kept', 'wa-stack-other']);
    for (const [family, names] of Object.entries(REMOVED)) for (const n of names) expect(before[family], family).toContain(n);
  });

  it('--dry-run --discovery list plans exactly the tagged set, keeps what untagged users use, and changes nothing', async () => {
    proxy.clear();
    const { code, report } = await run(['--dry-run', '--discovery', 'list']);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(report.dryRun).toBe(true);
    const got = decisions(report);
    // Everything in the report, and nothing else: no decoy, no untagged user is a candidate.
    const protectedLines = got.filter((d) => Object.keys(PROTECTED).some((k) => d.startsWith(`${k} `)));
    expect(got.filter((d) => !protectedLines.includes(d))).toEqual(expectedDecisions('planned').sort());
    expect(protectedLines).toHaveLength(Object.keys(PROTECTED).length);
    for (const [k, re] of Object.entries(PROTECTED)) expect(protectedLines.find((d) => d.startsWith(`${k} `))?.slice(`${k} skipped `.length)).toMatch(re);
    expect(by(report, 'sagemaker:training-job', 'wa-train')?.reason).toBe(RETAINED_REASON);
    expect(report.resources.filter((o) => /-(copy|other)$|^team-/.test(o.name)).map((o) => o.name)).toEqual([]);
    listed = got;
    // Found by each type's own calls (list discovery), and nothing was changed.
    for (const op of ['ListTrials', 'DescribeRepositories', 'ListRules', 'ListTags']) expect(proxy.count(op), op).toBeGreaterThan(0);
    expect(changes(proxy)).toEqual([]);
    expect(await accountState()).toEqual(before);
  });

  it('--dry-run with the Tagging API decides the same, but for the types moto\'s Tagging API does not return', async () => {
    proxy.clear();
    const { code, report } = await run(['--dry-run']);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(listed, 'the list dry run ran first').toBeDefined();
    // What moto's Tagging API cannot show is missing; the tagged rule and project it does not find stay,
    // and keep what they use.
    const expected = (listed ?? [])
      .filter((d) => !TAGGING_MISSES.test(d))
      .map((d) => {
        const key = Object.keys(TAGGING_KEEPS).find((k) => d.startsWith(`${k} `));
        return key ? `${key} skipped ${TAGGING_KEEPS[key] ?? ''}` : d;
      })
      .sort();
    expect(decisions(report)).toEqual(expected);
    expect(proxy.count('GetResources')).toBeGreaterThan(0);
    expect(changes(proxy)).toEqual([]);
    expect(await accountState()).toEqual(before);
  });

  it('--yes --discovery both deletes exactly the tagged set (finished jobs retained) in dependency order; every decoy and kept resource stays', async () => {
    proxy.clear();
    writes.length = 0;
    const { code, report } = await run(['--yes', '--discovery', 'both']);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    // The same decisions as the list dry run, carried out.
    const got = decisions(report).filter((d) => !Object.keys(PROTECTED).some((k) => d.startsWith(`${k} `)));
    expect(got).toEqual(expectedDecisions('deleted').sort());
    for (const k of Object.keys(PROTECTED)) expect(decisions(report).find((d) => d.startsWith(`${k} `))).toMatch(/ skipped protected: /);

    // Read back from moto: exactly what was deleted is gone, the AutoML job is stopped, all else is as built.
    const after = await accountState();
    const expected: Record<string, string[]> = {};
    for (const [family, entries] of Object.entries(before)) {
      const changed = new Map(CHANGED[family] ?? []);
      expected[family] = entries.filter((e) => !(REMOVED[family] ?? []).includes(e)).map((e) => changed.get(e) ?? e).sort();
    }
    expect(after).toEqual(expected);
    // No changing call named a decoy, an untagged user or a kept resource.
    expect(writes.length).toBeGreaterThan(GOES.length);
    expect(writes.filter((w) => /-copy|-other|-kept|-shared|-decoy|team-/.test(w))).toEqual([]);

    // A user goes before what it uses (the journal: its `deleted` before the used one's first step).
    const journal = (await readFile(report.journalPath as string, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { event: string; arn?: string });
    const arnOf = (ref: string) => {
      const [type, name] = ref.split(' ');
      const arn = report.resources.find((o) => o.type === type && o.name === name)?.arn;
      expect(arn, ref).toBeDefined();
      return arn as string;
    };
    const deletedAt = (ref: string) => journal.findIndex((e) => e.event === 'deleted' && e.arn === arnOf(ref));
    const startedAt = (ref: string) => journal.findIndex((e) => e.event === 'step-started' && e.arn === arnOf(ref));
    const pairs: [string, string][] = [
      ['sagemaker:endpoint wa-ep', 'sagemaker:endpoint-config wa-epc'],
      ['sagemaker:endpoint-config wa-epc', 'sagemaker:model wa-model'],
      ['sagemaker:model wa-model', 'iam:role wa-model-exec'],
      ['sagemaker:notebook-instance wa-nb', 'iam:role wa-nb-exec'],
      ['sagemaker:pipeline wa-pipe', 'iam:role wa-pipe-exec'],
      ['sagemaker:cluster wa-hp', 'iam:role wa-hp-exec'],
      ['sagemaker:automl-job wa-aml', 'iam:role wa-aml-exec'],
      ['sagemaker:experiment-trial wa-trial', 'sagemaker:experiment wa-exp'],
      ['sagemaker:experiment-trial wa-trial', 'sagemaker:experiment-trial-component wa-tc'],
      ['events:rule wa-rule', 'events:event-bus wa-bus'],
      ['events:rule wa-rule', 'lambda:function wa-fn'],
      ['events:rule wa-rule', 'iam:role wa-rule-exec'],
      ['lambda:function wa-fn', 'iam:role wa-fn-exec'],
      ['lambda:function wa-fn', 'logs:log-group /aws/lambda/wa-fn'],
      ['codebuild:project wa-build', 'iam:role wa-build-exec'],
      ['glue:job wa-glue', 'iam:role wa-glue-exec'],
      ['glue:job wa-glue', 's3:bucket wa-glue-scripts'],
      ['iam:role wa-policy-role', 'iam:policy wa-policy'],
      ['iam:instance-profile wa-profile', 'iam:role wa-profile-role'],
    ];
    for (const [user, usedOne] of pairs) {
      expect(deletedAt(user), user).toBeGreaterThanOrEqual(0);
      expect(deletedAt(user), `${user} before ${usedOne}`).toBeLessThan(startedAt(usedOne));
    }
  });
});
