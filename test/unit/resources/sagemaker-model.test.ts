import { DeleteModelCommand, DescribeModelCommand, ListModelsCommand, ListTagsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerModel as handler } from '../../../src/resources/sagemaker-model.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:model/nova-model';
const ROLE = 'arn:aws:iam::123456789012:role/service/nova-exec';
const notFound = () => awsError('ValidationException', 'Could not find model "nova-model".');

/** The operations the mock received, without `Command`. */
const sent = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

describe('sagemaker:model', () => {
  beforeEach(() => sm.reset());

  it('owns model ARNs only, and may use IAM roles', () => {
    expect(handler.type).toBe('sagemaker:model');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:endpoint/x')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:model-package/x')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-model');
    expect(handler.references).toEqual(['iam:role']);
    expect(handler.notFound).toEqual(['ValidationException', 'ResourceNotFound']);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  it('describes config, live tags and the execution role it uses', async () => {
    sm.on(DescribeModelCommand, { ModelName: 'nova-model' }).resolves({ ModelName: 'nova-model', ModelArn: ARN, ExecutionRoleArn: ROLE, $metadata: {} });
    sm.on(ListTagsCommand).resolvesOnce({ Tags: [{ Key: 'project', Value: 'nova' }], NextToken: 't' }).resolvesOnce({ Tags: [{ Key: 'team', Value: 'ml' }] });
    const d = await handler.describe(refFor(handler, ARN), testContext());
    if (d === GONE) throw new Error('expected a description');
    expect(d.tags).toEqual({ project: 'nova', team: 'ml' });
    expect(d.uses).toEqual([ROLE]);
    expect(d.config).toMatchObject({ ModelName: 'nova-model', ExecutionRoleArn: ROLE });
    expect(d.config).not.toHaveProperty('$metadata');
  });

  it('uses nothing without an execution role', async () => {
    sm.on(DescribeModelCommand).resolves({ ModelName: 'nova-model' });
    expect(await handler.readUses?.(refFor(handler, ARN), testContext())).toEqual([]);
  });

  it('reads what it uses with DescribeModel alone', async () => {
    sm.on(DescribeModelCommand, { ModelName: 'nova-model' }).resolves({ ModelName: 'nova-model', ExecutionRoleArn: ROLE });
    expect(await handler.readUses?.(refFor(handler, ARN), testContext())).toEqual([ROLE]);
    expect(sent()).toEqual(['DescribeModel']);
  });

  it('reports a model that no longer exists as gone', async () => {
    sm.on(DescribeModelCommand).rejects(notFound());
    expect(await handler.describe(refFor(handler, ARN), testContext())).toBe(GONE);
    expect(await handler.readUses?.(refFor(handler, ARN), testContext())).toBe(GONE);
    expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'no such resource', 500));
    expect(await handler.currentTags(refFor(handler, ARN), testContext())).toBe(GONE);
  });

  it('reads the current tags with ListTags alone', async () => {
    sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    expect(await handler.currentTags(refFor(handler, ARN), testContext())).toEqual({ project: 'nova' });
    expect(sent()).toEqual(['ListTags']);
  });

  it('lists every model of the region by ARN (ListModels, 100 a page)', async () => {
    const m = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:model/${n}`;
    sm.on(ListModelsCommand)
      .resolvesOnce({ Models: [{ ModelName: 'a', ModelArn: m('a'), CreationTime: new Date() }], NextToken: 'n' })
      .resolvesOnce({ Models: [{ ModelName: 'b', ModelArn: m('b'), CreationTime: new Date() }] });
    expect(await handler.list?.(testContext(), 'us-east-1')).toEqual([{ arn: m('a') }, { arn: m('b') }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListModelsCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads', async () => {
    sm.on(DescribeModelCommand).resolves({ ExecutionRoleArn: ROLE });
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListModelsCommand).resolves({ Models: [] });
    await handler.describe(refFor(handler, ARN), testContext());
    await handler.readUses?.(refFor(handler, ARN), testContext());
    await handler.list?.(testContext(), 'us-east-1');
    await handler.currentTags(refFor(handler, ARN), testContext());
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), testContext()).catch(() => undefined);
    expect(new Set(sent())).toEqual(new Set(['DescribeModel', 'ListTags', 'ListModels']));
    for (const op of sent()) expect(handler.reads).toContain(op);
  });

  it('needs ListTags and DeleteModel on the model', () => {
    expect(handler.actions(liveFor(handler, ARN))).toEqual([
      { action: 'sagemaker:ListTags', resource: ARN },
      { action: 'sagemaker:DeleteModel', resource: ARN },
    ]);
    expect(handler.children).toBeUndefined();
    expect(handler.blocked).toBeUndefined();
  });

  it('deletes by name in one step and lets errors through', async () => {
    sm.on(DeleteModelCommand).resolves({});
    const steps = recordingSteps();
    await handler.delete(liveFor(handler, ARN), testContext(), steps);
    expect(steps.log).toEqual([{ name: 'delete' }]);
    expect(sm).toHaveReceivedCommandWith(DeleteModelCommand, { ModelName: 'nova-model' });
    sm.on(DeleteModelCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
    await expect(handler.delete(liveFor(handler, ARN), testContext(), recordingSteps())).rejects.toThrow('denied');
  });

  it('sends nothing when the delete step is stopped', async () => {
    await expect(handler.delete(liveFor(handler, ARN), testContext(), recordingSteps({ stopAt: 'delete' }))).rejects.toThrow('no longer match');
    expect(sm).not.toHaveReceivedCommand(DeleteModelCommand);
  });
});
