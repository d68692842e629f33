import {
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  LambdaClient,
  ListAliasesCommand,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE, type Described } from '../../../src/resources/handler.js';
import { lambdaFunction as handler } from '../../../src/resources/lambda-function.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

/** A SigV4 X-Amz-Date (20261203T115500Z) for a time in ms. */
const amzDate = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

const lambda = mockClient(LambdaClient);
const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:nova-fn';
const ROLE = 'arn:aws:iam::123456789012:role/service/nova-fn-role';
/** The log group a function writes to, in its region and account. */
const LOGS = (group: string, region = 'us-east-1', account = '123456789012') => `arn:aws:logs:${region}:${account}:log-group:${group}`;
const GROUP = LOGS('/aws/lambda/nova-fn');
const ESM = (uuid: string) => `arn:aws:lambda:us-east-1:123456789012:event-source-mapping:${uuid}`;
const ref = () => refFor(handler, ARN);
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const live = (described: Partial<Described> = {}) => liveFor(handler, ARN, described);
const withMappings = (...uuids: string[]) => live({ config: { EventSourceMappings: uuids.map((UUID) => ({ UUID, State: 'Enabled' })) } });
const notFound = (what = 'Function not found') => awsError('ResourceNotFoundException', what, 404);
const commandOrder = () => lambda.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

/** Every sub-read of describe answers "nothing configured". */
function quietSubReads() {
  lambda.on(ListTagsCommand).resolves({});
  lambda.on(ListEventSourceMappingsCommand).resolves({});
  lambda.on(ListAliasesCommand).resolves({});
  lambda.on(ListVersionsByFunctionCommand).resolves({});
  lambda.on(GetPolicyCommand).rejects(notFound('The resource you requested does not exist.'));
  lambda.on(GetFunctionUrlConfigCommand).rejects(notFound('The resource you requested does not exist.'));
  lambda.on(GetFunctionConcurrencyCommand).resolves({});
}

describe('lambda:function', () => {
  beforeEach(() => lambda.reset());
  afterEach(() => vi.useRealTimers());

  it('owns unqualified function ARNs only, uses roles and log groups, and knows its not-found code', () => {
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(`${ARN}:1`)).toBe(false);
    expect(handler.arnPattern.test(`${ARN}:live`)).toBe(false);
    expect(handler.arnPattern.test('arn:aws:lambda:us-east-1:123456789012:layer:nova-layer:3')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:lambda:us-east-1:123456789012:event-source-mapping:0f2c-11')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:model/nova-fn')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-fn');
    expect(handler.references).toEqual(['iam:role', 'logs:log-group']);
    expect(handler.notFound).toEqual(['ResourceNotFoundException']);
    expect(handler.client).toBe('lambda');
    expect(handler.waitUntilGone).toBeUndefined();
  });

  describe('list and readUses', () => {
    it('lists every function of the region, 50 a page, with the role and the log group each uses', async () => {
      const OTHER = 'arn:aws:lambda:eu-west-1:123456789012:function:other';
      const CUSTOM = 'arn:aws:lambda:eu-west-1:123456789012:function:custom';
      lambda.on(ListFunctionsCommand)
        .resolvesOnce({ Functions: [{ FunctionName: 'nova-fn', FunctionArn: ARN, Role: ROLE }], NextMarker: 'p2' })
        .resolvesOnce({
          Functions: [
            { FunctionName: 'other', FunctionArn: OTHER },
            { FunctionName: 'custom', FunctionArn: CUSTOM, Role: ROLE, LoggingConfig: { LogFormat: 'JSON', LogGroup: '/nova/shared-functions' } },
            { FunctionName: 'no-arn' },
          ],
        });
      expect(await handler.list?.(ctx(), 'eu-west-1')).toEqual([
        { arn: ARN, uses: [ROLE, GROUP] },
        // No role: still its log group, in its own region.
        { arn: OTHER, uses: [LOGS('/aws/lambda/other', 'eu-west-1')] },
        { arn: CUSTOM, uses: [ROLE, LOGS('/nova/shared-functions', 'eu-west-1')] },
      ]);
      expect(lambda).toHaveReceivedNthSpecificCommandWith(1, ListFunctionsCommand, { MaxItems: 50 });
      expect(lambda).toHaveReceivedNthSpecificCommandWith(2, ListFunctionsCommand, { MaxItems: 50, Marker: 'p2' });
      expect(await lambda.call(0).thisValue.config.region()).toBe('eu-west-1');
    });

    it('reads what one function uses with GetFunctionConfiguration', async () => {
      lambda.on(GetFunctionConfigurationCommand, { FunctionName: ARN }).resolves({ FunctionName: 'nova-fn', Role: ROLE });
      expect(await handler.readUses?.(ref(), ctx())).toEqual([ROLE, GROUP]);
      lambda.on(GetFunctionConfigurationCommand).resolves({ FunctionName: 'nova-fn' });
      expect(await handler.readUses?.(ref(), ctx())).toEqual([GROUP]);
      lambda.on(GetFunctionConfigurationCommand).rejects(notFound());
      expect(await handler.readUses?.(ref(), ctx())).toBe(GONE);
      expect(commandOrder()).toEqual(['GetFunctionConfiguration', 'GetFunctionConfiguration', 'GetFunctionConfiguration']);
    });

    it("uses the group its LoggingConfig names instead of /aws/lambda/<name>, and the function's name from its ARN when the answer lacks it", async () => {
      lambda.on(GetFunctionConfigurationCommand).resolves({ FunctionName: 'nova-fn', Role: ROLE, LoggingConfig: { LogFormat: 'Text', LogGroup: '/custom/nova-logs' } });
      expect(await handler.readUses?.(ref(), ctx())).toEqual([ROLE, LOGS('/custom/nova-logs')]);
      // A LoggingConfig without a group (only a format) is the default group.
      lambda.on(GetFunctionConfigurationCommand).resolves({ FunctionName: 'nova-fn', LoggingConfig: { LogFormat: 'JSON' } });
      expect(await handler.readUses?.(ref(), ctx())).toEqual([GROUP]);
      lambda.on(GetFunctionConfigurationCommand).resolves({ Role: ROLE });
      expect(await handler.readUses?.(ref(), ctx())).toEqual([ROLE, GROUP]);
      // In the function's own partition, region and account.
      const cn = 'arn:aws-cn:lambda:cn-north-1:210987654321:function:nova-cn';
      lambda.on(GetFunctionConfigurationCommand, { FunctionName: cn }).resolves({ FunctionName: 'nova-cn', LoggingConfig: { LogGroup: '/custom/cn' } });
      expect(await handler.readUses?.(refFor(handler, cn), ctx())).toEqual(['arn:aws-cn:logs:cn-north-1:210987654321:log-group:/custom/cn']);
    });
  });

  describe('describe', () => {
    it('reads for the plan only the function (configuration, tags, role, log group) and its mappings', async () => {
      lambda.on(GetFunctionCommand, { FunctionName: ARN }).resolves({
        Configuration: { FunctionName: 'nova-fn', FunctionArn: ARN, Role: ROLE, Runtime: 'python3.12', CodeSha256: 'abc=' },
        Code: { RepositoryType: 'S3', Location: 'https://presigned.example/x' },
        Tags: { project: 'nova' },
        $metadata: {},
      });
      lambda.on(ListEventSourceMappingsCommand)
        .resolvesOnce({ EventSourceMappings: [{ UUID: 'm1', State: 'Enabled' }], NextMarker: 'p2' })
        .resolvesOnce({ EventSourceMappings: [{ UUID: 'm2', State: 'Enabled' }] });

      const d = await handler.describe(ref(), ctx());
      if (d === GONE) throw new Error('expected a description');
      // GetFunction's own tags: no ListTags.
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([ROLE, GROUP]);
      expect(d.config).toMatchObject({
        Configuration: { FunctionName: 'nova-fn', Role: ROLE, CodeSha256: 'abc=' },
        Code: { RepositoryType: 'S3' },
        EventSourceMappings: [{ UUID: 'm1' }, { UUID: 'm2' }],
      });
      expect(d.config).not.toHaveProperty('$metadata');
      // What only the backup needs is not read for the plan.
      for (const key of ['Policy', 'Aliases', 'Versions', 'FunctionUrlConfig', 'Concurrency']) expect(d.config).not.toHaveProperty(key);
      expect(commandOrder().sort()).toEqual(['GetFunction', 'ListEventSourceMappings', 'ListEventSourceMappings']);
      // List calls go by name, at their maximum page size.
      expect(lambda).toHaveReceivedNthSpecificCommandWith(1, ListEventSourceMappingsCommand, { FunctionName: 'nova-fn', MaxItems: 100 });
      expect(lambda).toHaveReceivedNthSpecificCommandWith(2, ListEventSourceMappingsCommand, { FunctionName: 'nova-fn', MaxItems: 100, Marker: 'p2' });
    });

    it("takes the mappings from one listing of the region's mappings for 3 or more functions (a version's or alias's too), then reads only the function", async () => {
      const fn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
      const refs = ['a', 'b', 'c'].map((n) => refFor(handler, fn(n)));
      lambda.on(ListEventSourceMappingsCommand)
        .resolvesOnce({ EventSourceMappings: [{ UUID: 'm1', FunctionArn: fn('a') }, { UUID: 'm2', FunctionArn: fn('other') }], NextMarker: 'p2' })
        .resolvesOnce({ EventSourceMappings: [{ UUID: 'm3', FunctionArn: `${fn('a')}:live` }, { UUID: 'm4', FunctionArn: fn('c') }] });
      const out = await handler.prefetch?.(refs, ctx());
      expect(out).toEqual(new Map([[fn('a'), [{ UUID: 'm1', FunctionArn: fn('a') }, { UUID: 'm3', FunctionArn: `${fn('a')}:live` }]], [fn('b'), []], [fn('c'), [{ UUID: 'm4', FunctionArn: fn('c') }]]]));
      expect(lambda).toHaveReceivedNthSpecificCommandWith(1, ListEventSourceMappingsCommand, { MaxItems: 100 });
      expect(lambda.commandCalls(ListEventSourceMappingsCommand)[0]?.args[0].input).not.toHaveProperty('FunctionName');

      lambda.reset();
      lambda.on(GetFunctionCommand).resolves({ Configuration: { FunctionName: 'b', FunctionArn: fn('b') }, Tags: { project: 'nova' } });
      const b = refs[1];
      if (!b) throw new Error('expected a ref');
      const d = await handler.describe(b, ctx(), { prefetched: out?.get(fn('b')) });
      expect(d !== GONE && d.config.EventSourceMappings).toEqual([]);
      expect(commandOrder()).toEqual(['GetFunction']);
    });

    it('reads nothing for fewer than 3 functions, and gives up on a region with more mappings than half a page per function', async () => {
      const fn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
      expect(await handler.prefetch?.([refFor(handler, fn('a')), refFor(handler, fn('b'))], ctx())).toEqual(new Map());
      expect(commandOrder()).toEqual([]);
      lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [{ UUID: 'x', FunctionArn: fn('other') }], NextMarker: 'more' });
      const four = ['a', 'b', 'c', 'd'].map((n) => refFor(handler, fn(n)));
      expect(await handler.prefetch?.(four, ctx())).toEqual(new Map());
      expect(lambda).toHaveReceivedCommandTimes(ListEventSourceMappingsCommand, 2);
    });

    it('reads for the backup its policy, aliases, versions, URL and concurrency', async () => {
      lambda.on(GetPolicyCommand).resolves({ Policy: '{"Version":"2012-10-17","Statement":[{"Sid":"s3"}]}', RevisionId: 'r1' });
      lambda.on(ListAliasesCommand).resolves({ Aliases: [{ Name: 'live', FunctionVersion: '1' }] });
      lambda.on(ListVersionsByFunctionCommand)
        .resolvesOnce({ Versions: [{ Version: '$LATEST' }, { Version: '1', CodeSha256: 'v1=' }], NextMarker: 'v2' })
        .resolvesOnce({ Versions: [{ Version: '2' }] });
      lambda.on(GetFunctionUrlConfigCommand).resolves({ FunctionUrl: 'https://x.lambda-url.us-east-1.on.aws/', AuthType: 'AWS_IAM', $metadata: {} });
      lambda.on(GetFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 5, $metadata: {} });

      const details = await handler.backupDetails?.(live(), ctx());
      expect(details).toMatchObject({
        Policy: { Version: '2012-10-17', Statement: [{ Sid: 's3' }] },
        Aliases: [{ Name: 'live' }],
        FunctionUrlConfig: { AuthType: 'AWS_IAM' },
        Concurrency: { ReservedConcurrentExecutions: 5 },
      });
      expect(details?.Versions).toEqual([{ Version: '1', CodeSha256: 'v1=' }, { Version: '2' }]);
      expect(details?.FunctionUrlConfig).not.toHaveProperty('$metadata');
      expect(details?.Concurrency).not.toHaveProperty('$metadata');
      // List calls go by name, at their maximum page size; the Get calls by ARN.
      expect(lambda).toHaveReceivedCommandWith(ListAliasesCommand, { FunctionName: 'nova-fn', MaxItems: 10_000 });
      expect(lambda).toHaveReceivedNthSpecificCommandWith(2, ListVersionsByFunctionCommand, { FunctionName: 'nova-fn', MaxItems: 10_000, Marker: 'v2' });
      expect(lambda).toHaveReceivedCommandWith(GetPolicyCommand, { FunctionName: ARN });
      expect(lambda).toHaveReceivedCommandWith(GetFunctionUrlConfigCommand, { FunctionName: ARN });
      expect(lambda).toHaveReceivedCommandWith(GetFunctionConcurrencyCommand, { FunctionName: ARN });
    });

    it('records an absent policy, URL and reserved concurrency as null in the backup', async () => {
      lambda.on(GetFunctionCommand).resolves({ Configuration: { FunctionName: 'nova-fn' } });
      quietSubReads();
      const d = await handler.describe(ref(), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.config).toMatchObject({ EventSourceMappings: [] });
      // No role: its log group only.
      expect(d.uses).toEqual([GROUP]);
      // GetFunction said no tags: ListTags confirms it.
      expect(d.tags).toEqual({});
      expect(commandOrder()).toContain('ListTags');
      expect(await handler.backupDetails?.(live(), ctx())).toMatchObject({ Policy: null, FunctionUrlConfig: null, Concurrency: null, Aliases: [], Versions: [] });
    });

    it('describes the group its LoggingConfig names as the one it uses', async () => {
      lambda.on(GetFunctionCommand).resolves({ Configuration: { FunctionName: 'nova-fn', Role: ROLE, LoggingConfig: { LogFormat: 'JSON', LogGroup: '/custom/nova-logs' } } });
      quietSubReads();
      const d = await handler.describe(ref(), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.uses).toEqual([ROLE, LOGS('/custom/nova-logs')]);
      expect(d.uses).not.toContain(GROUP);
    });

    it('takes only the named error as "no URL": any other answer is a read failure', async () => {
      quietSubReads();
      lambda.on(GetFunctionUrlConfigCommand).rejects(awsError('UnknownError', 'Not Found', 404));
      await expect(handler.backupDetails?.(live(), ctx())).rejects.toThrow('Not Found');
    });

    it('asks ListTags when GetFunction gives no tags, so that a denial is an error rather than "no tags"', async () => {
      lambda.on(GetFunctionCommand).resolves({ Configuration: { FunctionName: 'nova-fn' } });
      quietSubReads();
      lambda.on(ListTagsCommand).rejects(awsError('AccessDeniedException', 'not allowed: lambda:ListTags', 403));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('lambda:ListTags');
    });

    it('lets a denied read through: the mappings for the plan, the policy for the backup', async () => {
      lambda.on(GetFunctionCommand).resolves({ Configuration: { FunctionName: 'nova-fn' }, Tags: { project: 'nova' } });
      quietSubReads();
      lambda.on(ListEventSourceMappingsCommand).rejects(awsError('AccessDeniedException', 'not authorized to ListEventSourceMappings', 403));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('not authorized to ListEventSourceMappings');
      lambda.on(GetPolicyCommand).rejects(awsError('AccessDeniedException', 'not authorized to GetPolicy', 403));
      await expect(handler.backupDetails?.(live(), ctx())).rejects.toThrow('not authorized to GetPolicy');
    });

    it('reports a function that no longer exists as gone, whatever its mappings listing said', async () => {
      lambda.on(GetFunctionCommand).rejects(notFound());
      lambda.on(ListEventSourceMappingsCommand).rejects(notFound());
      lambda.on(ListTagsCommand).rejects(notFound());
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
      expect(await handler.currentTags(ref(), ctx())).toBe(GONE);
      expect(commandOrder().sort()).toEqual(['GetFunction', 'ListEventSourceMappings', 'ListTags']);
    });

    it('does not take a throttle for gone', async () => {
      lambda.on(GetFunctionCommand).rejects(awsError('TooManyRequestsException', 'Rate exceeded', 429));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('Rate exceeded');
    });
  });

  it('reads current tags with ListTags on the ARN', async () => {
    lambda.on(ListTagsCommand, { Resource: ARN }).resolves({ Tags: { project: 'nova', team: 'ml' } });
    expect(await handler.currentTags(ref(), ctx())).toEqual({ project: 'nova', team: 'ml' });
    lambda.on(ListTagsCommand).resolves({});
    expect(await handler.currentTags(ref(), ctx())).toEqual({});
  });

  it('declares every operation its reads send', async () => {
    lambda.on(ListFunctionsCommand).resolves({ Functions: [{ FunctionArn: ARN, Role: ROLE }] });
    lambda.on(GetFunctionConfigurationCommand).resolves({ Role: ROLE });
    lambda.on(GetFunctionCommand).resolves({ Configuration: { FunctionName: 'nova-fn', PackageType: 'Image' } });
    quietSubReads();
    await handler.list?.(ctx(), 'us-east-1');
    await handler.readUses?.(ref(), ctx());
    await handler.describe(ref(), ctx());
    await handler.currentTags(ref(), ctx());
    await handler.backupDetails?.(live(), ctx());
    await handler.artifacts?.(live({ config: { Configuration: { PackageType: 'Zip' } } }), ctx());
    const sent = new Set(commandOrder());
    expect(sent.size).toBeGreaterThanOrEqual(10);
    for (const op of sent) expect(handler.reads).toContain(op);
    // The waiter's read, sent during a delete, is on the list too.
    expect(handler.reads).toContain('GetEventSourceMapping');
    expect(handler.reads.filter((op) => /^(Delete|Update|Put|Create|Tag|Untag)/.test(op))).toEqual([]);
  });

  describe('children and actions', () => {
    it('shows one child per event source mapping', () => {
      expect(handler.children?.(withMappings('m1', 'm2'))).toEqual([
        { kind: 'event-source-mapping', id: 'm1' },
        { kind: 'event-source-mapping', id: 'm2' },
      ]);
      expect(handler.children?.(live())).toEqual([]);
    });

    it('needs the mapping actions on each mapping ARN only when there are mappings', () => {
      expect(handler.actions(withMappings('m1', 'm2'))).toEqual([
        { action: 'lambda:ListTags', resource: ARN },
        { action: 'lambda:GetFunction', resource: ARN },
        { action: 'lambda:ListEventSourceMappings', resource: '*' },
        { action: 'lambda:DeleteEventSourceMapping', resource: ESM('m1') },
        { action: 'lambda:GetEventSourceMapping', resource: ESM('m1') },
        { action: 'lambda:DeleteEventSourceMapping', resource: ESM('m2') },
        { action: 'lambda:GetEventSourceMapping', resource: ESM('m2') },
        { action: 'lambda:DeleteFunction', resource: ARN },
      ]);
      const bare = handler.actions(live()).map((a) => a.action);
      expect(bare).toEqual(['lambda:ListTags', 'lambda:GetFunction', 'lambda:ListEventSourceMappings', 'lambda:DeleteFunction']);
    });

    it('builds mapping ARNs in the function partition and region', () => {
      const cn = 'arn:aws-cn:lambda:cn-north-1:123456789012:function:nova-fn';
      const r = liveFor(handler, cn, { config: { EventSourceMappings: [{ UUID: 'm9' }] } });
      expect(handler.actions(r)).toContainEqual({ action: 'lambda:DeleteEventSourceMapping', resource: 'arn:aws-cn:lambda:cn-north-1:123456789012:event-source-mapping:m9' });
    });
  });

  describe('artifacts', () => {
    const ZIP = Buffer.from('PK\u0003\u0004 a small deployment package');
    const SHA_HEX = createHash('sha256').update(ZIP).digest('hex');
    const SHA_B64 = createHash('sha256').update(ZIP).digest('base64');
    let server: Server;
    let base: string;
    const served: string[] = [];

    beforeAll(async () => {
      server = createServer((req, res) => {
        served.push(req.url ?? '');
        if (req.url?.startsWith('/package.zip')) res.writeHead(200, { 'content-type': 'application/zip' }).end(ZIP);
        else if (req.url?.startsWith('/denied')) res.writeHead(403, 'Forbidden').end('<Error><Code>AccessDenied</Code></Error>');
        // /hang: never answers.
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    beforeEach(() => {
      served.length = 0;
    });

    // Signed an hour ago for ten minutes: expired.
    const EXPIRED = `https://expired.example/p?X-Amz-Date=${amzDate(Date.now() - 3_600_000)}&X-Amz-Expires=600&X-Amz-Signature=old`;
    const zipFunction = live({ config: { Configuration: { PackageType: 'Zip', CodeSha256: 'old' }, Code: { Location: EXPIRED } } });
    const describedWith = (Location: string, CodeSha256 = SHA_B64) => live({ config: { Configuration: { PackageType: 'Zip', CodeSha256 }, Code: { Location } } });
    const fresh = (path: string, CodeSha256 = SHA_B64) =>
      lambda.on(GetFunctionCommand, { FunctionName: ARN }).resolves({ Configuration: { FunctionName: 'nova-fn', PackageType: 'Zip', CodeSha256 }, Code: { Location: `${base}${path}` } });

    it('downloads the package through a fresh link and checks it against CodeSha256', async () => {
      fresh('/package.zip?X-Amz-Signature=fresh');
      const [artifact, ...rest] = (await handler.artifacts?.(zipFunction, ctx())) ?? [];
      expect(rest).toEqual([]);
      expect(artifact?.name).toBe('package.zip');
      expect(artifact?.sha256).toBe(SHA_HEX);
      expect(Buffer.from(artifact?.bytes ?? []).equals(ZIP)).toBe(true);
      // The link describe read has expired: it is not tried.
      expect(served).toEqual(['/package.zip?X-Amz-Signature=fresh']);
      expect(lambda).toHaveReceivedCommandTimes(GetFunctionCommand, 1);
    });

    it("uses describe's link while it stays valid, and its CodeSha256: no second GetFunction", async () => {
      const link = `/package.zip?X-Amz-Date=${amzDate(Date.now() - 60_000)}&X-Amz-Expires=600&X-Amz-Signature=s`;
      const [artifact] = (await handler.artifacts?.(describedWith(`${base}${link}`), ctx())) ?? [];
      expect(artifact?.sha256).toBe(SHA_HEX);
      expect(served).toEqual([link]);
      expect(lambda).not.toHaveReceivedAnyCommand();
      // An unsigned link (an emulator's) cannot expire: used as it is.
      served.length = 0;
      await handler.artifacts?.(describedWith(`${base}/package.zip`), ctx());
      expect(served).toEqual(['/package.zip']);
      expect(lambda).not.toHaveReceivedAnyCommand();
    });

    it("reads a fresh link when describe's is about to expire, or is a redacted plan's placeholder", async () => {
      fresh('/package.zip?X-Amz-Signature=fresh');
      // Signed 9 minutes ago for 10: under the download's own minute left.
      const closing = `${base}/package.zip?X-Amz-Date=${amzDate(Date.now() - 540_000)}&X-Amz-Expires=600&X-Amz-Signature=s`;
      await handler.artifacts?.(describedWith(closing), ctx());
      await handler.artifacts?.(describedWith('<redacted>'), ctx());
      expect(served).toEqual(['/package.zip?X-Amz-Signature=fresh', '/package.zip?X-Amz-Signature=fresh']);
      expect(lambda).toHaveReceivedCommandTimes(GetFunctionCommand, 2);
    });

    it("asks once for a fresh link when S3 refuses describe's (403: expired early), and checks the fresh CodeSha256", async () => {
      fresh('/package.zip?X-Amz-Signature=fresh');
      const [artifact] = (await handler.artifacts?.(describedWith(`${base}/denied?X-Amz-Date=${amzDate(Date.now())}&X-Amz-Expires=600&X-Amz-Signature=s`, 'stale'), ctx())) ?? [];
      expect(artifact?.sha256).toBe(SHA_HEX);
      expect(served.map((u) => u.split('?')[0])).toEqual(['/denied', '/package.zip']);
      expect(lambda).toHaveReceivedCommandTimes(GetFunctionCommand, 1);
      // A fresh link refused too is the error: no third try.
      fresh('/denied');
      await expect(handler.artifacts?.(describedWith(`${base}/denied`), ctx())).rejects.toThrow('the download failed: HTTP 403 Forbidden');
      expect(lambda).toHaveReceivedCommandTimes(GetFunctionCommand, 2);
    });

    it('saves nothing for an image-based function', async () => {
      expect(await handler.artifacts?.(live({ config: { Configuration: { PackageType: 'Image' } } }), ctx())).toEqual([]);
      expect(lambda).not.toHaveReceivedAnyCommand();
      // Turned into an image since describe: the fresh read says so.
      lambda.on(GetFunctionCommand).resolves({ Configuration: { PackageType: 'Image' }, Code: { ImageUri: 'x' } });
      expect(await handler.artifacts?.(zipFunction, ctx())).toEqual([]);
      expect(served).toEqual([]);
    });

    it('says why when the download is refused', async () => {
      fresh('/denied');
      await expect(handler.artifacts?.(zipFunction, ctx())).rejects.toThrow('the download failed: HTTP 403 Forbidden');
    });

    it('refuses a package whose checksum is not the one Lambda reports', async () => {
      fresh('/package.zip', Buffer.from('x'.repeat(32)).toString('base64'));
      await expect(handler.artifacts?.(zipFunction, ctx())).rejects.toThrow(/does not match the function's CodeSha256 \(got [^ ]+, Lambda says eHh4/);
    });

    it('says why when the link cannot be fetched at all', async () => {
      lambda.on(GetFunctionCommand).resolves({ Configuration: { PackageType: 'Zip' }, Code: { Location: 's3://awslambda-us-east-1-tasks/x.zip' } });
      await expect(handler.artifacts?.(zipFunction, ctx())).rejects.toThrow(/^the download failed: fetch failed: .+/);
      lambda.on(GetFunctionCommand).resolves({ Configuration: { PackageType: 'Zip' }, Code: {} });
      await expect(handler.artifacts?.(zipFunction, ctx())).rejects.toThrow('no download link');
    });

    it('stops a download when the run is aborted', async () => {
      fresh('/hang');
      const abort = new AbortController();
      const pending = handler.artifacts?.(zipFunction, testContext({ signal: abort.signal }));
      await vi.waitFor(() => expect(served).toEqual(['/hang']));
      abort.abort();
      await expect(pending).rejects.toThrow('the download failed');
    });
  });

  describe('delete', () => {
    it('deletes the planned and the newly listed mappings, waits for each, then the function', async () => {
      lambda.on(ListEventSourceMappingsCommand)
        .resolvesOnce({ EventSourceMappings: [{ UUID: 'm1' }], NextMarker: 'p2' })
        .resolvesOnce({ EventSourceMappings: [{ UUID: 'm3' }] });
      lambda.on(DeleteEventSourceMappingCommand).resolves({ State: 'Deleting' });
      lambda.on(DeleteEventSourceMappingCommand, { UUID: 'm2' }).rejects(notFound('The resource you requested does not exist.'));
      lambda.on(GetEventSourceMappingCommand).rejects(notFound('The resource you requested does not exist.'));
      lambda.on(DeleteFunctionCommand).resolves({});
      const steps = recordingSteps();
      await handler.delete(withMappings('m1', 'm2'), ctx(), steps);

      expect(steps.log.map((s) => s.name)).toEqual(['delete-event-source-mapping', 'delete-event-source-mapping', 'delete-event-source-mapping', 'delete']);
      expect(steps.log.slice(0, 3).map((s) => s.child)).toEqual([
        { kind: 'event-source-mapping', id: 'm1' },
        { kind: 'event-source-mapping', id: 'm2' },
        { kind: 'event-source-mapping', id: 'm3' },
      ]);
      expect(steps.log[0]?.done).toBe('deleted event source mapping m1');
      expect(lambda).toHaveReceivedNthSpecificCommandWith(1, ListEventSourceMappingsCommand, { FunctionName: 'nova-fn', MaxItems: 100 });
      for (const UUID of ['m1', 'm2', 'm3']) {
        expect(lambda).toHaveReceivedCommandWith(DeleteEventSourceMappingCommand, { UUID });
        expect(lambda).toHaveReceivedCommandWith(GetEventSourceMappingCommand, { UUID });
      }
      expect(lambda).toHaveReceivedCommandTimes(DeleteEventSourceMappingCommand, 3);
      expect(lambda).toHaveReceivedCommandWith(DeleteFunctionCommand, { FunctionName: ARN });
      const order = commandOrder();
      expect(order.at(-1)).toBe('DeleteFunction');
      expect(order.filter((n) => n === 'DeleteFunction')).toHaveLength(1);
    });

    it('deletes a function without mappings in one step', async () => {
      lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [] });
      lambda.on(DeleteFunctionCommand).resolves({});
      const steps = recordingSteps();
      await handler.delete(live(), ctx(), steps);
      expect(steps.log).toEqual([{ name: 'delete', done: 'deleted function nova-fn' }]);
      expect(commandOrder()).toEqual(['ListEventSourceMappings', 'DeleteFunction']);
    });

    it('keeps polling a Deleting mapping before deleting the function', async () => {
      vi.useFakeTimers();
      lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [{ UUID: 'm1' }] });
      lambda.on(DeleteEventSourceMappingCommand).resolves({ State: 'Deleting' });
      lambda.on(GetEventSourceMappingCommand).resolvesOnce({ UUID: 'm1', State: 'Deleting' }).rejects(notFound());
      lambda.on(DeleteFunctionCommand).resolves({});
      const done = handler.delete(withMappings('m1'), ctx(), recordingSteps());
      await vi.advanceTimersByTimeAsync(10_000);
      await expect(done).resolves.toBeUndefined();
      expect(lambda).toHaveReceivedCommandTimes(GetEventSourceMappingCommand, 2);
      expect(lambda).toHaveReceivedCommandTimes(DeleteFunctionCommand, 1);
      expect(commandOrder().at(-1)).toBe('DeleteFunction');
    });

    it('does not delete the function, nor start more mappings, when one cannot be deleted', async () => {
      const uuids = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];
      lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: uuids.map((UUID) => ({ UUID })) });
      lambda.on(DeleteEventSourceMappingCommand).resolves({ State: 'Deleting' });
      lambda.on(DeleteEventSourceMappingCommand, { UUID: 'm1' }).rejects(awsError('ResourceInUseException', 'mapping is Updating', 400));
      lambda.on(GetEventSourceMappingCommand).rejects(notFound());
      await expect(handler.delete(live(), ctx(), recordingSteps())).rejects.toThrow('mapping is Updating');
      expect(lambda).not.toHaveReceivedCommand(DeleteFunctionCommand);
      // Four run at a time: the ones already started finish, the rest are not started.
      expect(lambda).not.toHaveReceivedCommandWith(DeleteEventSourceMappingCommand, { UUID: 'm5' });
      expect(lambda).not.toHaveReceivedCommandWith(DeleteEventSourceMappingCommand, { UUID: 'm6' });
    });

    it('sends nothing destructive when the first step is stopped', async () => {
      lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [{ UUID: 'm1' }] });
      await expect(handler.delete(withMappings('m1'), ctx(), recordingSteps({ stopAt: 'delete-event-source-mapping' }))).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(commandOrder()).toEqual(['ListEventSourceMappings']);
    });

    it('leaves the function when its own step is stopped', async () => {
      lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [{ UUID: 'm1' }] });
      lambda.on(DeleteEventSourceMappingCommand).resolves({ State: 'Deleting' });
      lambda.on(GetEventSourceMappingCommand).rejects(notFound());
      const steps = recordingSteps({ stopAt: 'delete' });
      await expect(handler.delete(withMappings('m1'), ctx(), steps)).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(steps.log.map((s) => s.name)).toEqual(['delete-event-source-mapping']);
      expect(lambda).toHaveReceivedCommandWith(DeleteEventSourceMappingCommand, { UUID: 'm1' });
      expect(lambda).not.toHaveReceivedCommand(DeleteFunctionCommand);
    });

    it('leaves not-found on the final delete to the core', async () => {
      lambda.on(ListEventSourceMappingsCommand).resolves({});
      lambda.on(DeleteFunctionCommand).rejects(notFound());
      await expect(handler.delete(live(), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    });

    it('stops when the run is aborted while a mapping is still there', async () => {
      lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [{ UUID: 'm1' }] });
      lambda.on(DeleteEventSourceMappingCommand).resolves({ State: 'Deleting' });
      lambda.on(GetEventSourceMappingCommand).resolves({ UUID: 'm1', State: 'Deleting' });
      const abort = new AbortController();
      abort.abort();
      await expect(handler.delete(withMappings('m1'), testContext({ waitTimeoutSeconds: 60, signal: abort.signal }), recordingSteps())).rejects.toMatchObject({ name: 'AbortError' });
      expect(lambda).not.toHaveReceivedCommand(DeleteFunctionCommand);
    });

    it('fails when a mapping outlasts the wait timeout', async () => {
      vi.useFakeTimers();
      lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [{ UUID: 'm1' }] });
      lambda.on(DeleteEventSourceMappingCommand).resolves({ State: 'Deleting' });
      lambda.on(GetEventSourceMappingCommand).resolves({ UUID: 'm1', State: 'Deleting' });
      const done = handler.delete(withMappings('m1'), testContext({ waitTimeoutSeconds: 5 }), recordingSteps());
      const failed = expect(done).rejects.toMatchObject({ name: 'TimeoutError' });
      await vi.advanceTimersByTimeAsync(10_000);
      await failed;
      expect(lambda).not.toHaveReceivedCommand(DeleteFunctionCommand);
    });
  });
});
