import { DeleteEndpointCommand, DescribeEndpointCommand, ListEndpointsCommand, ListTagsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { logsLogGroup } from '../../../src/resources/logs-log-group.js';
import { sagemakerEndpoint as handler } from '../../../src/resources/sagemaker-endpoint.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/nova-ep';
const CONFIG = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/Nova-Config';
/** The log group the endpoint's instances write to: `/aws/sagemaker/Endpoints/<name>`, in its region and account. */
const GROUP = 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/nova-ep';
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ValidationException', 'Could not find endpoint "nova-ep".');

/** The operations the mock received, without `Command`. */
const sent = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

describe('sagemaker:endpoint', () => {
  beforeEach(() => sm.reset());
  afterEach(() => vi.useRealTimers());

  it('owns endpoint ARNs only, not endpoint configs, and may use endpoint configs and log groups', () => {
    expect(handler.type).toBe('sagemaker:endpoint');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(CONFIG)).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-ep');
    expect(handler.references).toEqual(['sagemaker:endpoint-config', 'logs:log-group']);
    // The group ARN it reports is one the log group type owns (no trailing `:*`).
    expect(logsLogGroup.arnPattern.test(GROUP)).toBe(true);
    expect(logsLogGroup.nameOf(GROUP)).toBe('/aws/sagemaker/Endpoints/nova-ep');
    expect(handler.reads).toEqual(['DescribeEndpoint', 'ListEndpoints', 'ListTags']);
  });

  it('describes config, live tags, and the endpoint config and log group it uses', async () => {
    sm.on(DescribeEndpointCommand, { EndpointName: 'nova-ep' })
      .resolves({ EndpointName: 'nova-ep', EndpointArn: ARN, EndpointConfigName: 'Nova-Config', EndpointStatus: 'InService', $metadata: {} });
    sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    if (d === GONE) throw new Error('expected a description');
    expect(d.tags).toEqual({ project: 'nova' });
    expect(d.uses).toEqual([CONFIG, GROUP]);
    expect(d.config).toMatchObject({ EndpointName: 'nova-ep', EndpointStatus: 'InService' });
    expect(d.config).not.toHaveProperty('$metadata');
  });

  it('uses its log group alone when the endpoint names no config', async () => {
    sm.on(DescribeEndpointCommand).resolves({ EndpointName: 'nova-ep' });
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    expect(d).not.toBe(GONE);
    expect(d !== GONE && d.uses).toEqual([GROUP]);
  });

  it('reads what it uses with DescribeEndpoint alone', async () => {
    sm.on(DescribeEndpointCommand).resolves({ EndpointName: 'nova-ep', EndpointConfigName: 'Nova-Config' });
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([CONFIG, GROUP]);
    expect(sent()).toEqual(['DescribeEndpoint']);
  });

  it("names its log group after the endpoint name as SageMaker returns it (its ARN has it in lower case), in the endpoint's partition, region and account, without a trailing :*", async () => {
    const cn = 'arn:aws-cn:sagemaker:cn-north-1:210987654321:endpoint/nova-ep-b';
    sm.on(DescribeEndpointCommand, { EndpointName: 'nova-ep-b' }).resolves({ EndpointName: 'Nova-EP-B', EndpointConfigName: 'cfg' });
    expect(await handler.readUses?.(refFor(handler, cn), ctx())).toEqual([
      'arn:aws-cn:sagemaker:cn-north-1:210987654321:endpoint-config/cfg',
      'arn:aws-cn:logs:cn-north-1:210987654321:log-group:/aws/sagemaker/Endpoints/Nova-EP-B',
    ]);
  });

  it('reads current tags with ListTags alone', async () => {
    sm.on(ListTagsCommand).resolves({ Tags: [{ Key: 'team', Value: 'ml' }] });
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ team: 'ml' });
    expect(sent()).toEqual(['ListTags']);
  });

  it('reports an endpoint that no longer exists as gone', async () => {
    sm.on(DescribeEndpointCommand).rejects(notFound());
    expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'no such resource', 500));
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
  });

  it('lets access errors through from describe and currentTags', async () => {
    sm.on(DescribeEndpointCommand).rejects(awsError('AccessDeniedException', 'not allowed', 403));
    await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('not allowed');
    sm.on(ListTagsCommand).rejects(awsError('AccessDeniedException', 'no ListTags', 403));
    await expect(handler.currentTags(refFor(handler, ARN), ctx())).rejects.toThrow('no ListTags');
  });

  it('lists every endpoint of the region by ARN', async () => {
    const e = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:endpoint/${n}`;
    const at = new Date();
    sm.on(ListEndpointsCommand)
      .resolvesOnce({ Endpoints: [{ EndpointName: 'a', EndpointArn: e('a'), CreationTime: at, LastModifiedTime: at, EndpointStatus: 'InService' }], NextToken: 'n' })
      .resolvesOnce({ Endpoints: [{ EndpointName: 'b', EndpointArn: e('b'), CreationTime: at, LastModifiedTime: at, EndpointStatus: 'Failed' }] });
    expect(await handler.list?.(ctx(), 'us-east-1')).toEqual([{ arn: e('a') }, { arn: e('b') }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListEndpointsCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads, the waiter included', async () => {
    sm.on(DescribeEndpointCommand).resolves({ EndpointConfigName: 'c' });
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListEndpointsCommand).resolves({ Endpoints: [] });
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list?.(ctx(), 'us-east-1');
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), ctx()).catch(() => undefined);
    sm.on(DescribeEndpointCommand).rejects(notFound());
    await handler.waitUntilGone?.(refFor(handler, ARN), ctx());
    expect(new Set(sent())).toEqual(new Set(['DescribeEndpoint', 'ListTags', 'ListEndpoints']));
    for (const op of sent()) expect(handler.reads).toContain(op);
  });

  it('needs ListTags, DescribeEndpoint (the waiter) and DeleteEndpoint on the endpoint', () => {
    expect(handler.actions(liveFor(handler, ARN))).toEqual([
      { action: 'sagemaker:ListTags', resource: ARN },
      { action: 'sagemaker:DescribeEndpoint', resource: ARN },
      { action: 'sagemaker:DeleteEndpoint', resource: ARN },
    ]);
  });

  it('deletes by name in one step and lets errors through', async () => {
    sm.on(DeleteEndpointCommand).resolves({});
    const steps = recordingSteps();
    await handler.delete(liveFor(handler, ARN), ctx(), steps);
    expect(steps.log).toEqual([{ name: 'delete' }]);
    expect(sm).toHaveReceivedCommandWith(DeleteEndpointCommand, { EndpointName: 'nova-ep' });
    expect(sm).toHaveReceivedCommandTimes(DeleteEndpointCommand, 1);
    sm.on(DeleteEndpointCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
    await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps())).rejects.toThrow('denied');
  });

  it('sends nothing when the delete step is stopped', async () => {
    await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toThrow('no longer match');
    expect(sm).not.toHaveReceivedAnyCommand();
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
