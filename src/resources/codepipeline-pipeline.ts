import type { CodePipelineClient, GetPipelineOutput, PipelineDeclaration, PipelineExecutionSummary } from '@aws-sdk/client-codepipeline';
import { sdkPackage } from '../aws/sdk.js';
import { formatArn, parseArn } from '../aws/arn.js';
import type { ResourceRef, Tags } from '../model.js';
import { codebuildProject } from './codebuild-project.js';
import { codeconnectionsConnection } from './codeconnections-connection.js';
import { callerWhere, describeOrGone, onResource, pollUntilDone, unlessGone, withoutMetadata } from './common.js';
import { GONE, waiterOptions, type HandlerContext, type LiveResource, type ResourceHandler } from './handler.js';

const sdk = () => sdkPackage('@aws-sdk/client-codepipeline');

/** GetPipeline and ListPipelineExecutions say PipelineNotFound, ListTagsForResource ResourceNotFound. */
const NOT_FOUND = ['PipelineNotFoundException', 'ResourceNotFoundException'];
/** A stop that finds the run stopped, finished or already being abandoned has nothing left to do. */
const NOTHING_TO_STOP = [...NOT_FOUND, 'PipelineExecutionNotFoundException', 'PipelineExecutionNotStoppableException', 'DuplicatedStopRequestException'];
/** The largest pages: ListPipelines 1000, ListPipelineExecutions and ListTagsForResource 100. */
const PIPELINE_PAGE = 1000;
const PAGE = 100;
/** An abandoning stop takes seconds. */
const WAIT_DELAYS = { minDelay: 2, maxDelay: 15 };

/** A bucket named in the pipeline, not a name built from variables (`#{...}`). */
const BUCKET_ARN = /^arn:[\w-]+:s3:::[^/#{}\s]+$/;

const codepipeline = (ctx: HandlerContext, region: string): Promise<CodePipelineClient> => ctx.aws.get('codepipeline', region);

/** The executions the delete stops (abandoning their actions) and waits out. */
const unsettled = (e: PipelineExecutionSummary): boolean => e.status === 'InProgress' || e.status === 'Stopping';

/** CodePipeline tags are `key`/`value` (lower case), every page of ListTagsForResource. */
async function pipelineTags(client: CodePipelineClient, arn: string): Promise<Tags> {
  const { paginateListTagsForResource } = await sdk();
  const out: Tags = {};
  for await (const page of paginateListTagsForResource({ client, pageSize: PAGE }, { resourceArn: arn })) {
    for (const t of page.tags ?? []) if (t.key !== undefined) out[t.key] = t.value ?? '';
  }
  return out;
}

async function getPipeline(client: CodePipelineClient, name: string): Promise<GetPipelineOutput> {
  const { GetPipelineCommand } = await sdk();
  return client.send(new GetPipelineCommand({ name }));
}

/** The executions not finished yet (every page of ListPipelineExecutions: it has no status filter). */
async function unsettledExecutions(client: CodePipelineClient, pipelineName: string): Promise<PipelineExecutionSummary[]> {
  const { paginateListPipelineExecutions } = await sdk();
  const found: PipelineExecutionSummary[] = [];
  for await (const page of paginateListPipelineExecutions({ client, pageSize: PAGE }, { pipelineName })) found.push(...(page.pipelineExecutionSummaries ?? []).filter(unsettled));
  return found;
}

/**
 * What a pipeline uses: its role and each action's role, its artifact store bucket(s), the buckets of its
 * S3 source and deploy actions, the CodeBuild projects its actions run (in the action's region), and the
 * connection its source actions pull through. Names built from variables (`#{...}`) are no ARN and are left out.
 */
function usesOf(p: PipelineDeclaration | undefined, ref: Pick<ResourceRef, 'partition' | 'account' | 'region'>): string[] {
  if (!p) return [];
  const out = new Set<string>();
  const add = (arn: string | undefined, pattern?: RegExp) => {
    if (arn && (!pattern || pattern.test(arn))) out.add(arn);
  };
  const bucket = (name: string | undefined) => add(name ? `arn:${ref.partition}:s3:::${name}` : undefined, BUCKET_ARN);
  add(p.roleArn);
  for (const store of [p.artifactStore, ...Object.values(p.artifactStores ?? {})]) if (store?.type === 'S3') bucket(store.location);
  for (const action of (p.stages ?? []).flatMap((s) => s.actions ?? [])) {
    const config = action.configuration ?? {};
    add(action.roleArn);
    add(config.ConnectionArn, codeconnectionsConnection.arnPattern);
    const provider = action.actionTypeId?.owner === 'AWS' ? action.actionTypeId.provider : undefined;
    if (provider === 'CodeBuild' && config.ProjectName) {
      add(formatArn({ partition: ref.partition, service: 'codebuild', region: action.region ?? ref.region, account: ref.account, resource: `project/${config.ProjectName}` }), codebuildProject.arnPattern);
    }
    if (provider === 'S3') [config.S3Bucket, config.BucketName].forEach(bucket);
  }
  return [...out];
}

/** The ids of the executions describe found unfinished: what the delete stops. */
function plannedExecutions(r: LiveResource): string[] {
  const executions = (r.described.config.executions ?? []) as readonly PipelineExecutionSummary[];
  return executions.flatMap((e) => (e.pipelineExecutionId ? [e.pipelineExecutionId] : []));
}

/**
 * Resolves once no execution is InProgress or Stopping (the SDK has no waiter for executions). A pipeline
 * gone meanwhile has nothing left running; any other error ends the wait at once.
 */
function waitUntilSettled(client: CodePipelineClient, ctx: HandlerContext, pipelineName: string): Promise<void> {
  return pollUntilDone(waiterOptions(client, ctx, WAIT_DELAYS), { pipelineName }, {
    read: (c, input) => unsettledExecutions(c, input.pipelineName),
    done: (left) => left.length === 0,
    notFound: NOT_FOUND,
  });
}

/**
 * A CodePipeline pipeline (the MLOps agent's SageMaker project pipelines). DeletePipeline's reference says
 * nothing of running executions, so each execution InProgress or Stopping is stopped first, abandoning
 * its in-progress actions (its own step; a stop that waited for them could wait for days on a manual
 * approval), and waited for until none runs; then DeletePipeline. What an abandoned action started (a
 * CodeBuild build) is not said to stop with it. The artifact bucket, the CodeBuild projects and the
 * connection it uses are separate resources, deleted after it.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and pipelines are taggable (TagResource): returned. moto 5.2.5 answers CodePipeline
 * timestamps as ISO text where AWS sends epoch seconds, which the JS SDK refuses: tested with mocks.
 */
export const codepipelinePipeline: ResourceHandler = {
  type: 'codepipeline:pipeline',
  description: 'CodePipeline pipeline (stops its running executions, abandoning their actions, and waits; then DeletePipeline)',
  arnPattern: /^arn:[\w-]+:codepipeline:[\w-]+:\d{12}:[A-Za-z0-9.@_-]+$/,
  client: 'codepipeline',
  taggingApi: true,
  references: ['iam:role', 's3:bucket', codebuildProject.type, codeconnectionsConnection.type],
  notFound: NOT_FOUND,
  reads: ['ListPipelines', 'GetPipeline', 'ListTagsForResource', 'ListPipelineExecutions'],
  nameOf: (arn) => parseArn(arn)?.resource ?? arn,

  /** ListPipelines (1000 a page) gives names: the ARNs are built in the caller's account; what each uses is read with readUses. */
  async list(ctx, region) {
    const { paginateListPipelines } = await sdk();
    const client = await codepipeline(ctx, region);
    const names: string[] = [];
    for await (const page of paginateListPipelines({ client, pageSize: PIPELINE_PAGE }, {})) names.push(...(page.pipelines ?? []).flatMap((p) => (p.name ? [p.name] : [])));
    if (names.length === 0) return [];
    const w = await callerWhere(ctx, region);
    return names.map((name) => ({ arn: formatArn({ ...w, service: 'codepipeline', resource: name }) }));
  },

  async readUses(ref, ctx) {
    const out = await describeOrGone(NOT_FOUND, async () => getPipeline(await codepipeline(ctx, ref.region), ref.name));
    return out === GONE ? GONE : usesOf(out.pipeline, ref);
  },

  async describe(ref, ctx, hint) {
    const client = await codepipeline(ctx, ref.region);
    const read = await describeOrGone(NOT_FOUND, () =>
      Promise.all([getPipeline(client, ref.name), hint?.tags ?? pipelineTags(client, ref.arn), unsettledExecutions(client, ref.name)]),
    );
    if (read === GONE) return GONE;
    const [out, tags, executions] = read;
    // `pipeline` is what CreatePipeline takes back; the unfinished executions are for the plan and `children`.
    return { tags, config: { ...withoutMetadata(out), executions }, uses: usesOf(out.pipeline, ref) };
  },

  children: (r) => plannedExecutions(r).map((id) => ({ kind: 'pipeline-execution', id, lost: 'the run is stopped: its in-progress actions are abandoned, its later stages do not run' })),

  deleteActions: { tagged: ['codepipeline:ListTagsForResource', 'codepipeline:ListPipelineExecutions', 'codepipeline:StopPipelineExecution', 'codepipeline:DeletePipeline'] },
  actions: (r) =>
    onResource(r.ref.arn, [
      // The re-check; the re-list of executions before the delete, which the wait polls too.
      'codepipeline:ListTagsForResource',
      'codepipeline:ListPipelineExecutions',
      ...(plannedExecutions(r).length > 0 ? ['codepipeline:StopPipelineExecution'] : []),
      'codepipeline:DeletePipeline',
    ]),

  async currentTags(ref, ctx) {
    const client = await codepipeline(ctx, ref.region);
    return describeOrGone(NOT_FOUND, () => pipelineTags(client, ref.arn));
  },

  /** Stops the executions running now (listed again: one started since the plan is stopped too), waits, then DeletePipeline. */
  async delete(r, ctx, steps) {
    const { DeletePipelineCommand, StopPipelineExecutionCommand } = await sdk();
    const client = await codepipeline(ctx, r.ref.region);
    const pipelineName = r.ref.name;
    const now = await describeOrGone(NOT_FOUND, () => unsettledExecutions(client, pipelineName));
    const left = now === GONE ? [] : now;
    for (const id of left.flatMap((e) => (e.pipelineExecutionId ? [e.pipelineExecutionId] : []))) {
      await steps.run({ name: 'stop', child: { kind: 'pipeline-execution', id }, done: `stopped pipeline execution ${id}` }, () =>
        unlessGone(NOTHING_TO_STOP, () =>
          client.send(new StopPipelineExecutionCommand({ pipelineName, pipelineExecutionId: id, abandon: true, reason: 'nova-cleanup: deleting the pipeline' })),
        ),
      );
    }
    if (left.length > 0) await waitUntilSettled(client, ctx, pipelineName);
    await steps.run({ name: 'delete', done: `deleted pipeline ${pipelineName}` }, () => client.send(new DeletePipelineCommand({ name: pipelineName })));
  },
};
