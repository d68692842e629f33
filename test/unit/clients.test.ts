import { AttachRolePolicyCommand, DeleteRoleCommand, DetachRolePolicyCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { DeleteBucketCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetFederationTokenCommand, GetSessionTokenCommand, type STSClient } from '@aws-sdk/client-sts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients, CORE_READS, MutationBlockedError, readOnlyOperations } from '../../src/aws/clients.js';
import { isErrorNamed } from '../../src/aws/errors.js';
import { registry } from '../../src/resources/index.js';

// ─── A local AWS-like endpoint: records every request (its Action), answers what the test says ───

interface Received {
  readonly action: string;
  readonly path: string;
}
type Answer = { status: number; body: string; headers?: Record<string, string> };

let server: Server;
let endpoint: string;
let received: Received[] = [];
let answer: (action: string, n: number) => Answer = () => ({ status: 500, body: '' });

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readBody(req).then((body) => {
      const action = new URLSearchParams(body).get('Action') ?? `${req.method} ${req.url}`;
      received.push({ action, path: req.url ?? '' });
      const a = answer(action, received.filter((r) => r.action === action).length);
      res.writeHead(a.status, { 'content-type': 'text/xml', ...a.headers });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received = [];
  answer = () => ({ status: 500, body: '' });
});

const actions = () => received.map((r) => r.action);
const ok = (action: string, result = ''): Answer => ({
  status: 200,
  body: `<${action}Response><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></${action}Response>`,
});
const iamError = (status: number, code: string, message: string): Answer => ({
  status,
  body: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
});
const CONFLICT = iamError(409, 'DeleteConflict', 'Cannot delete entity, must detach all policies first.');
const deleteRoleOk = (): Answer => ({ status: 200, body: '<DeleteRoleResponse><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteRoleResponse>' });
const CALLER = '<Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDA</UserId><Account>123456789012</Account>';

/** The error a promise rejects with (failing the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error & { $metadata?: { attempts?: number } }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

const clientsToDestroy: AwsClients[] = [];
const clients = (settings: ConstructorParameters<typeof AwsClients>[0]): AwsClients => {
  const c = new AwsClients({ endpoint, ...settings });
  clientsToDestroy.push(c);
  return c;
};
afterEach(async () => {
  for (const c of clientsToDestroy.splice(0)) await c.destroy();
});

describe('readOnlyOperations', () => {
  it('holds the core reads, per client', () => {
    const ops = readOnlyOperations([]);
    expect([...(ops.get('sts') ?? [])]).toEqual(['GetCallerIdentity']);
    expect([...(ops.get('tagging') ?? [])]).toEqual(['GetResources']);
    expect([...(ops.get('ec2') ?? [])]).toEqual(['DescribeRegions']);
    expect([...(ops.get('iam') ?? [])].sort()).toEqual(['GetRole', 'ListAccountAliases', 'SimulatePrincipalPolicy']);
    expect(ops.has('s3')).toBe(false);
    expect(Object.keys(CORE_READS).sort()).toEqual(['ec2', 'iam', 'sts', 'tagging']);
  });

  it("adds each type's declared reads to its client, once", () => {
    const ops = readOnlyOperations([
      { client: 's3', reads: ['ListBuckets', 'GetBucketTagging'] },
      { client: 'iam', reads: ['GetRole', 'ListRoleTags'] },
      { client: 's3', reads: ['GetBucketTagging', 'ListObjectVersions'] },
    ]);
    expect([...(ops.get('s3') ?? [])]).toEqual(['ListBuckets', 'GetBucketTagging', 'ListObjectVersions']);
    expect([...(ops.get('iam') ?? [])].sort()).toEqual(['GetRole', 'ListAccountAliases', 'ListRoleTags', 'SimulatePrincipalPolicy']);
  });

  it("holds no mutating operation for the real registry's types, and nothing that only starts like a read", () => {
    const ops = readOnlyOperations(registry.reads);
    const all = [...ops.values()].flatMap((s) => [...s]);
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter((op) => /^(Delete|Detach|Remove|Stop|Put|Create|Update|Tag|Untag|Abort|Assume)/.test(op))).toEqual([]);
    expect(ops.get('sts')).toEqual(new Set(['GetCallerIdentity']));
  });
});

describe('the dry-run guard', () => {
  const readOnly = () => clients({ maxAttempts: 1, readOnly: readOnlyOperations([{ client: 's3', reads: ['ListBuckets'] }]) });

  it('lets a listed read through to the endpoint', async () => {
    answer = (a) => (a === 'GetCallerIdentity' ? ok(a, CALLER) : { status: 500, body: '' });
    const sts = await readOnly().get('sts', 'us-east-1');
    expect(await sts.send(new GetCallerIdentityCommand({}))).toMatchObject({ Account: '123456789012' });
    expect(actions()).toEqual(['GetCallerIdentity']);
  });

  it.each([
    ['GetSessionToken', (sts: STSClient) => sts.send(new GetSessionTokenCommand({}))],
    ['GetFederationToken', (sts: STSClient) => sts.send(new GetFederationTokenCommand({ Name: 'x' }))],
    ['AssumeRole', (sts: STSClient) => sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123456789012:role/x', RoleSessionName: 's' }))],
  ])('refuses STS %s (not a read, whatever its name), sending nothing', async (name, send) => {
    const sts = await readOnly().get('sts', 'us-east-1');
    const err = await rejection(send(sts));
    expect(err).toBeInstanceOf(MutationBlockedError);
    expect(err.message).toBe(`refused to send sts:${name}Command during a dry run (read-only clients)`);
    expect((err as MutationBlockedError).commandName).toBe(`sts:${name}Command`);
    expect(received).toEqual([]);
  });

  it('refuses an unlisted operation on a client that has a list, and lets the listed one through', async () => {
    const aws = readOnly();
    const iam = await aws.get('iam', 'us-east-1');
    await expect(iam.send(new DeleteRoleCommand({ RoleName: 'r' }))).rejects.toBeInstanceOf(MutationBlockedError);
    expect(received).toEqual([]);
    answer = () => iamError(404, 'NoSuchEntity', 'no role');
    const err = await rejection(iam.send(new GetRoleCommand({ RoleName: 'r' })));
    expect(isErrorNamed(err, 'NoSuchEntity')).toBe(true);
    expect(actions()).toEqual(['GetRole']);
  });

  it('allows on each client only its own list (a read listed for another client is refused)', async () => {
    const aws = readOnly();
    const s3 = await aws.get('s3', 'us-east-1');
    await expect(s3.send(new DeleteBucketCommand({ Bucket: 'b' }))).rejects.toBeInstanceOf(MutationBlockedError);
    const lambda = await aws.get('lambda', 'us-east-1');
    await expect(lambda.send(new ListFunctionsCommand({}))).rejects.toBeInstanceOf(MutationBlockedError);
    expect(received).toEqual([]);
    // ListBuckets is on s3's list: it reaches the endpoint (which answers with an error).
    await expect(s3.send(new ListBucketsCommand({}))).rejects.not.toBeInstanceOf(MutationBlockedError);
    expect(received).toHaveLength(1);
    expect(received[0]?.action).toMatch(/^GET \//);
  });

  it('guards every client built for the run, whatever region or attempts it was asked with', async () => {
    const aws = readOnly();
    const sts = await aws.get('sts', 'eu-west-1', { maxAttempts: 3 });
    await expect(sts.send(new GetSessionTokenCommand({}))).rejects.toBeInstanceOf(MutationBlockedError);
    expect(received).toEqual([]);
  });

  it('does not guard the clients of a real run', async () => {
    answer = (a) => ok(a, '<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>');
    const sts = await clients({ maxAttempts: 1 }).get('sts', 'us-east-1');
    await sts.send(new GetSessionTokenCommand({}));
    expect(actions()).toEqual(['GetSessionToken']);
  });
});

describe("IAM's DeleteConflict right after a detach", () => {
  it('arrives as the SDK names it: DeleteConflictException, with the code DeleteConflict', async () => {
    answer = () => CONFLICT;
    const iam = await clients({ maxAttempts: 1 }).get('iam', 'us-east-1');
    const err = await rejection(iam.send(new DeleteRoleCommand({ RoleName: 'nova-role' })));
    expect(err).toMatchObject({ name: 'DeleteConflictException', Code: 'DeleteConflict' });
  });

  // src/aws/clients.ts retryDeleteConflicts tests `e.name === 'DeleteConflict'`, but the SDK names the error
  // DeleteConflictException (its code is DeleteConflict): the retry never happens. Test by code instead:
  // `isErrorNamed(err, 'DeleteConflict')`.
  it('is retried by the SDK on DeleteRole, and succeeds on the third attempt', async () => {
    answer = (action, n) => (action === 'DeleteRole' && n <= 2 ? CONFLICT : deleteRoleOk());
    const iam = await clients({ maxAttempts: 4 }).get('iam', 'us-east-1');
    const out = await iam.send(new DeleteRoleCommand({ RoleName: 'nova-role' }));
    expect(out.$metadata.attempts).toBe(3);
    expect(actions()).toEqual(['DeleteRole', 'DeleteRole', 'DeleteRole']);
  });

  it('is not retried on another operation (DetachRolePolicy)', async () => {
    answer = () => CONFLICT;
    const iam = await clients({ maxAttempts: 4 }).get('iam', 'us-east-1');
    const err = await rejection(iam.send(new DetachRolePolicyCommand({ RoleName: 'nova-role', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' })));
    expect(isErrorNamed(err, 'DeleteConflict')).toBe(true);
    expect(actions()).toEqual(['DetachRolePolicy']);
  });

  it('is retried a bounded number of times: with maxAttempts 2 it fails with DeleteConflict', async () => {
    answer = (_action, n) => (n <= 2 ? CONFLICT : deleteRoleOk());
    const iam = await clients({ maxAttempts: 2 }).get('iam', 'us-east-1');
    const err = await rejection(iam.send(new DeleteRoleCommand({ RoleName: 'nova-role' })));
    expect(isErrorNamed(err, 'DeleteConflict')).toBe(true);
    expect(err.message).toBe('Cannot delete entity, must detach all policies first.');
    expect(err.$metadata?.attempts).toBe(2);
    expect(actions()).toEqual(['DeleteRole', 'DeleteRole']);
  });

  it('does not touch other IAM errors of DeleteRole (NoSuchEntity is answered at once)', async () => {
    answer = () => iamError(404, 'NoSuchEntity', 'The role with name nova-role cannot be found.');
    const iam = await clients({ maxAttempts: 4 }).get('iam', 'us-east-1');
    const err = await rejection(iam.send(new DeleteRoleCommand({ RoleName: 'nova-role' })));
    expect(isErrorNamed(err, 'NoSuchEntity')).toBe(true);
    expect(actions()).toEqual(['DeleteRole']);
  });
});

describe('AwsClients', () => {
  it('builds one client per (service, region, attempts) and reuses it', async () => {
    const aws = clients({ maxAttempts: 1 });
    const a = await aws.get('iam', 'us-east-1');
    expect(await aws.get('iam', 'us-east-1')).toBe(a);
    expect(await aws.get('iam', 'us-east-1', { maxAttempts: 2 })).not.toBe(a);
    expect(await aws.get('iam', 'eu-west-1')).not.toBe(a);
  });

  it('uses the adaptive retry mode, path-style S3 on a custom endpoint, and the given attempts', () => {
    const aws = new AwsClients({ endpoint: 'http://127.0.0.1:1', maxAttempts: 3 });
    expect(aws.configFor('s3', 'eu-west-1', 3)).toEqual({ region: 'eu-west-1', maxAttempts: 3, retryMode: 'adaptive', endpoint: 'http://127.0.0.1:1', followRegionRedirects: true, forcePathStyle: true });
    expect(aws.configFor('iam', 'us-east-1', 3)).toEqual({ region: 'us-east-1', maxAttempts: 3, retryMode: 'adaptive', endpoint: 'http://127.0.0.1:1' });
  });
});

describe('what a resource just re-created refuses for a while (restore): retried by the SDK', () => {
  const lambdaError = (message: string): Answer => ({
    status: 400,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'InvalidParameterValueException' },
    body: JSON.stringify({ Type: 'User', message }),
  });
  const created: Answer = { status: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ FunctionName: 'nova-fn' }) };
  const create = () => new CreateFunctionCommand({ FunctionName: 'nova-fn', Role: 'arn:aws:iam::123456789012:role/r', Code: { ZipFile: new Uint8Array([1]) }, Runtime: 'python3.12', Handler: 'h.main' });

  it('Lambda cannot assume a role just made: CreateFunction is retried until it can', async () => {
    answer = (_a, n) => (n <= 2 ? lambdaError('The role defined for the function cannot be assumed by Lambda.') : created);
    const lambda = await clients({ maxAttempts: 4 }).get('lambda', 'us-east-1');
    const out = await lambda.send(create());
    expect(out.$metadata.attempts).toBe(3);
  });

  it('another InvalidParameterValueException of CreateFunction is answered at once', async () => {
    answer = () => lambdaError('Runtime python2.7 is not supported');
    const lambda = await clients({ maxAttempts: 4 }).get('lambda', 'us-east-1');
    const err = await rejection(lambda.send(create()));
    expect(err.$metadata?.attempts).toBe(1);
  });

  it('IAM does not see a policy just made: AttachRolePolicy is retried on NoSuchEntity', async () => {
    const attached: Answer = { status: 200, body: '<AttachRolePolicyResponse><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AttachRolePolicyResponse>' };
    answer = (_a, n) => (n <= 1 ? iamError(404, 'NoSuchEntity', 'Policy arn:aws:iam::123456789012:policy/p does not exist or is not attachable.') : attached);
    const iam = await clients({ maxAttempts: 3 }).get('iam', 'us-east-1');
    const out = await iam.send(new AttachRolePolicyCommand({ RoleName: 'r', PolicyArn: 'arn:aws:iam::123456789012:policy/p' }));
    expect(out.$metadata.attempts).toBe(2);
    expect(actions()).toEqual(['AttachRolePolicy', 'AttachRolePolicy']);
  });
});
