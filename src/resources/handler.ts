import type { AwsClients, ServiceName } from '../aws/clients.js';
import type { ResourceRef, Tags } from '../model.js';

/** What a handler is given for every call. */
export interface HandlerContext {
  readonly aws: AwsClients;
  /** Upper bound for one asynchronous step of a delete (the SDK waiter's maxWaitTime). */
  readonly waitTimeoutSeconds: number;
  /** Aborts waiters. */
  readonly signal?: AbortSignal | undefined;
  /** The user's explicit choices that change what a type protects (off unless a flag turns them on). */
  readonly settings?: TypeSettings | undefined;
  /**
   * Set by the executor for the one resource being deleted: how far a long step is (a counter), so that
   * the progress display can say it. Best effort: it never throws, and a handler may ignore it.
   */
  readonly progress?: ((p: DeleteProgress) => void) | undefined;
  /**
   * The run's listing of a type in a region, if the run has already started it (each is read once per
   * run): a handler may take from it what it would otherwise read one resource at a time (a role's ARN
   * from its name). Undefined when there is none yet: read it the usual way.
   */
  readonly listed?: ((type: string, region: string) => Promise<readonly Listed[]> | undefined) | undefined;
}

/**
 * How far a long step of a delete is: `done` of `total` `unit` (`12,000` of `40,000` `object versions`),
 * `final` false while the total can still grow (the listing of what to delete is not finished); or that
 * it waits (a notebook to stop, a domain's apps to go), for at most `timeoutSeconds`: `waiterOptions`
 * says so when a wait is built.
 */
export type DeleteProgress =
  | { readonly kind: 'counter'; readonly unit: string; readonly done: number; readonly total: number; readonly final: boolean }
  | { readonly kind: 'waiting'; readonly timeoutSeconds: number };

/** Explicit options a type's `protect` may honour; each is off unless the user passes its flag. */
export interface TypeSettings {
  /** `--delete-shared-log-groups`: account-wide log groups every job of a service writes to. */
  readonly deleteSharedLogGroups?: boolean | undefined;
  /** `--delete-studio-efs`: a Studio domain's EFS home volume goes with the domain. */
  readonly deleteStudioEfs?: boolean | undefined;
  /** `--delete-owned-log-groups`: a deleted resource's own log group goes too, tagged or not. */
  readonly deleteOwnedLogGroups?: boolean | undefined;
  /**
   * `--assume-absent`: types the user says have no resources here (a service the credentials may not
   * list): they are not listed, neither to find candidates nor to look for their users. Recorded in the plan.
   */
  readonly assumeAbsent?: readonly string[] | undefined;
}

/** A resource's live state, read from its own service. */
export interface Described {
  /** Tags as the owning service reports them now (not as the Tagging API remembers them). */
  readonly tags: Tags;
  /** Everything needed to audit or re-create it: verbatim in the backup; in the plan with its secret values replaced (src/backup/redact.ts). */
  readonly config: Record<string, unknown>;
  /** ARNs of resources this one uses (only of the types in `references`): they are deleted after it. */
  readonly uses: readonly string[];
  /** The region its API must be called in, when the ARN does not say (S3 buckets). */
  readonly region?: string | undefined;
  /**
   * ARNs of resources this one owns and removes with its own delete (a CloudFormation stack's resources,
   * a provisioned product's stack): they are never deleted one by one behind their owner's back; whatever
   * uses one of them holds the owner back too.
   */
  readonly owns?: readonly string[] | undefined;
  /**
   * The log group that belongs to this resource alone (`/aws/lambda/<function>`, the function's configured
   * group, `/aws/sagemaker/Endpoints/<endpoint>`): also in `uses`. With `--delete-owned-log-groups` it is
   * deleted after it, tagged or not, unless something that stays writes to it too.
   */
  readonly ownLogGroup?: string | undefined;
  /** The ARN of what owns it, as its own service says (a nested stack's parent): it goes only with that. */
  readonly ownedBy?: string | undefined;
  /**
   * Who uses it, as its own service reports it (IAM's ListEntitiesForPolicy, ListInstanceProfilesForRole):
   * `arns` are ALL the users of the listed `types`, so the usage check need not list those types to find
   * them. Only for answers that are complete (every page read).
   */
  readonly usedBy?: { readonly types: readonly string[]; readonly arns: readonly string[] } | undefined;
}

/** A resource and what its service said of it: what `protect`, `blocked`, `children` and `actions` see. */
export interface LiveResource {
  readonly ref: ResourceRef;
  readonly described: Described;
}

/** What discovery already read of a resource, so that describe need not read it again. */
export interface DescribeHint {
  /** Live tags from the type's own service (never the Tagging API's, which can be stale). */
  readonly tags?: Tags | undefined;
  /** This resource's entry of the type's `prefetch` (read moments ago, with others of its kind). */
  readonly prefetched?: unknown;
}

/** A file the backup keeps beside itself (a deployment package), with its checksum. */
export interface Artifact {
  /** A file name, unique within the resource (e.g. `package.zip`). */
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Hex SHA-256 of `bytes`, checked against what the service reported where it reports one. */
  readonly sha256: string;
}

/** A tagged resource found by a handler's own listing (for types the Tagging API does not return). */
export interface Hit {
  readonly arn: string;
  readonly tags: Tags;
  /** The region the hit was found through. */
  readonly region: string;
  /** True when `tags` came from the resource's own service (then describe gets them as a hint). */
  readonly liveTags?: boolean | undefined;
  /**
   * `--delete-owned-log-groups`: the resource whose own log group this is (reached from it, or planned as
   * such): it is a candidate without matching the tags; from a plan, only while its tags are unchanged.
   */
  readonly logGroupOf?: string | undefined;
}

/** One live resource of a type that may use others, as the usage check lists them. */
export interface Listed {
  readonly arn: string;
  /** Its tags, when the list call carries them (else list discovery reads them with `currentTags`). */
  readonly tags?: Tags | undefined;
  /** What it uses, when the list call says so (Lambda's ListFunctions gives each Role); else it is read with `readUses`. */
  readonly uses?: readonly string[] | undefined;
  /** Its unique id, when the list call gives one (IAM's RoleId: a role re-created under the same name has another). */
  readonly id?: string | undefined;
  /** What it owns, when the list call says so (a provisioned product's stack); owner types only. */
  readonly owns?: readonly string[] | undefined;
}

/**
 * Something a delete removes together with its resource: an event source mapping, a policy attachment,
 * the object versions of a bucket. Shown in the plan, permission-checked, journalled step by step.
 */
export interface Child {
  /** e.g. `event-source-mapping`, `managed-policy-attachment`, `inline-policy`, `object-versions`. */
  readonly kind: string;
  /** The child's own id (a UUID, a policy ARN, a name), or `*` for a counted group. */
  readonly id: string;
  /** How many, for a counted group (object versions). */
  readonly count?: number;
  /** What the backup cannot bring back, in words ("data not in the backup"). */
  readonly lost?: string;
}

/** An IAM action the delete of one resource needs, and the resource it is authorized on. */
export interface ActionNeed {
  readonly action: string;
  readonly resource: string;
}

/** Describes one destructive step of a delete, for the journal and the report. */
export interface StepInfo {
  /** What the step does, e.g. `detach`, `delete-objects`, `stop`, `delete`. */
  readonly name: string;
  /** The child it removes, when it removes one. */
  readonly child?: Pick<Child, 'kind' | 'id'> | undefined;
  /** Said once the step is done, in the report of a delete that fails later ("detached policy X"). */
  readonly done?: string | undefined;
  /**
   * Re-check the tags before this step (default true). A step that follows another within seconds
   * (the next batch of object versions) may skip it; the executor re-checks at least every few steps.
   */
  readonly recheck?: boolean | undefined;
}

/**
 * How a handler's delete runs each destructive step: the executor re-checks the resource's tags first
 * (a resource re-tagged or gone since the plan stops here), journals the step, runs it, and remembers
 * what it removed so that a later failure can say so.
 */
export interface Steps {
  run<T>(step: StepInfo, body: () => Promise<T>): Promise<T>;
}

export const GONE = 'gone' as const;
export type Gone = typeof GONE;

/**
 * Everything about one resource type, in one file under `src/resources/`. Handlers import SDK packages
 * lazily (through `sdkPackage`, on first use) so that startup stays fast. Rules that are the same for every type (the
 * tag re-check, journalling, not-found after a failed delete, concurrency, retries) live in the core.
 */
export interface ResourceHandler {
  /** `service:type`, as in the ARN, e.g. `sagemaker:endpoint`. */
  readonly type: string;
  /** One line for `nova-cleanup types`. */
  readonly description: string;
  /** Which ARNs this handler owns. */
  readonly arnPattern: RegExp;
  /** The SDK client its calls go through (default: the part of `type` before the colon). */
  readonly client?: ServiceName;
  /** A global type (IAM): one per partition, used from every region. */
  readonly global?: boolean;
  /**
   * Whether AWS's Resource Groups Tagging API returns this type (as its documentation lists it). Types
   * it does not return are always found with their own list + tags calls.
   */
  readonly taggingApi: boolean;
  /** Types whose resources this type may use. `Described.uses` and `Listed.uses` point only at these. */
  readonly references: readonly string[];
  /** Error names that mean "it does not exist" when this type is read or deleted (never message text). */
  readonly notFound: readonly string[];
  /** SDK operations (without `Command`) this type sends to read: what a dry run allows for it. */
  readonly reads: readonly string[];
  /** The name used in API calls, from the ARN. */
  nameOf(arn: string): string;

  /**
   * Every live resource of this type in a region (all pages, maximum page size): for list discovery
   * (`--discovery list|both`, and types the Tagging API does not return) and for the usage check (who
   * uses a candidate). A global type is listed once, in the home region.
   */
  list(ctx: HandlerContext, region: string): Promise<Listed[]>;
  /**
   * Owner types (a CloudFormation stack): every live owner in a region with the ARNs it owns, so that a
   * resource whose owner the run did not find (an untagged stack's bucket) is still known as owned.
   * `listed` is what `list` returned for the region (the core lists each type and region once per run).
   */
  listOwned?(ctx: HandlerContext, region: string, listed: readonly Listed[]): Promise<{ readonly arn: string; readonly owns: readonly string[] }[]>;
  /** What one listed resource uses, read as cheaply as possible (default: `describe`). GONE when it vanished. */
  readUses?(ref: ResourceRef, ctx: HandlerContext): Promise<readonly string[] | Gone>;

  /**
   * Live configuration, tags and references; GONE when it no longer exists. `hint.tags` are live tags
   * the type's own discovery already read (IAM's ListRoleTags): use them instead of reading them again.
   */
  describe(ref: ResourceRef, ctx: HandlerContext, hint?: DescribeHint): Promise<Described | Gone>;
  /**
   * Reads, for many resources of the type in one region at once, what `describe` would read one by one,
   * where the service has a cheaper way (log groups: one paged DescribeLogGroups by their common name
   * prefix instead of one call each). The core calls it with every resource of the type and region it is
   * about to describe, in the type's read lane, and hands each resource's entry to `describe` as
   * `hint.prefetched`; a resource left out of the answer (or every one, when it throws) is read alone.
   */
  prefetch?(refs: readonly ResourceRef[], ctx: HandlerContext): Promise<ReadonlyMap<string, unknown>>;
  /** A built-in refusal (service-linked roles, CloudFormation-owned...): a reason, or undefined. */
  protect?(r: LiveResource, settings: TypeSettings): string | undefined;
  /**
   * A resource AWS keeps and has no delete for (a finished training job's record): a reason, or
   * undefined. Reported as `retained`, never as failed; it uses nothing any more.
   */
  retained?(r: LiveResource): string | undefined;
  /** The region IAM reports it was last used in (RoleLastUsed): kept when the run did not examine that region. */
  lastUsedRegion?(r: LiveResource): string | undefined;
  /**
   * Configuration only the backup needs (not the plan, the scope decision nor the delete: a function's
   * aliases and resource policy, a bucket's lifecycle rules): read after the confirmation, only for what
   * is deleted, and kept in the backup beside what describe read (its keys are added to `config`). A dry
   * run and `plan` never send these reads. Throws when one cannot be read: that resource is then not
   * deleted (a backup that lacks its configuration could not bring it back).
   */
  backupDetails?(r: LiveResource, ctx: HandlerContext): Promise<Record<string, unknown>>;
  /**
   * Files the backup saves beside itself, read before the first delete (a Lambda deployment package:
   * its download link expires in minutes). Throws when they cannot be had; the backup says so.
   */
  artifacts?(r: LiveResource, ctx: HandlerContext): Promise<Artifact[]>;
  /** A delete that cannot succeed now (Object Lock, a commitment term): a reason, or undefined. */
  blocked?(r: LiveResource): string | undefined;
  /** The sub-resources its delete removes, from what describe read. */
  children?(r: LiveResource): Child[];
  /** The IAM actions its delete needs, for exactly this resource in its current state (children included). */
  actions(r: LiveResource): ActionNeed[];
  /**
   * Every IAM action `actions` may return, whatever the resource's state (a running job, children,
   * versions): what `nova-cleanup policy` allows for the type. `tagged`: authorized on the tagged resource
   * itself, so a policy may hold them to its `aws:ResourceTag/<key>`; `held`: authorized on what it holds
   * (a domain's apps, a function's event source mappings, the instance profile a role is removed from),
   * which carries no tags of its own. Those that are also reads are allowed with the reads.
   */
  readonly deleteActions: { readonly tagged: readonly string[]; readonly held?: readonly string[] };
  /** Live tags only, by the cheapest call that proves them: the re-check before each destructive step. */
  currentTags(ref: ResourceRef, ctx: HandlerContext): Promise<Tags | Gone>;
  /**
   * Deletes it: every destructive call goes through `steps.run`, children first. `r` is the resource as
   * planned (its described children); re-list where a child created since would block the delete or be
   * left behind.
   */
  delete(r: LiveResource, ctx: HandlerContext, steps: Steps): Promise<void>;
  /**
   * Adds tags (`nova-cleanup tag`), for types the Tagging API's TagResources does not serve (IAM);
   * absent: the core tags it with TagResources.
   */
  addTags?(ref: ResourceRef, ctx: HandlerContext, tags: Tags): Promise<void>;
  /** Resolves once the delete has completed; throws on timeout. Absent for synchronous deletes. */
  waitUntilGone?(ref: ResourceRef, ctx: HandlerContext): Promise<void>;
}

/** The client a handler's calls go through. */
export function clientOf(h: Pick<ResourceHandler, 'type' | 'client'>): ServiceName {
  return h.client ?? (h.type.split(':')[0] as ServiceName);
}

/** The service part of a type id (`sagemaker:model` → `sagemaker`). */
export function serviceOf(type: string): string {
  return type.split(':')[0] ?? type;
}

/**
 * Options for an SDK waiter (`waitUntilX({...}, input)`): the run's timeout, its abort signal, and the
 * polling delays, clamped so that a short `--wait-timeout` stays valid (the SDK rejects
 * maxWaitTime <= minDelay).
 */
export function waiterOptions<C>(client: C, ctx: HandlerContext, delays: { minDelay: number; maxDelay: number }) {
  const maxWaitTime = ctx.waitTimeoutSeconds;
  const minDelay = Math.max(0.1, Math.min(delays.minDelay, maxWaitTime / 2));
  const maxDelay = Math.max(minDelay, Math.min(delays.maxDelay, maxWaitTime));
  ctx.progress?.({ kind: 'waiting', timeoutSeconds: maxWaitTime });
  return { client, maxWaitTime, minDelay, maxDelay, ...(ctx.signal ? { abortSignal: ctx.signal } : {}) };
}
