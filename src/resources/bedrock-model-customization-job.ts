import type { BedrockClient, GetModelCustomizationJobResponse } from '@aws-sdk/client-bedrock';
import { sdkPackage } from '../aws/sdk.js';
import type { ResourceRef } from '../model.js';
import { BEDROCK_NOT_FOUND, BEDROCK_PAGE, bedrock, bedrockIdentifier, bedrockName, bedrockTags } from './bedrock-common.js';
import { bedrockCustomModel } from './bedrock-custom-model.js';
import { describeOrGone, onResource, pollUntilDone, withoutMetadata } from './common.js';
import { GONE, waiterOptions, type Gone, type HandlerContext, type Listed, type ResourceHandler } from './handler.js';

const sdk = () => sdkPackage('@aws-sdk/client-bedrock');

/** A job in one of these states is over: AWS keeps its record and has no delete for it. */
const FINISHED = ['Completed', 'Failed', 'Stopped'];
/** A stop takes minutes: poll every 10 s at first, at most every minute. */
const WAIT_DELAYS = { minDelay: 10, maxDelay: 60 };

const finished = (status: unknown): boolean => FINISHED.includes(String(status));

/**
 * What a job uses while it runs (InProgress, Stopping): its service role, and the custom model it writes.
 * The model is not something the job needs but something it makes; declaring it as used orders the
 * delete the only safe way, the job stopped first and the model deleted after it (a running job keeps
 * writing its model). In AWS the model appears when the job completes, and a stopped job leaves no
 * model ("doesn't create an intermediate custom model for a stopped job", model-customization-stop.html),
 * so the ARN usually names nothing yet; moto creates the model at once. A finished job uses nothing.
 */
function usesOf(job: Pick<GetModelCustomizationJobResponse, 'status' | 'roleArn' | 'outputModelArn'>): string[] {
  if (finished(job.status)) return [];
  return [job.roleArn, job.outputModelArn].filter((a): a is string => Boolean(a));
}

async function getJob(client: BedrockClient, ref: ResourceRef): Promise<GetModelCustomizationJobResponse> {
  const { GetModelCustomizationJobCommand } = await sdk();
  return client.send(new GetModelCustomizationJobCommand({ jobIdentifier: bedrockIdentifier(ref.arn) }));
}
const readJob = (client: BedrockClient, ref: ResourceRef): Promise<GetModelCustomizationJobResponse | Gone> =>
  describeOrGone(BEDROCK_NOT_FOUND, () => getJob(client, ref));

/**
 * A Bedrock model customization job (fine-tuning, distillation, continued pre-training of a Nova or other
 * base model). There is no delete: a running job is stopped (StopModelCustomizationJob, InProgress only:
 * it turns Stopping, then Stopped) and waited for; a finished one (Completed, Failed, Stopped) is
 * retained by AWS. The custom model a completed job produced is a separate resource (bedrock:custom-model).
 *
 * Tagging API: AWS says GetResources supports all resource types except IAM users and roles (and Auto
 * Scaling groups) (resourcegroupstagging supported-services.html), and customization jobs are taggable
 * Bedrock resources (bedrock/latest/userguide/tagging.html): returned. moto's Tagging API does not
 * return any Bedrock resource: the end-to-end test uses `--discovery list`.
 */
export const bedrockModelCustomizationJob: ResourceHandler = {
  type: 'bedrock:model-customization-job',
  description: 'Bedrock model customization job (a running one: StopModelCustomizationJob, then waits until it has stopped; a finished one is retained by AWS)',
  arnPattern: /^arn:[\w-]+:bedrock:[\w-]+:\d{12}:model-customization-job\/.+$/,
  client: 'bedrock',
  taggingApi: true,
  references: ['iam:role', bedrockCustomModel.type],
  notFound: BEDROCK_NOT_FOUND,
  reads: ['GetModelCustomizationJob', 'ListModelCustomizationJobs', 'ListTagsForResource'],
  nameOf: bedrockName,

  /** The list says each job's status (a finished one uses nothing) but not its role: readUses reads a running one. */
  async list(ctx, region) {
    const { paginateListModelCustomizationJobs } = await sdk();
    const client = await bedrock(ctx, { region });
    const listed: Listed[] = [];
    for await (const page of paginateListModelCustomizationJobs({ client, pageSize: BEDROCK_PAGE }, {})) {
      for (const j of page.modelCustomizationJobSummaries ?? []) {
        if (j.jobArn) listed.push(finished(j.status) ? { arn: j.jobArn, uses: [] } : { arn: j.jobArn });
      }
    }
    return listed;
  },

  async readUses(ref, ctx) {
    const out = await readJob(await bedrock(ctx, ref), ref);
    return out === GONE ? GONE : usesOf(out);
  },

  async describe(ref, ctx, hint) {
    const client = await bedrock(ctx, ref);
    const out = await readJob(client, ref);
    if (out === GONE) return GONE;
    const tags = hint?.tags ?? (await bedrockTags(client, ref.arn));
    if (tags === GONE) return GONE;
    return { tags, config: withoutMetadata(out), uses: usesOf(out) };
  },

  retained(r) {
    const status = r.described.config.status;
    return finished(status) ? `retained by AWS: a finished job's record has no delete (${String(status)})` : undefined;
  },

  // The delete reads the status it starts from, stops an InProgress job, and polls until it has stopped.
  deleteActions: { tagged: ['bedrock:ListTagsForResource', 'bedrock:GetModelCustomizationJob', 'bedrock:StopModelCustomizationJob'] },
  actions: (r) => {
    const status = r.described.config.status;
    if (finished(status)) return [];
    return onResource(r.ref.arn, [
      'bedrock:ListTagsForResource',
      'bedrock:GetModelCustomizationJob',
      ...(status === 'InProgress' ? ['bedrock:StopModelCustomizationJob'] : []),
    ]);
  },

  async currentTags(ref, ctx) {
    return bedrockTags(await bedrock(ctx, ref), ref.arn);
  },

  /**
   * Stops it if it is still InProgress (a Stopping one is on its way; one that finished since the plan
   * needs nothing). A job that vanished fails the read with not-found, and the core says gone.
   */
  async delete(r, ctx, steps) {
    const { StopModelCustomizationJobCommand } = await sdk();
    const client = await bedrock(ctx, r.ref);
    const now = await getJob(client, r.ref);
    if (now.status !== 'InProgress') return;
    await steps.run({ name: 'stop', done: 'stopped the customization job' }, () =>
      client.send(new StopModelCustomizationJobCommand({ jobIdentifier: bedrockIdentifier(r.ref.arn) })),
    );
  },

  /** Resolves once the job has finished (Stopped, or Completed or Failed meanwhile) or is gone. */
  async waitUntilGone(ref: ResourceRef, ctx: HandlerContext) {
    const client = await bedrock(ctx, ref);
    // Gone is as good as stopped; any other error (denied, throttled past the SDK's retries) ends the wait.
    await pollUntilDone(waiterOptions(client, ctx, WAIT_DELAYS), ref, { read: async (c, r) => (await getJob(c, r)).status, done: finished, notFound: BEDROCK_NOT_FOUND });
  },
};
