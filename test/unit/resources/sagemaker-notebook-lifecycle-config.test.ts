import {
  DeleteNotebookInstanceLifecycleConfigCommand,
  DescribeNotebookInstanceLifecycleConfigCommand,
  ListNotebookInstanceLifecycleConfigsCommand,
  ListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerNotebookLifecycleConfig as handler } from '../../../src/resources/sagemaker-notebook-lifecycle-config.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:notebook-instance-lifecycle-config/nova-nb-setup';
const INPUT = { NotebookInstanceLifecycleConfigName: 'nova-nb-setup' };
const ON_START = [{ Content: Buffer.from('#!/bin/bash\npip install nova-sdk\n').toString('base64') }];
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () =>
  awsError('ValidationException', `Unable to describe Notebook Instance Lifecycle Config '${ARN}'. (Details: Notebook Instance Lifecycle Config does not exist.)`);

/** The operations the mock received, in order, without `Command`. */
const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

describe('sagemaker:notebook-instance-lifecycle-config', () => {
  beforeEach(() => sm.reset());

  it('owns lifecycle-config ARNs only, not the notebooks that run them, and uses nothing', () => {
    expect(handler.type).toBe('sagemaker:notebook-instance-lifecycle-config');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nova-nb-setup')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/nova-nb-setup')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-nb-setup');
    expect(handler.references).toEqual([]);
    expect(handler.taggingApi).toBe(true);
    expect(handler.notFound).toEqual(['ValidationException', 'ResourceNotFound']);
    expect(handler.reads).toEqual(['DescribeNotebookInstanceLifecycleConfig', 'ListNotebookInstanceLifecycleConfigs', 'ListTags']);
  });

  it('describes its scripts (for the backup), live tags, and no uses', async () => {
    sm.on(DescribeNotebookInstanceLifecycleConfigCommand, INPUT).resolves({
      NotebookInstanceLifecycleConfigArn: ARN,
      NotebookInstanceLifecycleConfigName: 'nova-nb-setup',
      OnStart: ON_START,
      $metadata: { httpStatusCode: 200 },
    });
    sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    if (d === GONE) throw new Error('expected a description');
    expect(d.config).toEqual({ NotebookInstanceLifecycleConfigArn: ARN, NotebookInstanceLifecycleConfigName: 'nova-nb-setup', OnStart: ON_START });
    expect(d.tags).toEqual({ project: 'nova' });
    expect(d.uses).toEqual([]);
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([]);
  });

  it('takes live tags from the hint instead of reading them again', async () => {
    sm.on(DescribeNotebookInstanceLifecycleConfigCommand).resolves({ NotebookInstanceLifecycleConfigName: 'nova-nb-setup' });
    const d = await handler.describe(refFor(handler, ARN), ctx(), { tags: { project: 'nova' } });
    expect(d).toMatchObject({ tags: { project: 'nova' } });
    expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
  });

  it('reports a config that no longer exists as gone', async () => {
    sm.on(DescribeNotebookInstanceLifecycleConfigCommand).rejects(notFound());
    expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
    // ListTags on a missing resource is not a clean not-found: Describe decides.
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'no such resource', 500));
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
  });

  it('proves the tags with ListTags alone, and lets an access error through', async () => {
    sm.on(ListTagsCommand).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ project: 'nova' });
    expect(ops()).toEqual(['ListTags']);
    sm.reset();
    sm.on(ListTagsCommand).rejects(awsError('AccessDeniedException', 'no ListTags', 403));
    sm.on(DescribeNotebookInstanceLifecycleConfigCommand).resolves({ NotebookInstanceLifecycleConfigName: 'nova-nb-setup' });
    await expect(handler.currentTags(refFor(handler, ARN), ctx())).rejects.toThrow('no ListTags');
  });

  it('lists every config of the region by ARN, 100 a page', async () => {
    const lc = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:notebook-instance-lifecycle-config/${n}`;
    sm.on(ListNotebookInstanceLifecycleConfigsCommand)
      .resolvesOnce({ NotebookInstanceLifecycleConfigs: [{ NotebookInstanceLifecycleConfigName: 'a', NotebookInstanceLifecycleConfigArn: lc('a') }], NextToken: 'n' })
      .resolvesOnce({ NotebookInstanceLifecycleConfigs: [{ NotebookInstanceLifecycleConfigName: 'b', NotebookInstanceLifecycleConfigArn: lc('b') }] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([{ arn: lc('a') }, { arn: lc('b') }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListNotebookInstanceLifecycleConfigsCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListNotebookInstanceLifecycleConfigsCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads', async () => {
    sm.on(DescribeNotebookInstanceLifecycleConfigCommand).resolves({ NotebookInstanceLifecycleConfigName: 'nova-nb-setup' });
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListNotebookInstanceLifecycleConfigsCommand).resolves({ NotebookInstanceLifecycleConfigs: [] });
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    await handler.currentTags(refFor(handler, ARN), ctx());
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), ctx()).catch(() => undefined);
    expect(new Set(ops())).toEqual(new Set(['DescribeNotebookInstanceLifecycleConfig', 'ListTags', 'ListNotebookInstanceLifecycleConfigs']));
    for (const op of ops()) expect(handler.reads).toContain(op);
  });

  it('needs ListTags and the delete, on the config itself', () => {
    expect(handler.actions(liveFor(handler, ARN))).toEqual([
      { action: 'sagemaker:ListTags', resource: ARN },
      { action: 'sagemaker:DeleteNotebookInstanceLifecycleConfig', resource: ARN },
    ]);
    expect(handler.children?.(liveFor(handler, ARN)) ?? []).toEqual([]);
    expect(handler.waitUntilGone).toBeUndefined(); // the delete is synchronous
  });

  it('deletes it in one step; a stopped step sends nothing', async () => {
    sm.on(DeleteNotebookInstanceLifecycleConfigCommand).resolves({});
    const steps = recordingSteps();
    await handler.delete(liveFor(handler, ARN), ctx(), steps);
    expect(steps.log).toEqual([{ name: 'delete' }]);
    expect(ops()).toEqual(['DeleteNotebookInstanceLifecycleConfig']);
    expect(sm).toHaveReceivedCommandWith(DeleteNotebookInstanceLifecycleConfigCommand, INPUT);
    sm.resetHistory();
    await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toMatchObject({ name: 'TagsChanged' });
    expect(sm).not.toHaveReceivedCommand(DeleteNotebookInstanceLifecycleConfigCommand);
  });

  it('lets a not-found on the delete through, for the core to report as gone', async () => {
    sm.on(DeleteNotebookInstanceLifecycleConfigCommand).rejects(notFound());
    await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ValidationException' });
  });
});
