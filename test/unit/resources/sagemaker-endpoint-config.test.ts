import {
  DeleteEndpointConfigCommand,
  DescribeEndpointConfigCommand,
  ListEndpointConfigsCommand,
  ListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { arnKey } from '../../../src/aws/arn.js';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerEndpointConfig as handler } from '../../../src/resources/sagemaker-endpoint-config.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:eu-west-1:123456789012:endpoint-config/nova-config';
const model = (name: string) => `arn:aws:sagemaker:eu-west-1:123456789012:model/${name}`;
const notFound = () => awsError('ValidationException', 'Could not find endpoint configuration "nova-config".');

/** The operations the mock received, without `Command`. */
const sent = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

describe('sagemaker:endpoint-config', () => {
  beforeEach(() => sm.reset());

  it('owns endpoint-config ARNs only, not endpoints, and may use models', () => {
    expect(handler.type).toBe('sagemaker:endpoint-config');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:eu-west-1:123456789012:endpoint/nova-config')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-config');
    expect(handler.references).toEqual(['sagemaker:model']);
    expect(handler.reads).toEqual(['DescribeEndpointConfig', 'ListEndpointConfigs', 'ListTags']);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  it('uses every distinct model of its production and shadow variants, as sibling ARNs', async () => {
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
    // The model's own ARN carries its name in lower case: the same resource.
    expect(arnKey(d.uses[0] ?? '')).toBe(arnKey(model('nova-a')));
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

  it('reads what it uses with DescribeEndpointConfig alone', async () => {
    sm.on(DescribeEndpointConfigCommand).resolves({ ProductionVariants: [{ VariantName: 'a', ModelName: 'nova-a' }] });
    expect(await handler.readUses?.(refFor(handler, ARN), testContext())).toEqual([model('nova-a')]);
    expect(sent()).toEqual(['DescribeEndpointConfig']);
  });

  it('reports a config that no longer exists as gone, and reads tags of one that does', async () => {
    sm.on(DescribeEndpointConfigCommand).rejects(notFound());
    expect(await handler.describe(refFor(handler, ARN), testContext())).toBe(GONE);
    expect(await handler.readUses?.(refFor(handler, ARN), testContext())).toBe(GONE);
    expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
    sm.on(ListTagsCommand).rejects(awsError('ValidationException', 'no such resource'));
    expect(await handler.currentTags(refFor(handler, ARN), testContext())).toBe(GONE);
    sm.reset();
    sm.on(ListTagsCommand).resolves({ Tags: [{ Key: 'team', Value: 'ml' }] });
    expect(await handler.currentTags(refFor(handler, ARN), testContext())).toEqual({ team: 'ml' });
    expect(sent()).toEqual(['ListTags']);
  });

  it('lists every endpoint config of the region by ARN', async () => {
    const c = (n: string) => `arn:aws:sagemaker:eu-west-1:123456789012:endpoint-config/${n}`;
    sm.on(ListEndpointConfigsCommand)
      .resolvesOnce({ EndpointConfigs: [{ EndpointConfigName: 'a', EndpointConfigArn: c('a'), CreationTime: new Date() }], NextToken: 'n' })
      .resolvesOnce({ EndpointConfigs: [{ EndpointConfigName: 'b', EndpointConfigArn: c('b'), CreationTime: new Date() }] });
    expect(await handler.list?.(testContext(), 'eu-west-1')).toEqual([{ arn: c('a') }, { arn: c('b') }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListEndpointConfigsCommand, { MaxResults: 100 });
  });

  it('sends only its declared reads', async () => {
    sm.on(DescribeEndpointConfigCommand).resolves({});
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListEndpointConfigsCommand).resolves({ EndpointConfigs: [] });
    await handler.describe(refFor(handler, ARN), testContext());
    await handler.readUses?.(refFor(handler, ARN), testContext());
    await handler.list?.(testContext(), 'eu-west-1');
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), testContext()).catch(() => undefined);
    expect(new Set(sent())).toEqual(new Set(['DescribeEndpointConfig', 'ListTags', 'ListEndpointConfigs']));
    for (const op of sent()) expect(handler.reads).toContain(op);
  });

  it('needs ListTags and DeleteEndpointConfig on the config', () => {
    expect(handler.actions(liveFor(handler, ARN))).toEqual([
      { action: 'sagemaker:ListTags', resource: ARN },
      { action: 'sagemaker:DeleteEndpointConfig', resource: ARN },
    ]);
  });

  it('deletes by name in one step and lets errors through', async () => {
    sm.on(DeleteEndpointConfigCommand).resolves({});
    const steps = recordingSteps();
    await handler.delete(liveFor(handler, ARN), testContext(), steps);
    expect(steps.log).toEqual([{ name: 'delete' }]);
    expect(sm).toHaveReceivedCommandWith(DeleteEndpointConfigCommand, { EndpointConfigName: 'nova-config' });
    sm.on(DeleteEndpointConfigCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
    await expect(handler.delete(liveFor(handler, ARN), testContext(), recordingSteps())).rejects.toThrow('denied');
  });

  it('sends nothing when the delete step is stopped', async () => {
    await expect(handler.delete(liveFor(handler, ARN), testContext(), recordingSteps({ stopAt: 'delete' }))).rejects.toThrow('no longer match');
    expect(sm).not.toHaveReceivedAnyCommand();
  });
});
