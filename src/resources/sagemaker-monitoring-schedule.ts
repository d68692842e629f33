import { onResource, unlessGone } from './common.js';
import { GONE } from './handler.js';
import { sagemakerType, siblingArn, waitUntilSageMakerGone } from './sagemaker-common.js';

/**
 * A SageMaker Model Monitor schedule: it starts a monitoring job (a processing job, billed) on its
 * schedule. It uses the endpoint it monitors (EndpointName, and the endpoint inputs of an inline job
 * definition), so it goes before the endpoint and an untagged schedule that stays keeps its tagged
 * endpoint; and the role of its job definition when the schedule defines the job inline
 * (MonitoringJobDefinition.RoleArn). A schedule that names a separate job definition
 * (MonitoringJobDefinitionName) runs as that definition's role, which its Describe does not give: that
 * use is not seen (job definitions are not a supported type).
 *
 * A Scheduled schedule is stopped first (its own step: once done, it starts no more jobs even if the
 * delete then fails), then deleted. DeleteMonitoringSchedule leaves the schedule's execution history
 * and the processing jobs it ran alone ("This does not delete the job execution history of the
 * monitoring schedule", DeleteMonitoringSchedule API reference), and does not stop a job running now.
 * The SDK has no waiter: DescribeMonitoringSchedule is polled until it answers not-found.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and monitoring schedules are taggable SageMaker resources
 * (CreateMonitoringSchedule takes Tags): returned. moto 5.2.5 implements no monitoring-schedule call.
 */
export const sagemakerMonitoringSchedule = sagemakerType({
  kind: 'monitoring-schedule',
  description: 'SageMaker Model Monitor schedule (StopMonitoringSchedule when Scheduled, DeleteMonitoringSchedule, then waits until it is gone)',
  references: ['sagemaker:endpoint', 'iam:role'],
  taggingApi: true,
  describe: (s, name) => new s.DescribeMonitoringScheduleCommand({ MonitoringScheduleName: name }),
  uses: (out, ref) => {
    const job = out.MonitoringScheduleConfig?.MonitoringJobDefinition;
    const endpoints = [out.EndpointName, ...(job?.MonitoringInputs ?? []).map((i) => i.EndpointInput?.EndpointName)];
    return [...endpoints.map((name) => name && siblingArn(ref, 'endpoint', name)), job?.RoleArn];
  },
  list: { paginator: (s) => s.paginateListMonitoringSchedules, arns: (page) => page.MonitoringScheduleSummaries?.map((m) => m.MonitoringScheduleArn) },
  delete: (s, name) => new s.DeleteMonitoringScheduleCommand({ MonitoringScheduleName: name }),
  waitUntilGone: (s, options, name) =>
    waitUntilSageMakerGone(
      options,
      { MonitoringScheduleName: name },
      async (client, input) => (await client.send(new s.DescribeMonitoringScheduleCommand(input))).MonitoringScheduleStatus,
    ),
  deleteActions: { tagged: ['sagemaker:StopMonitoringSchedule'] },
  actions: (r) => (r.described.config.MonitoringScheduleStatus === 'Scheduled' ? onResource(r.ref.arn, ['sagemaker:StopMonitoringSchedule']) : []),

  async deleteSteps(r, { sdk, client, describe, deleteStep }, steps) {
    // Read again: the state the plan saw may have changed. One gone since goes to the delete step, whose
    // not-found the core reports as gone.
    const now = await describe();
    if (now !== GONE && now.MonitoringScheduleStatus === 'Scheduled') {
      await steps.run({ name: 'stop', done: 'stopped the monitoring schedule: it starts no more monitoring jobs' }, () =>
        // Not found (the error StopMonitoringSchedule models): it went meanwhile, nothing left to stop.
        unlessGone(['ResourceNotFound'], () => client.send(new sdk.StopMonitoringScheduleCommand({ MonitoringScheduleName: r.ref.name }))),
      );
    }
    await deleteStep();
  },
});
