import type {
  SageMakerClient,
  SageMakerClientResolvedConfig,
  SageMakerPaginationConfiguration,
  ServiceInputTypes,
  ServiceOutputTypes,
} from '@aws-sdk/client-sagemaker';
import type { CommandImpl } from '@smithy/core/client';
import { sdkPackage } from '../aws/sdk.js';
import { formatArn, lastSegment, parseArn } from '../aws/arn.js';
import { isErrorNamed } from '../aws/errors.js';
import type { ResourceRef, Tags } from '../model.js';
import { tagListToRecord } from '../tags.js';
import { describeOrGone, onResource, pollUntilDone, withoutMetadata } from './common.js';
import {
  GONE,
  waiterOptions,
  type ActionNeed,
  type Child,
  type Gone,
  type HandlerContext,
  type Listed,
  type LiveResource,
  type ResourceHandler,
  type Steps,
  type TypeSettings,
} from './handler.js';

/**
 * The SageMaker types are declarations: `sagemakerType({...})` builds the handler (this file is not a
 * type). What several SageMaker types share is here too: the wait for a delete the SDK has no waiter
 * for, the jobs' stop and retention rules, MLflow's lost data.
 */

export const sagemakerSdk = () => sdkPackage('@aws-sdk/client-sagemaker');
export type SageMakerSdk = Awaited<ReturnType<typeof sagemakerSdk>>;

/** A command of the SageMaker client, taking `I` and answering `O`. */
export type SageMakerCommand<I extends ServiceInputTypes, O extends ServiceOutputTypes> = CommandImpl<
  I,
  O,
  SageMakerClientResolvedConfig,
  ServiceInputTypes,
  ServiceOutputTypes
>;

/** Options for a SageMaker waiter: the run's timeout and abort signal, polling every 5 to 30 s. */
export type SageMakerWaiterOptions = ReturnType<typeof waiterOptions<SageMakerClient>>;

/**
 * SageMaker answers a Describe (or Delete) of a missing resource with a ValidationException, and its own
 * waiters take that for "deleted"; newer operations say ResourceNotFound.
 */
export const SAGEMAKER_NOT_FOUND: readonly string[] = ['ValidationException', 'ResourceNotFound'];

/** Tags and list pages: the largest page each call allows. */
const PAGE_SIZE = 100;
const WAIT_DELAYS = { minDelay: 5, maxDelay: 30 };

export function sagemakerArnPattern(kind: string): RegExp {
  return new RegExp(`^arn:[\\w-]+:sagemaker:[\\w-]+:\\d{12}:${kind}/[^/]+$`);
}

export const sagemakerName = (arn: string): string => lastSegment(parseArn(arn)?.resource ?? arn);

/**
 * The ARN of another SageMaker resource of `kind` named `name`, in the same account and region as `ref`.
 * The name keeps the case the API gave it; `arnKey` compares SageMaker ARNs case-insensitively.
 */
export function siblingArn(ref: ResourceRef, kind: string, name: string): string {
  return formatArn({ partition: ref.partition, service: 'sagemaker', region: ref.region, account: ref.account, resource: `${kind}/${name}` });
}

/** All tags of a SageMaker resource (ListTags, every page). */
export async function sagemakerTags(sdk: SageMakerSdk, client: SageMakerClient, arn: string): Promise<Tags> {
  const tags: { Key?: string; Value?: string }[] = [];
  for await (const page of sdk.paginateListTags({ client, pageSize: PAGE_SIZE }, { ResourceArn: arn })) tags.push(...(page.Tags ?? []));
  return tagListToRecord(tags);
}

/** How `waitUntilSageMakerGone` tells a failed delete: see there. */
export interface SageMakerGoneOptions<S> {
  /**
   * Whether the state read means the delete failed: `true` fails the wait with that state as the
   * waiter's reason (DeleteFailed...), an Error is thrown as it is (its message says why). `deleting`:
   * an earlier poll read the status Deleting (for a `read` that answers the status: a Failed after
   * Deleting is a failed delete, a Failed before it a failed creation still on its way out).
   */
  readonly failed?: (state: S, deleting: boolean) => boolean | Error | undefined;
  /** An error of `read` other than a not-found: a waiter failure naming it ('waiter', the default), or thrown as it came ('thrown'). */
  readonly otherErrors?: 'waiter' | 'thrown';
}

/**
 * Resolves once a SageMaker resource the SDK has no waiter for is gone: `read` (its Describe, or the
 * listing of what must go before it) fails with a SageMaker not-found, or answers GONE (an empty listing,
 * a Deleted status still described). Every other state is polled again, unless `failed` says the delete
 * failed; any other error ends the wait at once. Throws on failure, timeout or abort. For the kinds
 * without an SDK waiter (inference components, monitoring schedules, hubs, clusters, domains and what is
 * in them, MLflow servers and apps, projects, feature groups, model package groups, pipeline runs).
 */
export function waitUntilSageMakerGone<I extends object, S>(
  options: SageMakerWaiterOptions,
  input: I,
  read: (client: SageMakerClient, input: I) => Promise<S | Gone>,
  { failed, otherErrors = 'waiter' }: SageMakerGoneOptions<S> = {},
): Promise<void> {
  let deleting = false;
  return pollUntilDone(options, input, {
    read,
    done: (now) => now === GONE,
    notFound: SAGEMAKER_NOT_FOUND,
    failed: (now) => {
      const why = failed?.(now as S, deleting);
      deleting ||= now === 'Deleting';
      return why;
    },
    otherErrors,
  });
}

/** A job in one of these states is over (Deleting: a DeleteTrainingJob under way, terminal jobs only). */
export const JOB_FINISHED: readonly string[] = ['Completed', 'Failed', 'Stopped', 'Deleting'];
/** A job runs, and needs its role, while InProgress or Stopping. */
export const JOB_RUNNING: readonly string[] = ['InProgress', 'Stopping'];
export const JOB_RETAINED = "retained by AWS: a finished job's record has no delete here; nothing to do";

/** The role a job names, only while it runs: a finished job no longer needs it. */
export const jobUses = (status: string | undefined, role: string | undefined): (string | undefined)[] => (JOB_RUNNING.includes(String(status)) ? [role] : []);

/** A listed job: a finished one uses nothing (said at once), a running one is read for its role. */
export const listedJob = (arn: string | undefined, status: string | undefined): string | Listed | undefined =>
  arn && (JOB_RUNNING.includes(String(status)) ? arn : { arn, uses: [] });

export const jobRetained = (status: unknown): string | undefined => (JOB_FINISHED.includes(String(status)) ? JOB_RETAINED : undefined);

/** How a job's delete reads its status, stops it and waits until it has stopped. */
export interface JobControl {
  /** Describe: the status now (a not-found error goes through: the core then says gone). */
  status(): Promise<string | undefined>;
  stop(): Promise<unknown>;
  /** The SDK's CompletedOrStopped waiter (or `waitUntilJobFinished`): it may give up on Failed, and on a job that vanished. */
  waitUntilStopped(): Promise<unknown>;
}

/**
 * The delete of a job: there is none. A job InProgress is stopped (its own step), and the delete waits
 * until it is Stopped (or Completed or Failed meanwhile); a Stopping one is waited for; a finished one
 * needs nothing. AWS keeps the record either way.
 */
export async function stopJob(steps: Steps, job: JobControl): Promise<void> {
  let status = await job.status();
  if (status === 'InProgress') {
    status = await steps.run({ name: 'stop', done: "stopped; AWS keeps the job's record" }, async () => {
      try {
        await job.stop();
        return 'Stopping';
      } catch (err) {
        // It finished between the read and the stop (AWS refuses to stop a finished job): nothing to stop.
        const now = await job.status();
        if (!JOB_FINISHED.includes(String(now))) throw err;
        return now;
      }
    });
  }
  if (status !== 'Stopping') return;
  try {
    await job.waitUntilStopped();
  } catch (err) {
    // The waiter gives up on Failed: a job that failed while stopping has stopped all the same.
    if (!JOB_FINISHED.includes(String(await job.status()))) throw err;
  }
}

/**
 * Resolves once `status` reads one of `finished` (Stopped, or Completed or Failed meanwhile), for the job
 * kinds the SDK has no waiter for (tuning and AutoML jobs). Unlike `waitUntilSageMakerGone`, not-found is
 * no success here: an error ends the wait at once and is thrown as it came (a vanished job's not-found
 * too: the stop then reads the status again, and the core says gone).
 */
export function waitUntilJobFinished(options: SageMakerWaiterOptions, status: () => Promise<string | undefined>, finished = JOB_FINISHED): Promise<void> {
  return pollUntilDone(options, {}, { read: () => status(), done: (now) => finished.includes(String(now)), notFound: [], otherErrors: 'thrown' });
}

/**
 * What deleting an MLflow server or app loses: its tracking data (experiments, runs, metrics, its model
 * registry) lives in the service, not in the backup. Its artifacts stay in the S3 artifact store.
 */
export const mlflowData = (artifactStore: unknown): Child[] => [
  {
    kind: 'mlflow-tracking-data',
    id: '*',
    lost: `experiments, runs and registered models: not in the backup (the artifacts in ${typeof artifactStore === 'string' && artifactStore ? artifactStore : 'its S3 artifact store'} stay)`,
  },
];

/** What a custom delete is given besides the resource and its steps. */
export interface SageMakerDeleteKit<D> {
  readonly sdk: SageMakerSdk;
  readonly client: SageMakerClient;
  /**
   * For the SDK waiters a delete waits with (`sdk.waitUntilX(kit.waiter(), input)`), called when the wait
   * starts: building the options tells the progress display that the delete waits.
   */
  waiter(): SageMakerWaiterOptions;
  /** The Describe call again: the live state now, or GONE. */
  describe(): Promise<D | Gone>;
  /** The final step: `{name: 'delete'}` sending the type's Delete command. */
  deleteStep(): Promise<void>;
}

/** A SageMaker type, declared: everything else is the same for every SageMaker type. */
export interface SageMakerTypeSpec<DI extends ServiceInputTypes, D extends ServiceOutputTypes, P, XI extends ServiceInputTypes, X extends ServiceOutputTypes> {
  /** The ARN's resource kind (`endpoint-config`); the type is `sagemaker:<kind>`. */
  readonly kind: string;
  readonly description: string;
  /** Types its `uses` may point at. */
  readonly references: readonly string[];
  /** Whether AWS's Tagging API returns the kind (default true: SageMaker resources with tags are returned). */
  readonly taggingApi?: boolean;
  /**
   * Operation names, when they do not follow from the kind (`endpoint-config`: DescribeEndpointConfig,
   * ListEndpointConfigs, DeleteEndpointConfig). They are the type's dry-run reads and IAM actions.
   */
  readonly operations?: { readonly describe?: string; readonly list?: string; readonly delete?: string };
  /**
   * What the API calls name the resource by (default: the name from its ARN). A HyperPod cluster's ARN
   * ends in its id, not its name: its calls take the ARN.
   */
  readonly id?: (ref: ResourceRef) => string;
  /** The Describe command for a name: what describe, readUses, custom deletes and the gone check send. */
  readonly describe: (s: SageMakerSdk, name: string) => SageMakerCommand<DI, D>;
  /**
   * More reads describe makes for the backup and for `children` (a cluster's nodes): their operation
   * names (they join `reads`), and the call, whose fields join the config. Not-found there is GONE.
   */
  readonly details?: {
    readonly reads: readonly string[];
    readonly read: (s: SageMakerSdk, client: SageMakerClient, out: D, ref: ResourceRef) => Promise<Record<string, unknown>>;
  };
  /** The ARNs it uses (of `references` only), from the Describe output. */
  readonly uses: (out: D, ref: ResourceRef) => readonly (string | undefined)[];
  /** The log group that is its alone (also among `uses`): see `Described.ownLogGroup`. */
  readonly ownLogGroup?: (out: D, ref: ResourceRef) => string | undefined;
  /**
   * Every resource of the kind: the List paginator, and each page's ARNs, or entries where the list says
   * what one uses (a finished job: `{arn, uses: []}`, so the usage check reads no more of it).
   */
  readonly list: {
    readonly paginator: (s: SageMakerSdk) => (config: SageMakerPaginationConfiguration, input: Record<string, never>) => AsyncIterable<P>;
    readonly arns: (page: P) => readonly (string | Listed | undefined)[] | undefined;
  };
  /** The Delete command for a name; absent for a kind nothing deletes (a job: its deleteSteps stop it). */
  readonly delete?: (s: SageMakerSdk, name: string) => SageMakerCommand<XI, X>;
  /** Resolves once a delete has completed: an SDK waiter, given the run's options (it polls Describe). */
  readonly waitUntilGone?: (s: SageMakerSdk, options: SageMakerWaiterOptions, name: string) => Promise<unknown>;
  /**
   * IAM actions this resource needs now beyond ListTags and Delete<Kind> (and Describe<Kind>, added for a
   * type with a waiter or a custom delete).
   */
  readonly actions?: (r: LiveResource) => ActionNeed[];
  /**
   * Every action `actions` may return, in any state (a running job's Stop, a domain's apps): on the
   * tagged resource itself, and on what it holds. They join the built names in the handler's `deleteActions`.
   */
  readonly deleteActions?: { readonly tagged?: readonly string[]; readonly held?: readonly string[] };
  readonly children?: (r: LiveResource) => Child[];
  readonly blocked?: (r: LiveResource) => string | undefined;
  readonly protect?: (r: LiveResource, settings: TypeSettings) => string | undefined;
  readonly retained?: (r: LiveResource) => string | undefined;
  /**
   * A delete of more than one step (stop first...); it ends with `kit.deleteStep()` (unless the kind has
   * no delete). Default: that step alone.
   */
  readonly deleteSteps?: (r: LiveResource, kit: SageMakerDeleteKit<D>, steps: Steps) => Promise<void>;
}

const pascal = (kind: string): string => kind.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

const defined = (list: readonly (string | undefined)[] | undefined): string[] => (list ?? []).filter((a): a is string => Boolean(a));

/** Builds a SageMaker type's handler from its declaration. */
export function sagemakerType<DI extends ServiceInputTypes, D extends ServiceOutputTypes, P, XI extends ServiceInputTypes, X extends ServiceOutputTypes>(
  spec: SageMakerTypeSpec<DI, D, P, XI, X>,
): ResourceHandler {
  const Kind = pascal(spec.kind);
  const ops = { describe: `Describe${Kind}`, list: `List${Kind}s`, delete: `Delete${Kind}`, ...spec.operations };
  const notFound = SAGEMAKER_NOT_FOUND;
  const wait = spec.waitUntilGone;

  const connect = async (ctx: HandlerContext, region: string) => ({ sdk: await sagemakerSdk(), client: await ctx.aws.get('sagemaker', region) });
  const idOf = spec.id ?? ((ref: ResourceRef) => ref.name);
  const read = (sdk: SageMakerSdk, client: SageMakerClient, ref: ResourceRef): Promise<D | Gone> =>
    describeOrGone(notFound, () => client.send(spec.describe(sdk, idOf(ref))));
  const usesOf = (out: D, ref: ResourceRef): string[] => [...new Set(defined(spec.uses(out, ref)))];
  // What every resource of the kind needs, whatever its state.
  const own = [
    'sagemaker:ListTags',
    // The waiters poll Describe; a delete of several steps reads the state it starts from.
    ...(wait || spec.deleteSteps ? [`sagemaker:${ops.describe}`] : []),
    ...(spec.delete ? [`sagemaker:${ops.delete}`] : []),
  ];

  return {
    type: `sagemaker:${spec.kind}`,
    description: spec.description,
    arnPattern: sagemakerArnPattern(spec.kind),
    references: spec.references,
    taggingApi: spec.taggingApi ?? true,
    notFound,
    // The SageMaker waiters poll the Describe operation: it is already here.
    reads: [ops.describe, ops.list, 'ListTags', ...(spec.details?.reads ?? [])],
    nameOf: sagemakerName,

    async describe(ref, ctx, hint) {
      const { sdk, client } = await connect(ctx, ref.region);
      const out = await read(sdk, client, ref);
      if (out === GONE) return GONE;
      const details = spec.details;
      let more: Record<string, unknown> = {};
      if (details) {
        try {
          more = await details.read(sdk, client, out, ref);
        } catch (err) {
          // SageMaker's not-found (ValidationException) is also its word for a bad request: the extra
          // reads mean "gone" only when Describe says so now; any other failure is a failed read.
          if (isErrorNamed(err, ...notFound) && (await read(sdk, client, ref)) === GONE) return GONE;
          throw err;
        }
      }
      const tags = hint?.tags ?? (await sagemakerTags(sdk, client, ref.arn));
      const own = spec.ownLogGroup?.(out, ref);
      return { tags, config: { ...withoutMetadata(out), ...more }, uses: usesOf(out, ref), ...(own ? { ownLogGroup: own } : {}) };
    },

    async readUses(ref, ctx) {
      const { sdk, client } = await connect(ctx, ref.region);
      const out = await read(sdk, client, ref);
      return out === GONE ? GONE : usesOf(out, ref);
    },

    async list(ctx, region) {
      const { sdk, client } = await connect(ctx, region);
      const listed: Listed[] = [];
      for await (const page of spec.list.paginator(sdk)({ client, pageSize: PAGE_SIZE }, {})) {
        for (const entry of spec.list.arns(page) ?? []) {
          const item = typeof entry === 'string' ? { arn: entry } : entry;
          if (item?.arn) listed.push(item);
        }
      }
      return listed;
    },

    // ListTags alone proves the tags; only when it fails does Describe say whether the resource is gone
    // (ListTags on a missing resource is not a clean not-found everywhere).
    async currentTags(ref, ctx) {
      const { sdk, client } = await connect(ctx, ref.region);
      try {
        return await sagemakerTags(sdk, client, ref.arn);
      } catch (err) {
        if ((await read(sdk, client, ref).catch(() => undefined)) === GONE) return GONE;
        throw err;
      }
    },

    actions: (r) => [...onResource(r.ref.arn, own), ...(spec.actions?.(r) ?? [])],
    deleteActions: { tagged: [...new Set([...own, ...(spec.deleteActions?.tagged ?? [])])], held: spec.deleteActions?.held ?? [] },

    async delete(r, ctx, steps) {
      const { sdk, client } = await connect(ctx, r.ref.region);
      const del = spec.delete;
      const deleteStep = async (): Promise<void> => {
        if (!del) throw new Error(`internal: sagemaker:${spec.kind} has no delete`);
        await steps.run({ name: 'delete' }, () => client.send(del(sdk, idOf(r.ref))));
      };
      if (!spec.deleteSteps) return deleteStep();
      const kit: SageMakerDeleteKit<D> = {
        sdk,
        client,
        waiter: () => waiterOptions(client, ctx, WAIT_DELAYS),
        describe: () => read(sdk, client, r.ref),
        deleteStep,
      };
      return spec.deleteSteps(r, kit, steps);
    },

    ...(wait && {
      async waitUntilGone(ref: ResourceRef, ctx: HandlerContext) {
        const { sdk, client } = await connect(ctx, ref.region);
        await wait(sdk, waiterOptions(client, ctx, WAIT_DELAYS), idOf(ref));
      },
    }),
    ...(spec.children && { children: spec.children }),
    ...(spec.blocked && { blocked: spec.blocked }),
    ...(spec.protect && { protect: spec.protect }),
    ...(spec.retained && { retained: spec.retained }),
  };
}
