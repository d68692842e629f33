import { DeleteModelCommand, DescribeModelCommand, ListTagsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerModel as handler } from '../../../src/resources/sagemaker-model.js';
import { awsError, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:model/nova-model';
const ROLE = 'arn:aws:iam::123456789012:role/service/nova-exec';

describe('sagemaker:model', () => {
  beforeEach(() => sm.reset());

  it('owns model ARNs only', () => {
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:endpoint/x')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-model');
  });

  it('describes config, live tags and the execution role it uses', async () => {
    sm.on(DescribeModelCommand, { ModelName: 'nova-model' }).resolves({ ModelName: 'nova-model', ModelArn: ARN, ExecutionRoleArn: ROLE });
    sm.on(ListTagsCommand).resolvesOnce({ Tags: [{ Key: 'project', Value: 'nova' }], NextToken: 't' }).resolvesOnce({ Tags: [{ Key: 'team', Value: 'ml' }] });
    const d = await handler.describe(refFor(handler, ARN), testContext());
    expect(d).not.toBe(GONE);
    if (d === GONE) return;
    expect(d.tags).toEqual({ project: 'nova', team: 'ml' });
    expect(d.uses).toEqual([ROLE]);
    expect(d.config).toMatchObject({ ModelName: 'nova-model', ExecutionRoleArn: ROLE });
    expect(d.config).not.toHaveProperty('$metadata');
  });

  it('reports a model that no longer exists as gone', async () => {
    sm.on(DescribeModelCommand).rejects(awsError('ValidationException', 'Could not find model "nova-model".'));
    expect(await handler.describe(refFor(handler, ARN), testContext())).toBe(GONE);
    expect(await handler.currentTags(refFor(handler, ARN), testContext())).toBe(GONE);
    expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
  });

  it('deletes by name and lets other errors through', async () => {
    sm.on(DeleteModelCommand).resolves({});
    await handler.delete(refFor(handler, ARN), testContext());
    expect(sm).toHaveReceivedCommandWith(DeleteModelCommand, { ModelName: 'nova-model' });
    sm.on(DeleteModelCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
    await expect(handler.delete(refFor(handler, ARN), testContext())).rejects.toThrow('denied');
  });
});
