import {
  DeleteMonitoringScheduleCommand,
  DescribeMonitoringScheduleCommand,
  ListMonitoringSchedulesCommand,
  ListTagsCommand,
  SageMakerClient,
  StopMonitoringScheduleCommand,
  type DescribeMonitoringScheduleCommandOutput,
  type ScheduleStatus,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerMonitoringSchedule as handler } from '../../../src/resources/sagemaker-monitoring-schedule.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:monitoring-schedule/nova-monitor';
const ENDPOINT = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/Nova-Ep';
const OTHER_ENDPOINT = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/nova-ep-shadow';
const ROLE = 'arn:aws:iam::123456789012:role/nova-monitor-exec';
const INPUT = { MonitoringScheduleName: 'nova-monitor' };
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ResourceNotFound', 'Could not find monitoring schedule nova-monitor.');

/** A schedule whose job is defined inline: it names its endpoint(s) and its role. */
const INLINE: Omit<DescribeMonitoringScheduleCommandOutput, '$metadata'> = {
  MonitoringScheduleArn: ARN,
  MonitoringScheduleName: 'nova-monitor',
  MonitoringScheduleStatus: 'Scheduled',
  MonitoringType: 'DataQuality',
  EndpointName: 'Nova-Ep',
  CreationTime: new Date(0),
  LastModifiedTime: new Date(0),
  MonitoringScheduleConfig: {
    ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' },
    MonitoringJobDefinition: {
      MonitoringInputs: [{ EndpointInput: { EndpointName: 'Nova-Ep', LocalPath: '/opt/ml/processing/input' } }],
      MonitoringOutputConfig: { MonitoringOutputs: [{ S3Output: { S3Uri: 's3://nova-monitor/out', LocalPath: '/opt/ml/processing/output' } }] },
      MonitoringResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 10 } },
      MonitoringAppSpecification: { ImageUri: '156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer' },
      RoleArn: ROLE,
    },
  },
};
/** A schedule that names a separate job definition: its Describe gives no role. */
const NAMED: Omit<DescribeMonitoringScheduleCommandOutput, '$metadata'> = {
  ...INLINE,
  MonitoringScheduleConfig: { ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' }, MonitoringJobDefinitionName: 'nova-dq-job', MonitoringType: 'DataQuality' },
};

const live = (status?: ScheduleStatus) => liveFor(handler, ARN, { config: { ...INLINE, MonitoringScheduleStatus: status }, uses: [ENDPOINT, ROLE] });
/** The operations the mock received, in order, without `Command`. */
const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

/** Describe answers these statuses in turn (the last repeats; `gone`: not found); Stop and Delete succeed. */
function world(...list: (ScheduleStatus | 'gone')[]): void {
  let chain = sm.on(DescribeMonitoringScheduleCommand);
  for (const s of list.slice(0, -1)) chain = s === 'gone' ? chain.rejectsOnce(notFound()) : chain.resolvesOnce({ ...INLINE, MonitoringScheduleStatus: s });
  const last = list.at(-1);
  if (last === 'gone') chain.rejects(notFound());
  else chain.resolves({ ...INLINE, MonitoringScheduleStatus: last });
  sm.on(StopMonitoringScheduleCommand).resolves({});
  sm.on(DeleteMonitoringScheduleCommand).resolves({});
}

/** Runs the delete of a schedule planned in `planned`, steps recorded: the steps run, and its error. */
async function deleteIt(planned: ScheduleStatus, opts: { stopAt?: string } = {}) {
  const steps = recordingSteps(opts);
  const error: unknown = await handler.delete(live(planned), ctx(), steps).then(() => undefined, (err: unknown) => err);
  return { steps: steps.log, names: steps.log.map((s) => s.name), ...(error === undefined ? {} : { error }) };
}

describe('sagemaker:monitoring-schedule', () => {
  beforeEach(() => sm.reset());
  afterEach(() => vi.useRealTimers());

  it('owns monitoring-schedule ARNs only, may use endpoints and roles, and declares its reads', () => {
    expect(handler.type).toBe('sagemaker:monitoring-schedule');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:data-quality-job-definition/nova-dq-job')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-monitor');
    expect(handler.references).toEqual(['sagemaker:endpoint', 'iam:role']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.reads).toEqual(['DescribeMonitoringSchedule', 'ListMonitoringSchedules', 'ListTags']);
  });

  describe('describe', () => {
    it('gives the config without $metadata, live tags, its endpoint (once) and the role of its inline job', async () => {
      sm.on(DescribeMonitoringScheduleCommand, INPUT).resolves({ ...INLINE, $metadata: { httpStatusCode: 200 } });
      sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
      const d = await handler.describe(refFor(handler, ARN), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([ENDPOINT, ROLE]);
      expect(d.config).toMatchObject({ MonitoringScheduleStatus: 'Scheduled', MonitoringType: 'DataQuality' });
      expect(d.config).not.toHaveProperty('$metadata');
    });

    it('uses every endpoint its inline job reads', async () => {
      const job = INLINE.MonitoringScheduleConfig?.MonitoringJobDefinition;
      if (!job) throw new Error('fixture');
      sm.on(DescribeMonitoringScheduleCommand).resolves({
        ...INLINE,
        MonitoringScheduleConfig: {
          MonitoringJobDefinition: {
            ...job,
            MonitoringInputs: [...(job.MonitoringInputs ?? []), { EndpointInput: { EndpointName: 'nova-ep-shadow', LocalPath: '/x' } }],
          },
        },
      });
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([ENDPOINT, OTHER_ENDPOINT, ROLE]);
    });

    it('a schedule naming a separate job definition uses its endpoint only (the role is the definition\'s)', async () => {
      sm.on(DescribeMonitoringScheduleCommand).resolves(NAMED);
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([ENDPOINT]);
    });

    it('a batch-transform schedule uses no endpoint', async () => {
      sm.on(DescribeMonitoringScheduleCommand).resolves({
        MonitoringScheduleName: 'nova-monitor',
        MonitoringScheduleConfig: {
          MonitoringJobDefinition: {
            MonitoringInputs: [{ BatchTransformInput: { DataCapturedDestinationS3Uri: 's3://b/capture', DatasetFormat: { Csv: {} }, LocalPath: '/x' } }],
            MonitoringOutputConfig: { MonitoringOutputs: [] },
            MonitoringResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 10 } },
            MonitoringAppSpecification: { ImageUri: 'img' },
            RoleArn: ROLE,
          },
        },
      });
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([ROLE]);
    });

    it('reads what it uses with Describe alone, and its tags with ListTags alone', async () => {
      sm.on(DescribeMonitoringScheduleCommand).resolves(INLINE);
      sm.on(ListTagsCommand).resolves({ Tags: [{ Key: 'team', Value: 'ml' }] });
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([ENDPOINT, ROLE]);
      expect(ops()).toEqual(['DescribeMonitoringSchedule']);
      sm.resetHistory();
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ team: 'ml' });
      expect(ops()).toEqual(['ListTags']);
    });

    it('is gone when Describe cannot find it', async () => {
      sm.on(DescribeMonitoringScheduleCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
      sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'no such resource', 500));
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
    });

    it('lets other errors through', async () => {
      sm.on(DescribeMonitoringScheduleCommand).rejects(awsError('AccessDeniedException', 'not allowed', 403));
      await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('not allowed');
    });
  });

  it('lists every schedule of the region by ARN, all pages, 100 a page', async () => {
    const m = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:monitoring-schedule/${n}`;
    const summary = (n: string) => ({ MonitoringScheduleName: n, MonitoringScheduleArn: m(n), MonitoringScheduleStatus: 'Scheduled' as const, CreationTime: new Date(0), LastModifiedTime: new Date(0) });
    sm.on(ListMonitoringSchedulesCommand)
      .resolvesOnce({ MonitoringScheduleSummaries: [summary('a')], NextToken: 'n' })
      .resolvesOnce({ MonitoringScheduleSummaries: [summary('b')] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([{ arn: m('a') }, { arn: m('b') }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListMonitoringSchedulesCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListMonitoringSchedulesCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads in describe, readUses, list, currentTags, the delete and the wait', async () => {
    world('Scheduled');
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListMonitoringSchedulesCommand).resolves({ MonitoringScheduleSummaries: [] });
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), ctx()).catch(() => undefined);
    expect(new Set(ops())).toEqual(new Set(['DescribeMonitoringSchedule', 'ListTags', 'ListMonitoringSchedules']));
    for (const op of ops()) expect(handler.reads).toContain(op);
    sm.reset();
    world('Scheduled', 'gone');
    expect((await deleteIt('Scheduled')).names).toEqual(['stop', 'delete']);
    await handler.waitUntilGone?.(refFor(handler, ARN), ctx());
    for (const op of ops().filter((o) => !/^(Stop|Delete)/.test(o))) expect(handler.reads).toContain(op);
  });

  describe('actions', () => {
    it('a Scheduled schedule needs StopMonitoringSchedule too', () => {
      expect(handler.actions(live('Scheduled'))).toEqual([
        { action: 'sagemaker:ListTags', resource: ARN },
        { action: 'sagemaker:DescribeMonitoringSchedule', resource: ARN },
        { action: 'sagemaker:DeleteMonitoringSchedule', resource: ARN },
        { action: 'sagemaker:StopMonitoringSchedule', resource: ARN },
      ]);
    });

    it('a Stopped, Pending or Failed one does not', () => {
      for (const s of ['Stopped', 'Pending', 'Failed'] as const) {
        expect(handler.actions(live(s)).map((a) => a.action)).toEqual(['sagemaker:ListTags', 'sagemaker:DescribeMonitoringSchedule', 'sagemaker:DeleteMonitoringSchedule']);
      }
      expect(handler.children).toBeUndefined();
    });
  });

  describe('delete', () => {
    it('stops a Scheduled schedule (its own step), then deletes it', async () => {
      world('Scheduled');
      const { steps, error } = await deleteIt('Scheduled');
      expect(error).toBeUndefined();
      expect(steps).toEqual([{ name: 'stop', done: 'stopped the monitoring schedule: it starts no more monitoring jobs' }, { name: 'delete' }]);
      expect(ops()).toEqual(['DescribeMonitoringSchedule', 'StopMonitoringSchedule', 'DeleteMonitoringSchedule']);
      expect(sm).toHaveReceivedCommandWith(StopMonitoringScheduleCommand, INPUT);
      expect(sm).toHaveReceivedCommandWith(DeleteMonitoringScheduleCommand, INPUT);
    });

    it('deletes a Stopped schedule in one step, without a stop', async () => {
      world('Stopped');
      expect((await deleteIt('Stopped')).names).toEqual(['delete']);
      expect(ops()).toEqual(['DescribeMonitoringSchedule', 'DeleteMonitoringSchedule']);
    });

    it('reads the state again: one Scheduled since the plan is stopped, one stopped since is not', async () => {
      world('Scheduled');
      expect((await deleteIt('Stopped')).names).toEqual(['stop', 'delete']);
      sm.reset();
      world('Stopped');
      expect((await deleteIt('Scheduled')).names).toEqual(['delete']);
      expect(sm).not.toHaveReceivedCommand(StopMonitoringScheduleCommand);
    });

    it('takes a schedule gone before its stop as stopped: the delete step follows', async () => {
      world('Scheduled');
      sm.on(StopMonitoringScheduleCommand).rejects(notFound());
      sm.on(DeleteMonitoringScheduleCommand).rejects(notFound());
      const { names, error } = await deleteIt('Scheduled');
      expect(names).toEqual(['stop', 'delete']);
      expect(error).toMatchObject({ name: 'ResourceNotFound' });
    });

    it('lets a refused stop through and deletes nothing', async () => {
      world('Scheduled');
      sm.on(StopMonitoringScheduleCommand).rejects(awsError('AccessDeniedException', 'no StopMonitoringSchedule', 403));
      const { names, error } = await deleteIt('Scheduled');
      expect(error).toMatchObject({ message: 'no StopMonitoringSchedule' });
      expect(names).toEqual(['stop']);
      expect(sm).not.toHaveReceivedCommand(DeleteMonitoringScheduleCommand);
    });

    it('sends no stop when the stop step is stopped, and no delete when the delete step is', async () => {
      world('Scheduled');
      expect(await deleteIt('Scheduled', { stopAt: 'stop' })).toMatchObject({ names: [], error: { name: 'TagsChanged' } });
      expect(ops()).toEqual(['DescribeMonitoringSchedule']);
      sm.reset();
      world('Scheduled');
      expect(await deleteIt('Scheduled', { stopAt: 'delete' })).toMatchObject({ names: ['stop'], error: { name: 'TagsChanged' } });
      expect(sm).toHaveReceivedCommand(StopMonitoringScheduleCommand);
      expect(sm).not.toHaveReceivedCommand(DeleteMonitoringScheduleCommand);
    });

    it('goes straight to the delete step for a schedule gone since the plan: its not-found is for the core to report', async () => {
      world('gone');
      sm.on(DeleteMonitoringScheduleCommand).rejects(notFound());
      const { names, error } = await deleteIt('Scheduled');
      expect(names).toEqual(['delete']);
      expect(error).toMatchObject({ name: 'ResourceNotFound' });
      expect(sm).not.toHaveReceivedCommand(StopMonitoringScheduleCommand);
    });
  });

  describe('waitUntilGone (no SDK waiter: Describe is polled)', () => {
    it('is done once Describe says not found (first poll)', async () => {
      world('gone');
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandTimes(DescribeMonitoringScheduleCommand, 1);
      expect(sm).toHaveReceivedCommandWith(DescribeMonitoringScheduleCommand, INPUT);
    });

    it('keeps polling while it is still there, then resolves', async () => {
      vi.useFakeTimers();
      world('Stopped', 'gone');
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      await vi.advanceTimersByTimeAsync(30_000);
      await expect(wait).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandTimes(DescribeMonitoringScheduleCommand, 2);
    });

    it('throws a TimeoutError when it is still there after the wait timeout, and fails at once on other errors', async () => {
      vi.useFakeTimers();
      world('Stopped');
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      const settled = expect(wait).rejects.toMatchObject({ name: 'TimeoutError' });
      await vi.advanceTimersByTimeAsync(61_000);
      await settled;
      vi.useRealTimers();
      sm.reset();
      sm.on(DescribeMonitoringScheduleCommand).rejects(awsError('AccessDeniedException', 'no Describe', 403));
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).rejects.toThrow(/FAILURE/);
    });
  });
});
