import { DeleteEndpointCommand, DescribeEndpointCommand, ListTagsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerEndpoint as handler } from '../../../src/resources/sagemaker-endpoint.js';
import { awsError, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/nova-ep';
const CONFIG = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/Nova-Config';
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ValidationException', 'Could not find endpoint "nova-ep".');

describe('sagemaker:endpoint', () => {
  beforeEach(() => sm.reset());
  afterEach(() => vi.useRealTimers());

  it('owns endpoint ARNs only, not endpoint configs', () => {
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(CONFIG)).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-ep');
    expect(handler.dependsOn).toEqual(['sagemaker:endpoint-config']);
  });

  it('describes config, live tags and the endpoint config it uses', async () => {
    sm.on(DescribeEndpointCommand, { EndpointName: 'nova-ep' })
      .resolves({ EndpointName: 'nova-ep', EndpointArn: ARN, EndpointConfigName: 'Nova-Config', EndpointStatus: 'InService', $metadata: {} });
    sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    if (d === GONE) throw new Error('expected a description');
    expect(d.tags).toEqual({ project: 'nova' });
    expect(d.uses).toEqual([CONFIG]);
    expect(d.config).toMatchObject({ EndpointName: 'nova-ep', EndpointStatus: 'InService' });
    expect(d.config).not.toHaveProperty('$metadata');
  });

  it('uses nothing when the endpoint names no config', async () => {
    sm.on(DescribeEndpointCommand).resolves({ EndpointName: 'nova-ep' });
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    expect(d).not.toBe(GONE);
    expect(d !== GONE && d.uses).toEqual([]);
  });

  it('reads current tags after checking the endpoint still exists', async () => {
    sm.on(DescribeEndpointCommand).resolves({ EndpointName: 'nova-ep' });
    sm.on(ListTagsCommand).resolves({ Tags: [{ Key: 'team', Value: 'ml' }] });
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ team: 'ml' });
  });

  it('reports an endpoint that no longer exists as gone', async () => {
    sm.on(DescribeEndpointCommand).rejects(notFound());
    expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
  });

  it('lets access errors through from describe', async () => {
    sm.on(DescribeEndpointCommand).rejects(awsError('AccessDeniedException', 'not allowed', 403));
    await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('not allowed');
  });

  it('deletes by name and lets other errors through', async () => {
    sm.on(DeleteEndpointCommand).resolves({});
    await handler.delete(refFor(handler, ARN), ctx());
    expect(sm).toHaveReceivedCommandWith(DeleteEndpointCommand, { EndpointName: 'nova-ep' });
    expect(sm).toHaveReceivedCommandTimes(DeleteEndpointCommand, 1);
    sm.on(DeleteEndpointCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
    await expect(handler.delete(refFor(handler, ARN), ctx())).rejects.toThrow('denied');
  });

  it('is gone once Describe says it cannot be found (first poll, no sleeping)', async () => {
    sm.on(DescribeEndpointCommand).rejects(notFound());
    await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).resolves.toBeUndefined();
    expect(sm).toHaveReceivedCommandWith(DescribeEndpointCommand, { EndpointName: 'nova-ep' });
    expect(sm).toHaveReceivedCommandTimes(DescribeEndpointCommand, 1);
  });

  it('fails the wait when the endpoint turns Failed', async () => {
    sm.on(DescribeEndpointCommand).resolves({ EndpointName: 'nova-ep', EndpointStatus: 'Failed' });
    await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).rejects.toThrow(/FAILURE/);
  });

  it('keeps polling while Deleting, then resolves', async () => {
    vi.useFakeTimers();
    sm.on(DescribeEndpointCommand).resolvesOnce({ EndpointStatus: 'Deleting' }).rejects(notFound());
    const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
    await vi.advanceTimersByTimeAsync(30_000);
    await expect(wait).resolves.toBeUndefined();
    expect(sm).toHaveReceivedCommandTimes(DescribeEndpointCommand, 2);
  });

  it('throws a TimeoutError when still Deleting after the wait timeout', async () => {
    vi.useFakeTimers();
    sm.on(DescribeEndpointCommand).resolves({ EndpointStatus: 'Deleting' });
    const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
    const settled = expect(wait).rejects.toMatchObject({ name: 'TimeoutError' });
    await vi.advanceTimersByTimeAsync(61_000);
    await settled;
  });

  it('stops waiting when the run is aborted', async () => {
    sm.on(DescribeEndpointCommand).resolves({ EndpointStatus: 'Deleting' });
    const abort = new AbortController();
    abort.abort();
    const wait = handler.waitUntilGone?.(refFor(handler, ARN), testContext({ waitTimeoutSeconds: 60, signal: abort.signal }));
    await expect(wait).rejects.toMatchObject({ name: 'AbortError' });
  });
});
