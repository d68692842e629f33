import type { PipelineExecutionSummary, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { lastSegment } from '../aws/arn.js';
import { describeOrGone, unlessGone } from './common.js';
import { GONE, type LiveResource } from './handler.js';
import { SAGEMAKER_NOT_FOUND, sagemakerType, waitUntilSageMakerGone, type SageMakerSdk, type SageMakerWaiterOptions } from './sagemaker-common.js';

/** ListPipelineExecutions' largest page. */
const EXECUTION_PAGE = 100;

/** What StopPipelineExecution stops, and what DeletePipeline waits for (a run being stopped). */
const executing = (e: PipelineExecutionSummary): boolean => e.PipelineExecutionStatus === 'Executing';
const unsettled = (e: PipelineExecutionSummary): boolean => executing(e) || e.PipelineExecutionStatus === 'Stopping';

/** The executions of a pipeline that have not finished (every page of ListPipelineExecutions: it has no status filter). */
async function unsettledExecutions(s: SageMakerSdk, client: SageMakerClient, PipelineName: string): Promise<PipelineExecutionSummary[]> {
  const found: PipelineExecutionSummary[] = [];
  for await (const page of s.paginateListPipelineExecutions({ client, pageSize: EXECUTION_PAGE }, { PipelineName })) {
    found.push(...(page.PipelineExecutionSummaries ?? []).filter(unsettled));
  }
  return found;
}

/** The ARNs of the executions describe found Executing: what the delete stops. */
function executingArns(r: LiveResource): string[] {
  const executions = (r.described.config.Executions ?? []) as readonly PipelineExecutionSummary[];
  return executions.filter(executing).flatMap((e) => (e.PipelineExecutionArn ? [e.PipelineExecutionArn] : []));
}

/**
 * Resolves once no execution of the pipeline is Executing or Stopping (the SDK has no waiter for
 * executions). A pipeline gone meanwhile has nothing left running (its delete step then says gone);
 * any other error ends the wait at once.
 */
function waitUntilSettled(s: SageMakerSdk, options: SageMakerWaiterOptions, PipelineName: string): Promise<void> {
  return waitUntilSageMakerGone(options, { PipelineName }, async (client, input) => {
    const left = await unsettledExecutions(s, client, input.PipelineName);
    return left.length === 0 ? GONE : left;
  });
}

/**
 * A SageMaker pipeline (an MLOps CI/CD workflow). DeletePipeline refuses a pipeline with running
 * executions, so the delete stops each Executing one (its own step), waits until none is Executing or
 * Stopping, then deletes the pipeline, which removes its execution records with it. A run inside a
 * callback step stops only once its callback answers, one inside a Lambda step once the function ends:
 * the wait is bounded by --wait-timeout. The steps' jobs, models and files are separate resources.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and pipelines are taggable SageMaker resources: returned. moto's returns them too.
 */
export const sagemakerPipeline = sagemakerType({
  kind: 'pipeline',
  description: 'SageMaker pipeline (stops its running executions and waits, then DeletePipeline)',
  references: ['iam:role'],
  taggingApi: true,
  describe: (s, name) => new s.DescribePipelineCommand({ PipelineName: name }),
  uses: (out) => [out.RoleArn],
  // The running executions, for the plan, the backup and `children`.
  details: {
    reads: ['ListPipelineExecutions'],
    read: async (s, client, _out, ref) => ({ Executions: await unsettledExecutions(s, client, ref.name) }),
  },
  list: { paginator: (s) => s.paginateListPipelines, arns: (page) => page.PipelineSummaries?.map((p) => p.PipelineArn) },
  // ClientRequestToken (its idempotency token) is filled in by the SDK.
  delete: (s, name) => new s.DeletePipelineCommand({ PipelineName: name }),
  children: (r) => executingArns(r).map((id) => ({ kind: 'pipeline-execution', id, lost: 'the run is stopped: its remaining steps do not run' })),
  // Listing the executions is authorized on the pipeline, stopping one on the execution.
  deleteActions: { tagged: ['sagemaker:ListPipelineExecutions'], held: ['sagemaker:StopPipelineExecution'] },
  actions: (r) => [
    { action: 'sagemaker:ListPipelineExecutions', resource: r.ref.arn },
    ...executingArns(r).map((resource) => ({ action: 'sagemaker:StopPipelineExecution', resource })),
  ],

  async deleteSteps(r, { sdk, client, waiter, describe, deleteStep }, steps) {
    const now = await describe();
    if (now !== GONE && now.PipelineStatus === 'Deleting') return; // already on its way out
    // Listed again: a run started since the plan would make DeletePipeline fail. A pipeline gone since
    // has none, and its delete step fails with not-found, for the core to report as gone.
    const live = now === GONE ? GONE : await describeOrGone(SAGEMAKER_NOT_FOUND, () => unsettledExecutions(sdk, client, r.ref.name));
    const left = live === GONE ? [] : live;
    for (const e of left.filter(executing)) {
      const arn = e.PipelineExecutionArn;
      if (!arn) continue;
      await steps.run({ name: 'stop', child: { kind: 'pipeline-execution', id: arn }, done: `stopped pipeline execution ${lastSegment(arn)}` }, () =>
        // Not found: the run is gone already, nothing left to stop.
        unlessGone(SAGEMAKER_NOT_FOUND, () => client.send(new sdk.StopPipelineExecutionCommand({ PipelineExecutionArn: arn }))),
      );
    }
    if (left.length > 0) await waitUntilSettled(sdk, waiter(), r.ref.name);
    await deleteStep();
  },
});
