import type { LambdaClient } from '@aws-sdk/client-lambda';
import { checkExceptions, createWaiter, WaiterState, type WaiterResult } from '@smithy/core/client';
import pLimit from 'p-limit';
import { parseArn } from '../aws/arn.js';
import { isNotFound } from '../aws/errors.js';
import type { ResourceRef } from '../model.js';
import { optional, parseDocument, withoutMetadata } from './common.js';
import { GONE, waiterOptions, type HandlerContext, type ResourceHandler } from './handler.js';

const sdk = () => import('@aws-sdk/client-lambda');

/** ListEventSourceMappings answers at most 100 per page; ListAliases up to 10,000. */
const ESM_PAGE = 100;
const ALIAS_PAGE = 10_000;

const lambda = (ctx: HandlerContext, ref: ResourceRef): Promise<LambdaClient> => ctx.aws.get('lambda', ref.region);

/** The function's event source mappings, listed by function name (see `describe`). */
async function mappingsOf(client: LambdaClient, FunctionName: string) {
  const { paginateListEventSourceMappings } = await sdk();
  const all = [];
  for await (const page of paginateListEventSourceMappings({ client, pageSize: ESM_PAGE }, { FunctionName })) {
    all.push(...(page.EventSourceMappings ?? []));
  }
  return all;
}

/** Resolves once GetEventSourceMapping says the mapping no longer exists; throws on timeout or abort. */
async function waitUntilMappingGone(client: LambdaClient, ctx: HandlerContext, UUID: string): Promise<void> {
  const { GetEventSourceMappingCommand } = await sdk();
  const check = async (c: LambdaClient, input: { UUID: string }): Promise<WaiterResult> => {
    try {
      return { state: WaiterState.RETRY, reason: await c.send(new GetEventSourceMappingCommand(input)) };
    } catch (err) {
      // Gone is success; any other error (denied, throttled past the SDK's retries) ends the wait at once.
      return { state: isNotFound(err) ? WaiterState.SUCCESS : WaiterState.FAILURE, reason: err };
    }
  };
  checkExceptions(await createWaiter(waiterOptions(client, ctx, { minDelay: 1, maxDelay: 5 }), { UUID }, check));
}

/**
 * A Lambda function (unqualified: all its versions and aliases). Its event source mappings outlive
 * DeleteFunction, so they are deleted first and waited for; then DeleteFunction, which is synchronous.
 * Its execution role is a separate resource, deleted after it.
 */
export const lambdaFunction: ResourceHandler = {
  type: 'lambda:function',
  description: 'Lambda function (deletes its event source mappings, then DeleteFunction with all versions and aliases)',
  arnPattern: /^arn:[\w-]+:lambda:[\w-]+:\d{12}:function:[^:/]+$/,
  dependsOn: ['iam:role'],
  actions: [
    'lambda:GetFunction',
    'lambda:ListTags',
    'lambda:ListEventSourceMappings',
    'lambda:DeleteEventSourceMapping',
    'lambda:GetEventSourceMapping',
    'lambda:GetPolicy',
    'lambda:ListAliases',
    'lambda:GetFunctionUrlConfig',
    'lambda:GetFunctionConcurrency',
    'lambda:DeleteFunction',
  ],
  /** Mapping calls are authorized on the mapping's ARN; listing them on no resource at all. */
  simulationResource(arn, action) {
    const a = parseArn(arn);
    if (action === 'lambda:ListEventSourceMappings') return '*';
    if (a && (action === 'lambda:DeleteEventSourceMapping' || action === 'lambda:GetEventSourceMapping')) {
      return `arn:${a.partition}:lambda:${a.region}:${a.account}:event-source-mapping:*`;
    }
    return arn;
  },
  nameOf: (arn) => arn.split(':')[6] ?? arn,

  async describe(ref, ctx) {
    const s = await sdk();
    const client = await lambda(ctx, ref);
    const FunctionName = ref.arn;
    // List calls take the name (the client is in the function's region): for an ARN there, moto
    // answers [] (mappings) or not-found (aliases); AWS takes either.
    const name = ref.name;
    let fn;
    try {
      fn = await client.send(new s.GetFunctionCommand({ FunctionName }));
    } catch (err) {
      if (isNotFound(err)) return GONE;
      throw err;
    }
    const aliases = async () => {
      const all = [];
      for await (const page of s.paginateListAliases({ client, pageSize: ALIAS_PAGE }, { FunctionName: name })) all.push(...(page.Aliases ?? []));
      return all;
    };
    const [eventSourceMappings, policy, allAliases, functionUrl, concurrency] = await Promise.all([
      mappingsOf(client, name),
      optional(() => client.send(new s.GetPolicyCommand({ FunctionName }))),
      aliases(),
      optional(() => client.send(new s.GetFunctionUrlConfigCommand({ FunctionName }))),
      optional(() => client.send(new s.GetFunctionConcurrencyCommand({ FunctionName }))),
    ]);
    const role = fn.Configuration?.Role;
    return {
      // GetFunction returns Tags only to callers allowed lambda:ListTags: ask ListTags itself, so that a
      // denial is a read failure, never "no tags".
      tags: (await client.send(new s.ListTagsCommand({ Resource: ref.arn }))).Tags ?? {},
      config: {
        ...withoutMetadata(fn),
        EventSourceMappings: eventSourceMappings,
        Policy: policy ? parseDocument(policy.Policy as string | undefined) : null,
        Aliases: allAliases,
        FunctionUrlConfig: functionUrl,
        Concurrency: concurrency,
      },
      uses: role ? [role] : [],
    };
  },

  async currentTags(ref, ctx) {
    const { ListTagsCommand } = await sdk();
    const client = await lambda(ctx, ref);
    try {
      return (await client.send(new ListTagsCommand({ Resource: ref.arn }))).Tags ?? {};
    } catch (err) {
      if (isNotFound(err)) return GONE;
      throw err;
    }
  },

  async delete(ref, ctx) {
    const { DeleteEventSourceMappingCommand, DeleteFunctionCommand } = await sdk();
    const client = await lambda(ctx, ref);
    const uuids = (await mappingsOf(client, ref.name)).flatMap((m) => (m.UUID ? [m.UUID] : []));
    await pLimit(4).map(uuids, async (UUID) => {
      try {
        await client.send(new DeleteEventSourceMappingCommand({ UUID }));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      await waitUntilMappingGone(client, ctx, UUID);
    });
    await client.send(new DeleteFunctionCommand({ FunctionName: ref.arn }));
  },
};
