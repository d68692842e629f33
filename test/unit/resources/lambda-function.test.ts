import {
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  LambdaClient,
  ListAliasesCommand,
  ListEventSourceMappingsCommand,
  ListTagsCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { lambdaFunction as handler } from '../../../src/resources/lambda-function.js';
import { awsError, refFor, testContext } from '../../helpers/context.js';

const lambda = mockClient(LambdaClient);
const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:nova-fn';
const ROLE = 'arn:aws:iam::123456789012:role/service/nova-fn-role';
const ref = () => refFor(handler, ARN);
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = (what = 'Function not found') => awsError('ResourceNotFoundException', what, 404);
const commandOrder = () => lambda.calls().map((c) => (c.args[0] as object).constructor.name);

describe('lambda:function', () => {
  beforeEach(() => lambda.reset());
  afterEach(() => vi.useRealTimers());

  it('owns unqualified function ARNs only', () => {
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(`${ARN}:1`)).toBe(false);
    expect(handler.arnPattern.test(`${ARN}:live`)).toBe(false);
    expect(handler.arnPattern.test('arn:aws:lambda:us-east-1:123456789012:layer:nova-layer:3')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:lambda:us-east-1:123456789012:event-source-mapping:0f2c-11')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:model/nova-fn')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-fn');
    expect(handler.dependsOn).toEqual(['iam:role']);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  it('simulates mapping calls against mapping ARNs', () => {
    expect(handler.simulationResource?.(ARN, 'lambda:DeleteFunction')).toBe(ARN);
    expect(handler.simulationResource?.(ARN, 'lambda:DeleteEventSourceMapping')).toBe('arn:aws:lambda:us-east-1:123456789012:event-source-mapping:*');
    expect(handler.simulationResource?.(ARN, 'lambda:ListEventSourceMappings')).toBe('*');
  });

  it('describes configuration, tags, mappings, policy, aliases and the role it uses', async () => {
    lambda.on(GetFunctionCommand, { FunctionName: ARN }).resolves({
      Configuration: { FunctionName: 'nova-fn', FunctionArn: ARN, Role: ROLE, Runtime: 'python3.12' },
      Code: { RepositoryType: 'S3', Location: 'https://presigned.example/x' },
      Tags: { stale: 'GetFunction tags are not used' },
      $metadata: {},
    });
    lambda.on(ListTagsCommand, { Resource: ARN }).resolves({ Tags: { project: 'nova' } });
    lambda.on(ListEventSourceMappingsCommand)
      .resolvesOnce({ EventSourceMappings: [{ UUID: 'm1', State: 'Enabled' }], NextMarker: 'p2' })
      .resolvesOnce({ EventSourceMappings: [{ UUID: 'm2', State: 'Enabled' }] });
    lambda.on(GetPolicyCommand).resolves({ Policy: '{"Version":"2012-10-17","Statement":[{"Sid":"s3"}]}', RevisionId: 'r1' });
    lambda.on(ListAliasesCommand).resolves({ Aliases: [{ Name: 'live', FunctionVersion: '1' }] });
    lambda.on(GetFunctionUrlConfigCommand).rejects(notFound('The resource you requested does not exist.'));
    lambda.on(GetFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 5 });

    const d = await handler.describe(ref(), ctx());
    if (d === GONE) throw new Error('expected a description');
    expect(d.tags).toEqual({ project: 'nova' });
    expect(d.uses).toEqual([ROLE]);
    expect(d.config).toMatchObject({
      Configuration: { FunctionName: 'nova-fn', Role: ROLE },
      Code: { RepositoryType: 'S3' },
      EventSourceMappings: [{ UUID: 'm1' }, { UUID: 'm2' }],
      Policy: { Version: '2012-10-17', Statement: [{ Sid: 's3' }] },
      Aliases: [{ Name: 'live' }],
      FunctionUrlConfig: null,
      Concurrency: { ReservedConcurrentExecutions: 5 },
    });
    expect(d.config).not.toHaveProperty('$metadata');
    expect(lambda).toHaveReceivedNthSpecificCommandWith(1, ListEventSourceMappingsCommand, { FunctionName: 'nova-fn', MaxItems: 100 });
    expect(lambda).toHaveReceivedNthSpecificCommandWith(2, ListEventSourceMappingsCommand, { FunctionName: 'nova-fn', Marker: 'p2' });
  });

  it('records an absent policy and an odd function-URL answer as null', async () => {
    lambda.on(GetFunctionCommand).resolves({ Configuration: { FunctionName: 'nova-fn' } });
    lambda.on(ListTagsCommand).resolves({});
    lambda.on(ListEventSourceMappingsCommand).resolves({});
    lambda.on(ListAliasesCommand).resolves({});
    lambda.on(GetPolicyCommand).rejects(notFound('The resource you requested does not exist.'));
    lambda.on(GetFunctionUrlConfigCommand).rejects(awsError('UnknownError', 'Not Found', 404));
    lambda.on(GetFunctionConcurrencyCommand).resolves({});
    const d = await handler.describe(ref(), ctx());
    if (d === GONE) throw new Error('expected a description');
    expect(d.config).toMatchObject({ Policy: null, FunctionUrlConfig: null, EventSourceMappings: [], Aliases: [] });
    expect(d.uses).toEqual([]);
    expect(d.tags).toEqual({});
  });

  it('reads tags with ListTags, so that a denial is an error rather than "no tags"', async () => {
    lambda.on(GetFunctionCommand).resolves({ Configuration: { FunctionName: 'nova-fn' } });
    lambda.on(ListEventSourceMappingsCommand).resolves({});
    lambda.on(ListAliasesCommand).resolves({});
    lambda.on(GetPolicyCommand).resolves({});
    lambda.on(GetFunctionUrlConfigCommand).resolves({});
    lambda.on(GetFunctionConcurrencyCommand).resolves({});
    lambda.on(ListTagsCommand).rejects(awsError('AccessDeniedException', 'not allowed: lambda:ListTags', 403));
    await expect(handler.describe(ref(), ctx())).rejects.toThrow('lambda:ListTags');
  });

  it('lets a denied sub-read through', async () => {
    lambda.on(GetFunctionCommand).resolves({ Configuration: { FunctionName: 'nova-fn' } });
    lambda.on(ListTagsCommand).resolves({});
    lambda.on(ListEventSourceMappingsCommand).resolves({});
    lambda.on(ListAliasesCommand).resolves({});
    lambda.on(GetPolicyCommand).rejects(awsError('AccessDeniedException', 'not authorized to GetPolicy', 403));
    lambda.on(GetFunctionUrlConfigCommand).resolves({});
    lambda.on(GetFunctionConcurrencyCommand).resolves({});
    await expect(handler.describe(ref(), ctx())).rejects.toThrow('not authorized to GetPolicy');
  });

  it('reports a function that no longer exists as gone', async () => {
    lambda.on(GetFunctionCommand).rejects(notFound());
    lambda.on(ListTagsCommand).rejects(notFound());
    expect(await handler.describe(ref(), ctx())).toBe(GONE);
    expect(await handler.currentTags(ref(), ctx())).toBe(GONE);
    expect(lambda).not.toHaveReceivedCommand(ListEventSourceMappingsCommand);
  });

  it('reads current tags with ListTags on the ARN', async () => {
    lambda.on(ListTagsCommand, { Resource: ARN }).resolves({ Tags: { project: 'nova', team: 'ml' } });
    expect(await handler.currentTags(ref(), ctx())).toEqual({ project: 'nova', team: 'ml' });
  });

  it('deletes every event source mapping, waits for them, then the function', async () => {
    lambda.on(ListEventSourceMappingsCommand)
      .resolvesOnce({ EventSourceMappings: [{ UUID: 'm1' }], NextMarker: 'p2' })
      .resolvesOnce({ EventSourceMappings: [{ UUID: 'm2' }] });
    lambda.on(DeleteEventSourceMappingCommand).resolves({ State: 'Deleting' });
    lambda.on(DeleteEventSourceMappingCommand, { UUID: 'm2' }).rejects(notFound('The resource you requested does not exist.'));
    lambda.on(GetEventSourceMappingCommand).rejects(notFound('The resource you requested does not exist.'));
    lambda.on(DeleteFunctionCommand).resolves({});
    await handler.delete(ref(), ctx());
    expect(lambda).toHaveReceivedCommandWith(DeleteEventSourceMappingCommand, { UUID: 'm1' });
    expect(lambda).toHaveReceivedCommandWith(DeleteEventSourceMappingCommand, { UUID: 'm2' });
    expect(lambda).toHaveReceivedCommandWith(GetEventSourceMappingCommand, { UUID: 'm1' });
    expect(lambda).toHaveReceivedCommandWith(DeleteFunctionCommand, { FunctionName: ARN });
    const order = commandOrder();
    expect(order.at(-1)).toBe('DeleteFunctionCommand');
    expect(order.filter((n) => n === 'GetEventSourceMappingCommand')).toHaveLength(2);
  });

  it('keeps polling a Deleting mapping before deleting the function', async () => {
    vi.useFakeTimers();
    lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [{ UUID: 'm1' }] });
    lambda.on(DeleteEventSourceMappingCommand).resolves({ State: 'Deleting' });
    lambda.on(GetEventSourceMappingCommand).resolvesOnce({ UUID: 'm1', State: 'Deleting' }).rejects(notFound());
    lambda.on(DeleteFunctionCommand).resolves({});
    const done = handler.delete(ref(), ctx());
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(done).resolves.toBeUndefined();
    expect(lambda).toHaveReceivedCommandTimes(GetEventSourceMappingCommand, 2);
    expect(lambda).toHaveReceivedCommandTimes(DeleteFunctionCommand, 1);
  });

  it('does not delete the function when a mapping cannot be deleted', async () => {
    lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [{ UUID: 'm1' }] });
    lambda.on(DeleteEventSourceMappingCommand).rejects(awsError('ResourceInUseException', 'mapping is Updating', 400));
    await expect(handler.delete(ref(), ctx())).rejects.toThrow('mapping is Updating');
    expect(lambda).not.toHaveReceivedCommand(DeleteFunctionCommand);
  });

  it('stops when the run is aborted while a mapping is still there', async () => {
    lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [{ UUID: 'm1' }] });
    lambda.on(DeleteEventSourceMappingCommand).resolves({ State: 'Deleting' });
    lambda.on(GetEventSourceMappingCommand).resolves({ UUID: 'm1', State: 'Deleting' });
    const abort = new AbortController();
    abort.abort();
    await expect(handler.delete(ref(), testContext({ waitTimeoutSeconds: 60, signal: abort.signal }))).rejects.toMatchObject({ name: 'AbortError' });
    expect(lambda).not.toHaveReceivedCommand(DeleteFunctionCommand);
  });
});
