import type { GetFunctionCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { createHash } from 'node:crypto';
import { sdkPackage } from '../aws/sdk.js';
import { formatArn, parseArn } from '../aws/arn.js';
import { DOWNLOAD_TIMEOUT_MS, DownloadRefused, linkUsable } from '../aws/download.js';
import type { ResourceRef } from '../model.js';
import { describeOrGone, every, functionArn, PREFETCH_MIN, onResource, optional, parseDocument, pollUntilDone, runBounded, unlessGone, withoutMetadata } from './common.js';
import { GONE, waiterOptions, type HandlerContext, type LiveResource, type ResourceHandler } from './handler.js';

const sdk = () => sdkPackage('@aws-sdk/client-lambda');

const NOT_FOUND = ['ResourceNotFoundException'];
/** Maximum page sizes: ListFunctions 50, ListEventSourceMappings 100, ListAliases and ListVersionsByFunction 10,000. */
const FUNCTION_PAGE = 50;
const ESM_PAGE = 100;
const ALIAS_PAGE = 10_000;
const VERSION_PAGE = 10_000;
/** Event source mappings deleted (and waited for) at a time. */
const ESM_CONCURRENCY = 4;

const lambda = (ctx: HandlerContext, ref: ResourceRef): Promise<LambdaClient> => ctx.aws.get('lambda', ref.region);

/**
 * The function's event source mappings. Listed by function name (the client is in the function's
 * region): for an ARN there, moto answers []; AWS takes either.
 */
async function mappingsOf(client: LambdaClient, FunctionName: string) {
  const { paginateListEventSourceMappings } = await sdk();
  return every(paginateListEventSourceMappings({ client, pageSize: ESM_PAGE }, { FunctionName }), (p) => p.EventSourceMappings);
}

/**
 * The event source mappings of many functions of one region from one listing of the region's mappings
 * (ListEventSourceMappings without a function: 100 a page), for at most half as many pages as there are
 * functions; a region with more mappings than that answers nothing, and each function is then read alone
 * (at worst half as many calls again as reading them alone). A mapping of a function's version or alias
 * is the function's too: it goes with it.
 */
async function regionMappings(client: LambdaClient, arns: readonly string[]): Promise<Map<string, unknown[]>> {
  const { paginateListEventSourceMappings } = await sdk();
  const byFunction = new Map<string, unknown[]>(arns.map((a) => [a, []]));
  let pages = 0;
  for await (const page of paginateListEventSourceMappings({ client, pageSize: ESM_PAGE }, {})) {
    pages += 1;
    for (const m of page.EventSourceMappings ?? []) byFunction.get(functionArn(m.FunctionArn) ?? '')?.push(m);
    if (page.NextMarker && pages >= Math.ceil(arns.length / 2)) return new Map();
  }
  return byFunction;
}

/** The UUIDs of the mappings describe read. */
function plannedMappings(r: LiveResource): string[] {
  const mappings = (r.described.config.EventSourceMappings ?? []) as readonly { UUID?: string }[];
  return mappings.flatMap((m) => (m.UUID ? [m.UUID] : []));
}

/** Resolves once GetEventSourceMapping says the mapping no longer exists; throws on timeout or abort. */
async function waitUntilMappingGone(client: LambdaClient, ctx: HandlerContext, UUID: string): Promise<void> {
  const { GetEventSourceMappingCommand } = await sdk();
  // Gone is success; any other error (denied, throttled past the SDK's retries) ends the wait at once.
  await pollUntilDone(waiterOptions(client, ctx, { minDelay: 1, maxDelay: 5 }), { UUID }, {
    read: (c, input) => c.send(new GetEventSourceMappingCommand(input)),
    notFound: NOT_FOUND,
  });
}

/** The download's failure in words (fetch's own "fetch failed" hides the cause). */
function whyNot(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return `no answer within ${DOWNLOAD_TIMEOUT_MS / 1000} s`;
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

/**
 * A Lambda function (unqualified: all its versions and aliases). Its event source mappings outlive
 * DeleteFunction, so they are deleted first and waited for; then DeleteFunction, which is synchronous.
 * Its execution role is a separate resource, deleted after it. The backup keeps its deployment package.
 */
/**
 * What a function uses: its role, and the log group it writes to (its LoggingConfig's group, or
 * `/aws/lambda/<name>`), in the function's region.
 */
type Conf = { Role?: string | undefined; FunctionName?: string | undefined; LoggingConfig?: { LogGroup?: string | undefined } | undefined };
function usesOf(conf: Conf, arn: string): string[] {
  const group = logGroupOf(conf, arn);
  return [...(conf.Role ? [conf.Role] : []), ...(group ? [group] : [])];
}

/** The ARN of the log group it writes to. */
function logGroupOf(conf: Conf, arn: string): string | undefined {
  const p = parseArn(arn);
  const name = conf.FunctionName ?? arn.split(':')[6];
  const group = conf.LoggingConfig?.LogGroup ?? (name ? `/aws/lambda/${name}` : undefined);
  return p && group ? formatArn({ partition: p.partition, service: 'logs', region: p.region, account: p.account, resource: `log-group:${group}` }) : undefined;
}

export const lambdaFunction: ResourceHandler = {
  type: 'lambda:function',
  description: 'Lambda function (saves its deployment package; deletes its event source mappings, then DeleteFunction with all versions and aliases)',
  arnPattern: /^arn:[\w-]+:lambda:[\w-]+:\d{12}:function:[^:/]+$/,
  client: 'lambda',
  // Its role, and the log group it writes to (so a function that stays keeps its group).
  references: ['iam:role', 'logs:log-group'],
  // The Tagging API returns Lambda functions (unqualified ARNs).
  taggingApi: true,
  notFound: NOT_FOUND,
  reads: [
    'ListFunctions',
    'GetFunction',
    'GetFunctionConfiguration',
    'ListTags',
    'ListEventSourceMappings',
    'GetEventSourceMapping',
    'GetPolicy',
    'ListAliases',
    'ListVersionsByFunction',
    'GetFunctionUrlConfig',
    'GetFunctionConcurrency',
  ],
  nameOf: (arn) => arn.split(':')[6] ?? arn,

  /** ListFunctions gives each function's role: no readUses call is needed. */
  async list(ctx, region) {
    const { paginateListFunctions } = await sdk();
    const client = await ctx.aws.get('lambda', region);
    const functions = await every(paginateListFunctions({ client, pageSize: FUNCTION_PAGE }, {}), (p) => p.Functions);
    return functions.flatMap((f) => (f.FunctionArn ? [{ arn: f.FunctionArn, uses: usesOf(f, f.FunctionArn) }] : []));
  },

  async readUses(ref, ctx) {
    const { GetFunctionConfigurationCommand } = await sdk();
    const client = await lambda(ctx, ref);
    const conf = await describeOrGone(NOT_FOUND, () => client.send(new GetFunctionConfigurationCommand({ FunctionName: ref.arn })));
    if (conf === GONE) return GONE;
    return usesOf(conf, ref.arn);
  },

  /** The event source mappings of a region's functions, from one listing of the region's mappings. */
  async prefetch(refs, ctx) {
    const first = refs[0];
    if (!first || refs.length < PREFETCH_MIN) return new Map();
    const client = await lambda(ctx, first);
    return regionMappings(client, refs.map((r) => r.arn));
  },

  /**
   * What the plan needs: the function (GetFunction: configuration, role, log group, tags) and its event
   * source mappings (removed with it). The rest of its configuration is read for the backup only.
   */
  async describe(ref, ctx, hint) {
    const s = await sdk();
    const client = await lambda(ctx, ref);
    const FunctionName = ref.arn;
    const prefetched = hint?.prefetched as unknown[] | undefined;
    // List calls take the name: for an ARN, moto answers [] (mappings) or not-found (aliases).
    // Side by side; the mappings' answer counts only for a function that exists.
    const [read, listed] = await Promise.allSettled([
      describeOrGone(NOT_FOUND, () => client.send(new s.GetFunctionCommand({ FunctionName }))),
      prefetched ?? mappingsOf(client, ref.name),
    ]);
    if (read.status === 'rejected') throw read.reason;
    const fn = read.value;
    if (fn === GONE) return GONE;
    if (listed.status === 'rejected') throw listed.reason;
    const eventSourceMappings = listed.value;
    // GetFunction returns Tags only to callers allowed lambda:ListTags, and none for a function without
    // any: only then is ListTags asked, so that a denial is a read failure, never "no tags".
    const tags = fn.Tags && Object.keys(fn.Tags).length > 0 ? fn.Tags : (await client.send(new s.ListTagsCommand({ Resource: ref.arn }))).Tags;
    return {
      tags: tags ?? {},
      config: { ...withoutMetadata(fn), EventSourceMappings: eventSourceMappings },
      uses: fn.Configuration ? usesOf(fn.Configuration, ref.arn) : [],
      // Its log group is its own (a group several functions share stays while one that stays writes to it).
      ...(fn.Configuration && logGroupOf(fn.Configuration, ref.arn) ? { ownLogGroup: logGroupOf(fn.Configuration, ref.arn) } : {}),
    };
  },

  /** What re-creating it needs beyond the plan's reads: its resource policy, aliases, versions, URL, concurrency. */
  async backupDetails(r, ctx) {
    const s = await sdk();
    const client = await lambda(ctx, r.ref);
    const FunctionName = r.ref.arn;
    const name = r.ref.name;
    const [policy, aliases, versions, functionUrl, concurrency] = await Promise.all([
      optional(NOT_FOUND, () => client.send(new s.GetPolicyCommand({ FunctionName }))),
      every(s.paginateListAliases({ client, pageSize: ALIAS_PAGE }, { FunctionName: name }), (p) => p.Aliases),
      every(s.paginateListVersionsByFunction({ client, pageSize: VERSION_PAGE }, { FunctionName: name }), (p) => p.Versions),
      optional(NOT_FOUND, () => client.send(new s.GetFunctionUrlConfigCommand({ FunctionName }))),
      // No reserved concurrency is an empty answer, not an error.
      client.send(new s.GetFunctionConcurrencyCommand({ FunctionName })),
    ]);
    return {
      Policy: policy ? parseDocument(policy.Policy as string | undefined) : null,
      Aliases: aliases,
      // $LATEST is the function itself; the published versions are what the backup must name.
      Versions: versions.filter((v) => v.Version !== '$LATEST'),
      FunctionUrlConfig: functionUrl,
      Concurrency: concurrency.ReservedConcurrentExecutions === undefined ? null : withoutMetadata(concurrency),
    };
  },

  children: (r) => plannedMappings(r).map((id) => ({ kind: 'event-source-mapping', id })),

  deleteActions: {
    tagged: ['lambda:ListTags', 'lambda:GetFunction', 'lambda:DeleteFunction'],
    held: ['lambda:ListEventSourceMappings', 'lambda:DeleteEventSourceMapping', 'lambda:GetEventSourceMapping'],
  },
  actions(r) {
    const { arn, partition, region, account } = r.ref;
    return [
      ...onResource(arn, ['lambda:ListTags', 'lambda:GetFunction']),
      // Listing mappings is authorized on no resource; each mapping's calls on the mapping's own ARN.
      { action: 'lambda:ListEventSourceMappings', resource: '*' },
      ...plannedMappings(r).flatMap((uuid) =>
        onResource(`arn:${partition}:lambda:${region}:${account}:event-source-mapping:${uuid}`, ['lambda:DeleteEventSourceMapping', 'lambda:GetEventSourceMapping']),
      ),
      { action: 'lambda:DeleteFunction', resource: arn },
    ];
  },

  /**
   * The deployment package, checked against Lambda's CodeSha256. An image-based function has none.
   * The link describe read is used while it stays valid (`linkUsable`: it names its own expiry, a few
   * minutes after the read); otherwise, or when S3 refuses it (403: expired), one fresh GetFunction
   * gives a new link and the CodeSha256 to check.
   */
  async artifacts(r, ctx) {
    const described = r.described.config as Pick<GetFunctionCommandOutput, 'Configuration' | 'Code'>;
    if (described.Configuration?.PackageType === 'Image') return [];
    const { GetFunctionCommand } = await sdk();
    const client = await lambda(ctx, r.ref);
    const freshRead = () => client.send(new GetFunctionCommand({ FunctionName: r.ref.arn }));
    // Judged once a download slot is free (src/aws/download.ts): the link expires in minutes.
    return ctx.aws.downloads.run(async (download) => {
      const reused = linkUsable(described.Code?.Location, Date.now());
      let fn = reused ? described : await freshRead();
      if (fn.Configuration?.PackageType === 'Image') return [];
      const packageOf = async (f: typeof fn): Promise<Uint8Array> => {
        const location = f.Code?.Location;
        if (!location) throw new Error('GetFunction gave no download link for the deployment package');
        try {
          return await download(location, ctx.signal);
        } catch (err) {
          throw new Error(`the download failed: ${whyNot(err)}`, { cause: err });
        }
      };
      let bytes: Uint8Array;
      try {
        bytes = await packageOf(fn);
      } catch (err) {
        const refusal = (err as Error).cause;
        if (!(reused && refusal instanceof DownloadRefused && refusal.status === 403)) throw err;
        fn = await freshRead();
        if (fn.Configuration?.PackageType === 'Image') return [];
        bytes = await packageOf(fn);
      }
      const digest = createHash('sha256').update(bytes).digest();
      const expected = fn.Configuration?.CodeSha256;
      if (expected !== undefined && digest.toString('base64') !== expected) {
        throw new Error(`the download does not match the function's CodeSha256 (got ${digest.toString('base64')}, Lambda says ${expected})`);
      }
      return [{ name: 'package.zip', bytes, sha256: digest.toString('hex') }];
    });
  },

  async currentTags(ref, ctx) {
    const { ListTagsCommand } = await sdk();
    const client = await lambda(ctx, ref);
    const out = await describeOrGone(NOT_FOUND, () => client.send(new ListTagsCommand({ Resource: ref.arn })));
    return out === GONE ? GONE : (out.Tags ?? {});
  },

  async delete(r, ctx, steps) {
    const { DeleteEventSourceMappingCommand, DeleteFunctionCommand } = await sdk();
    const client = await lambda(ctx, r.ref);
    // A mapping created since the plan would outlive DeleteFunction: list them again.
    const listed = (await mappingsOf(client, r.ref.name)).flatMap((m) => (m.UUID ? [m.UUID] : []));
    const uuids = [...new Set([...plannedMappings(r), ...listed])];
    await runBounded(
      uuids.map((UUID) => () =>
        steps.run({ name: 'delete-event-source-mapping', child: { kind: 'event-source-mapping', id: UUID }, done: `deleted event source mapping ${UUID}` }, async () => {
          await unlessGone(NOT_FOUND, () => client.send(new DeleteEventSourceMappingCommand({ UUID })));
          await waitUntilMappingGone(client, ctx, UUID);
        }),
      ),
      ESM_CONCURRENCY,
    );
    await steps.run({ name: 'delete', done: `deleted function ${r.ref.name}` }, () => client.send(new DeleteFunctionCommand({ FunctionName: r.ref.arn })));
  },
};
