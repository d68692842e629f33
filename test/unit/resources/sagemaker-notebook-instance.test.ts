import {
  DeleteNotebookInstanceCommand,
  DescribeNotebookInstanceCommand,
  ListTagsCommand,
  SageMakerClient,
  StopNotebookInstanceCommand,
  type NotebookInstanceStatus,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerNotebookInstance as handler } from '../../../src/resources/sagemaker-notebook-instance.js';
import { awsError, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nova-nb';
const ROLE = 'arn:aws:iam::123456789012:role/nova-notebook';
const INPUT = { NotebookInstanceName: 'nova-nb' };
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ValidationException', 'RecordNotFound');

/** Describe answers these statuses in turn (the last one repeats); Stop and Delete succeed. */
function statuses(...list: NotebookInstanceStatus[]): void {
  let chain = sm.on(DescribeNotebookInstanceCommand);
  for (const s of list.slice(0, -1)) chain = chain.resolvesOnce({ NotebookInstanceName: 'nova-nb', NotebookInstanceStatus: s });
  chain.resolves({ NotebookInstanceName: 'nova-nb', NotebookInstanceStatus: list.at(-1) });
  sm.on(StopNotebookInstanceCommand).resolves({});
  sm.on(DeleteNotebookInstanceCommand).resolves({});
}

/** The commands the handler sent, in order (Describe calls made by waiters included). */
const sent = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/NotebookInstanceCommand$/, ''));

describe('sagemaker:notebook-instance', () => {
  beforeEach(() => sm.reset());

  it('owns notebook-instance ARNs only, not their lifecycle configs', () => {
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:notebook-instance-lifecycle-config/nova-nb')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-nb');
    expect(handler.dependsOn).toEqual(['iam:role']);
    expect(handler.actions).toContain('sagemaker:StopNotebookInstance');
  });

  it('describes config, live tags and the role it uses', async () => {
    sm.on(DescribeNotebookInstanceCommand, INPUT)
      .resolves({ NotebookInstanceName: 'nova-nb', NotebookInstanceStatus: 'InService', RoleArn: ROLE, InstanceType: 'ml.t3.medium', $metadata: {} });
    sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    if (d === GONE) throw new Error('expected a description');
    expect(d.tags).toEqual({ project: 'nova' });
    expect(d.uses).toEqual([ROLE]);
    expect(d.config).toMatchObject({ InstanceType: 'ml.t3.medium', NotebookInstanceStatus: 'InService' });
    expect(d.config).not.toHaveProperty('$metadata');
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ project: 'nova' });
  });

  it('reports a notebook that no longer exists as gone', async () => {
    sm.on(DescribeNotebookInstanceCommand).rejects(notFound());
    expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
  });

  it('stops an InService notebook, waits until Stopped, then deletes it', async () => {
    statuses('InService', 'Stopped');
    await handler.delete(refFor(handler, ARN), ctx());
    expect(sent()).toEqual(['Describe', 'Stop', 'Describe', 'Delete']);
    expect(sm).toHaveReceivedCommandWith(StopNotebookInstanceCommand, INPUT);
    expect(sm).toHaveReceivedCommandWith(DeleteNotebookInstanceCommand, INPUT);
  });

  it.each(['Stopped', 'Failed'] as const)('deletes a %s notebook right away', async (status) => {
    statuses(status);
    await handler.delete(refFor(handler, ARN), ctx());
    expect(sent()).toEqual(['Describe', 'Delete']);
  });

  it('waits for a Stopping notebook without stopping it again', async () => {
    statuses('Stopping', 'Stopped');
    await handler.delete(refFor(handler, ARN), ctx());
    expect(sent()).toEqual(['Describe', 'Describe', 'Delete']);
  });

  it.each(['Pending', 'Updating'] as const)('waits for a %s notebook to be InService, then stops and deletes it', async (status) => {
    statuses(status, 'InService', 'Stopped');
    await handler.delete(refFor(handler, ARN), ctx());
    expect(sent()).toEqual(['Describe', 'Describe', 'Stop', 'Describe', 'Delete']);
  });

  it('deletes a Pending notebook that fails to start without stopping it', async () => {
    statuses('Pending', 'Failed');
    await handler.delete(refFor(handler, ARN), ctx());
    // The InService waiter gives up on Failed; the status is read again and a Failed notebook is deletable.
    expect(sent()).toEqual(['Describe', 'Describe', 'Describe', 'Delete']);
  });

  it('does nothing for a notebook that is gone or already Deleting', async () => {
    sm.on(DescribeNotebookInstanceCommand).rejects(notFound());
    await handler.delete(refFor(handler, ARN), ctx());
    expect(sent()).toEqual(['Describe']);
    sm.reset();
    statuses('Deleting');
    await handler.delete(refFor(handler, ARN), ctx());
    expect(sent()).toEqual(['Describe']);
  });

  it('lets access errors through and deletes nothing', async () => {
    sm.on(DescribeNotebookInstanceCommand).rejects(awsError('AccessDeniedException', 'no describe', 403));
    await expect(handler.delete(refFor(handler, ARN), ctx())).rejects.toThrow('no describe');
    sm.reset();
    statuses('InService');
    sm.on(StopNotebookInstanceCommand).rejects(awsError('AccessDeniedException', 'no stop', 403));
    await expect(handler.delete(refFor(handler, ARN), ctx())).rejects.toThrow('no stop');
    expect(sm).not.toHaveReceivedCommand(DeleteNotebookInstanceCommand);
  });

  it('stops waiting when the run is aborted', async () => {
    statuses('Stopping');
    const abort = new AbortController();
    abort.abort();
    const run = handler.delete(refFor(handler, ARN), testContext({ waitTimeoutSeconds: 60, signal: abort.signal }));
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(sm).not.toHaveReceivedCommand(DeleteNotebookInstanceCommand);
  });

  it('is gone once Describe says it cannot be found (first poll, no sleeping)', async () => {
    sm.on(DescribeNotebookInstanceCommand).rejects(notFound());
    await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).resolves.toBeUndefined();
    expect(sm).toHaveReceivedCommandWith(DescribeNotebookInstanceCommand, INPUT);
    expect(sm).toHaveReceivedCommandTimes(DescribeNotebookInstanceCommand, 1);
  });

  it('fails the wait when the notebook turns Failed', async () => {
    statuses('Failed');
    await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).rejects.toThrow(/FAILURE/);
  });
});
