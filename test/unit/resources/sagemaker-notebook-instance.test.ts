import {
  DeleteNotebookInstanceCommand,
  DescribeNotebookInstanceCommand,
  ListNotebookInstancesCommand,
  ListTagsCommand,
  SageMakerClient,
  StopNotebookInstanceCommand,
  type NotebookInstanceStatus,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerNotebookInstance as handler } from '../../../src/resources/sagemaker-notebook-instance.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nova-nb';
const ROLE = 'arn:aws:iam::123456789012:role/nova-notebook';
const LIFECYCLE = 'arn:aws:sagemaker:us-east-1:123456789012:notebook-instance-lifecycle-config/nova-nb-setup';
const INPUT = { NotebookInstanceName: 'nova-nb' };
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ValidationException', 'RecordNotFound');
const live = (status?: NotebookInstanceStatus) => liveFor(handler, ARN, { config: { NotebookInstanceName: 'nova-nb', NotebookInstanceStatus: status } });

/** Describe answers these statuses in turn (the last one repeats); Stop and Delete succeed. */
function statuses(...list: NotebookInstanceStatus[]): void {
  let chain = sm.on(DescribeNotebookInstanceCommand);
  for (const s of list.slice(0, -1)) chain = chain.resolvesOnce({ NotebookInstanceName: 'nova-nb', NotebookInstanceStatus: s });
  chain.resolves({ NotebookInstanceName: 'nova-nb', NotebookInstanceStatus: list.at(-1) });
  sm.on(StopNotebookInstanceCommand).resolves({});
  sm.on(DeleteNotebookInstanceCommand).resolves({});
}

/** The operations the mock received, in order (Describe calls made by waiters included). */
const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
/** The same, short: `Describe`, `Stop`, `Delete`. */
const sent = () => ops().map((op) => op.replace(/NotebookInstance$/, ''));

/** Runs the delete of a notebook planned in `status`, steps recorded: the names of the steps run, and its error. */
async function deleteIt(status?: NotebookInstanceStatus, opts: { stopAt?: string } = {}): Promise<{ steps: string[]; error?: unknown }> {
  const steps = recordingSteps(opts);
  const error: unknown = await handler.delete(live(status), ctx(), steps).then(() => undefined, (err: unknown) => err);
  return { steps: steps.log.map((step) => step.name), ...(error === undefined ? {} : { error }) };
}

describe('sagemaker:notebook-instance', () => {
  beforeEach(() => sm.reset());

  it('owns notebook-instance ARNs only, not their lifecycle configs, and may use IAM roles and lifecycle configs', () => {
    expect(handler.type).toBe('sagemaker:notebook-instance');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(LIFECYCLE)).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-nb');
    expect(handler.references).toEqual(['iam:role', 'sagemaker:notebook-instance-lifecycle-config', 'sagemaker:code-repository']);
    expect(handler.reads).toEqual(['DescribeNotebookInstance', 'ListNotebookInstances', 'ListTags']);
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
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([ROLE]);
    sm.resetHistory();
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ project: 'nova' });
    expect(ops()).toEqual(['ListTags']);
  });

  it('uses the SageMaker code repositories it clones by name, not Git URLs', async () => {
    sm.on(DescribeNotebookInstanceCommand, INPUT).resolves({
      NotebookInstanceName: 'nova-nb',
      NotebookInstanceStatus: 'Stopped',
      RoleArn: ROLE,
      DefaultCodeRepository: 'nova-repo',
      AdditionalCodeRepositories: ['https://github.com/example/nova.git', 'nova-extra'],
    });
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    if (d === GONE) throw new Error('expected a description');
    const repo = (name: string) => ARN.replace(/notebook-instance\/.*$/, `code-repository/${name}`);
    expect(d.uses).toEqual([ROLE, repo('nova-repo'), repo('nova-extra')]);
  });

  it('uses the lifecycle config it names: its ARN in the notebook\'s account and region', async () => {
    sm.on(DescribeNotebookInstanceCommand, INPUT).resolves({
      NotebookInstanceName: 'nova-nb',
      NotebookInstanceStatus: 'Stopped',
      RoleArn: ROLE,
      NotebookInstanceLifecycleConfigName: 'nova-nb-setup',
    });
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    if (d === GONE) throw new Error('expected a description');
    expect(d.uses).toEqual([ROLE, LIFECYCLE]);
    expect(d.config).toMatchObject({ NotebookInstanceLifecycleConfigName: 'nova-nb-setup' });
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([ROLE, LIFECYCLE]);
    const west = 'arn:aws:sagemaker:eu-west-1:210987654321:notebook-instance/nova-nb';
    expect(await handler.readUses?.(refFor(handler, west), ctx())).toEqual([
      ROLE,
      'arn:aws:sagemaker:eu-west-1:210987654321:notebook-instance-lifecycle-config/nova-nb-setup',
    ]);
  });

  it('reports a notebook that no longer exists as gone', async () => {
    sm.on(DescribeNotebookInstanceCommand).rejects(notFound());
    expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'no such resource', 500));
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
  });

  it('lists every notebook of the region by ARN', async () => {
    const nb = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/${n}`;
    sm.on(ListNotebookInstancesCommand)
      .resolvesOnce({ NotebookInstances: [{ NotebookInstanceName: 'a', NotebookInstanceArn: nb('a') }], NextToken: 'n' })
      .resolvesOnce({ NotebookInstances: [{ NotebookInstanceName: 'b', NotebookInstanceArn: nb('b') }] });
    expect(await handler.list?.(ctx(), 'us-east-1')).toEqual([{ arn: nb('a') }, { arn: nb('b') }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListNotebookInstancesCommand, { MaxResults: 100 });
  });

  it('sends only its declared reads, the waiters included', async () => {
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListNotebookInstancesCommand).resolves({ NotebookInstances: [] });
    statuses('Stopping', 'Stopped');
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list?.(ctx(), 'us-east-1');
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), ctx()).catch(() => undefined);
    const reads = ops();
    expect(new Set(reads)).toEqual(new Set(['DescribeNotebookInstance', 'ListTags', 'ListNotebookInstances']));
    for (const op of reads) expect(handler.reads).toContain(op);
    // What the delete and its waiters read (all but the Stop and the Delete) is declared too.
    sm.resetHistory();
    await deleteIt('Pending');
    sm.on(DescribeNotebookInstanceCommand).rejects(notFound());
    await handler.waitUntilGone?.(refFor(handler, ARN), ctx());
    for (const op of ops().filter((o) => !/^(Stop|Delete)/.test(o))) expect(handler.reads).toContain(op);
  });

  it.each(['InService', 'Pending', 'Updating'] as const)('needs StopNotebookInstance for a %s notebook', (status) => {
    expect(handler.actions(live(status))).toEqual([
      { action: 'sagemaker:ListTags', resource: ARN },
      { action: 'sagemaker:DescribeNotebookInstance', resource: ARN },
      { action: 'sagemaker:DeleteNotebookInstance', resource: ARN },
      { action: 'sagemaker:StopNotebookInstance', resource: ARN },
    ]);
  });

  it.each(['Stopped', 'Failed', 'Stopping'] as const)('does not need StopNotebookInstance for a %s notebook', (status) => {
    expect(handler.actions(live(status)).map((a) => a.action)).toEqual([
      'sagemaker:ListTags',
      'sagemaker:DescribeNotebookInstance',
      'sagemaker:DeleteNotebookInstance',
    ]);
  });

  it('stops an InService notebook (its own step), waits until Stopped, then deletes it', async () => {
    statuses('InService', 'Stopped');
    const steps = recordingSteps();
    await handler.delete(live('InService'), ctx(), steps);
    expect(sent()).toEqual(['Describe', 'Stop', 'Describe', 'Delete']);
    expect(steps.log).toEqual([{ name: 'stop', done: 'stopped the notebook instance' }, { name: 'delete' }]);
    expect(sm).toHaveReceivedCommandWith(StopNotebookInstanceCommand, INPUT);
    expect(sm).toHaveReceivedCommandWith(DeleteNotebookInstanceCommand, INPUT);
  });

  it('reads the status it starts from: a notebook planned Stopped but InService now is stopped first', async () => {
    statuses('InService', 'Stopped');
    expect(await deleteIt('Stopped')).toEqual({ steps: ['stop', 'delete'] });
  });

  it.each(['Stopped', 'Failed'] as const)('deletes a %s notebook right away', async (status) => {
    statuses(status);
    expect(await deleteIt(status)).toEqual({ steps: ['delete'] });
    expect(sent()).toEqual(['Describe', 'Delete']);
  });

  it('waits for a Stopping notebook without stopping it again', async () => {
    statuses('Stopping', 'Stopped');
    expect(await deleteIt('Stopping')).toEqual({ steps: ['delete'] });
    expect(sent()).toEqual(['Describe', 'Describe', 'Delete']);
  });

  it.each(['Pending', 'Updating'] as const)('waits for a %s notebook to be InService, then stops and deletes it', async (status) => {
    statuses(status, 'InService', 'Stopped');
    expect(await deleteIt(status)).toEqual({ steps: ['stop', 'delete'] });
    expect(sent()).toEqual(['Describe', 'Describe', 'Stop', 'Describe', 'Delete']);
  });

  it('deletes a Pending notebook that fails to start without stopping it', async () => {
    statuses('Pending', 'Failed');
    expect(await deleteIt('Pending')).toEqual({ steps: ['delete'] });
    // The InService waiter gives up on Failed; the status is read again and a Failed notebook is deletable.
    expect(sent()).toEqual(['Describe', 'Describe', 'Describe', 'Delete']);
  });

  it('does nothing for a notebook already Deleting (waitUntilGone does the rest)', async () => {
    statuses('Deleting');
    expect(await deleteIt('InService')).toEqual({ steps: [] });
    expect(sent()).toEqual(['Describe']);
  });

  it('goes straight to the delete step for a notebook gone since the plan: its not-found is for the core to report', async () => {
    sm.on(DescribeNotebookInstanceCommand).rejects(notFound());
    sm.on(DeleteNotebookInstanceCommand).rejects(notFound());
    const { steps, error } = await deleteIt('Stopped');
    expect(error).toMatchObject({ name: 'ValidationException' });
    expect(steps).toEqual(['delete']);
    expect(sent()).toEqual(['Describe', 'Delete']);
  });

  it('sends neither Stop nor Delete when the stop step is stopped, nor Delete when the delete step is', async () => {
    statuses('InService', 'Stopped');
    expect(await deleteIt('InService', { stopAt: 'stop' })).toMatchObject({ steps: [], error: { name: 'TagsChanged' } });
    expect(sent()).toEqual(['Describe']);
    sm.reset();
    statuses('InService', 'Stopped');
    expect(await deleteIt('InService', { stopAt: 'delete' })).toMatchObject({ steps: ['stop'], error: { name: 'TagsChanged' } });
    expect(sent()).toEqual(['Describe', 'Stop', 'Describe']);
  });

  it('lets access errors through and deletes nothing', async () => {
    sm.on(DescribeNotebookInstanceCommand).rejects(awsError('AccessDeniedException', 'no describe', 403));
    expect(await deleteIt('InService')).toMatchObject({ steps: [], error: { message: 'no describe' } });
    sm.reset();
    statuses('InService');
    sm.on(StopNotebookInstanceCommand).rejects(awsError('AccessDeniedException', 'no stop', 403));
    expect(await deleteIt('InService')).toMatchObject({ steps: ['stop'], error: { message: 'no stop' } });
    expect(sm).not.toHaveReceivedCommand(DeleteNotebookInstanceCommand);
  });

  it('stops waiting when the run is aborted', async () => {
    statuses('Stopping');
    const abort = new AbortController();
    abort.abort();
    const run = handler.delete(live('Stopping'), testContext({ waitTimeoutSeconds: 60, signal: abort.signal }), recordingSteps());
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
