import { DeleteEndpointConfigCommand, DescribeEndpointConfigCommand, ListTagsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerEndpointConfig as handler } from '../../../src/resources/sagemaker-endpoint-config.js';
import { awsError, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:eu-west-1:123456789012:endpoint-config/nova-config';
const model = (name: string) => `arn:aws:sagemaker:eu-west-1:123456789012:model/${name}`;

describe('sagemaker:endpoint-config', () => {
  beforeEach(() => sm.reset());

  it('owns endpoint-config ARNs only, not endpoints', () => {
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:eu-west-1:123456789012:endpoint/nova-config')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-config');
    expect(handler.dependsOn).toEqual(['sagemaker:model']);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  it('uses every distinct model of its production and shadow variants', async () => {
    sm.on(DescribeEndpointConfigCommand, { EndpointConfigName: 'nova-config' }).resolves({
      EndpointConfigName: 'nova-config',
      ProductionVariants: [
        { VariantName: 'a', ModelName: 'Nova-A' },
        { VariantName: 'b', ModelName: 'nova-b' },
        { VariantName: 'ic' }, // backed by inference components: no model
      ],
      ShadowProductionVariants: [{ VariantName: 's', ModelName: 'Nova-A' }, { VariantName: 't', ModelName: 'nova-shadow' }],
      $metadata: {},
    });
    sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    const d = await handler.describe(refFor(handler, ARN), testContext());
    if (d === GONE) throw new Error('expected a description');
    expect(d.uses).toEqual([model('Nova-A'), model('nova-b'), model('nova-shadow')]);
    expect(d.tags).toEqual({ project: 'nova' });
    expect(d.config).toMatchObject({ EndpointConfigName: 'nova-config' });
    expect(d.config).not.toHaveProperty('$metadata');
  });

  it('uses nothing when there are no variants', async () => {
    sm.on(DescribeEndpointConfigCommand).resolves({ EndpointConfigName: 'nova-config' });
    sm.on(ListTagsCommand).resolves({});
    const d = await handler.describe(refFor(handler, ARN), testContext());
    expect(d).not.toBe(GONE);
    expect(d !== GONE && d.uses).toEqual([]);
  });

  it('reports a config that no longer exists as gone, and reads tags of one that does', async () => {
    sm.on(DescribeEndpointConfigCommand).rejects(awsError('ValidationException', 'Could not find endpoint configuration "nova-config".'));
    expect(await handler.describe(refFor(handler, ARN), testContext())).toBe(GONE);
    expect(await handler.currentTags(refFor(handler, ARN), testContext())).toBe(GONE);
    expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
    sm.on(DescribeEndpointConfigCommand).resolves({ EndpointConfigName: 'nova-config' });
    sm.on(ListTagsCommand).resolves({ Tags: [{ Key: 'team', Value: 'ml' }] });
    expect(await handler.currentTags(refFor(handler, ARN), testContext())).toEqual({ team: 'ml' });
  });

  it('deletes by name and lets other errors through', async () => {
    sm.on(DeleteEndpointConfigCommand).resolves({});
    await handler.delete(refFor(handler, ARN), testContext());
    expect(sm).toHaveReceivedCommandWith(DeleteEndpointConfigCommand, { EndpointConfigName: 'nova-config' });
    sm.on(DeleteEndpointConfigCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
    await expect(handler.delete(refFor(handler, ARN), testContext())).rejects.toThrow('denied');
  });
});
