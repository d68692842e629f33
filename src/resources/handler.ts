import type { AwsClients } from '../aws/clients.js';
import type { ResourceRef, TagFilter, Tags } from '../model.js';

/** What a handler is given for every call. */
export interface HandlerContext {
  readonly aws: AwsClients;
  /** Upper bound for one asynchronous delete (the SDK waiter's maxWaitTime). */
  readonly waitTimeoutSeconds: number;
  /** Aborts waiters when the user presses Ctrl-C. */
  readonly signal?: AbortSignal | undefined;
}

/** A resource's live state, read just before the plan is built. */
export interface Described {
  /** Tags as the owning service reports them now (not as the Tagging API remembers them). */
  readonly tags: Tags;
  /** Everything needed to audit or re-create it; goes verbatim into the backup. */
  readonly config: Record<string, unknown>;
  /** ARNs of resources this one uses: they are deleted after it (endpoint → config → model → role). */
  readonly uses: readonly string[];
  /** The region its API must be called in, when the ARN does not say (S3 buckets). */
  readonly region?: string | undefined;
}

/** A tagged resource found by a handler's own listing (for services the Tagging API does not cover). */
export interface Hit {
  readonly arn: string;
  readonly tags: Tags;
  /** The region the hit was found through. */
  readonly region: string;
}

export const GONE = 'gone' as const;
export type Gone = typeof GONE;

/**
 * Everything about one resource type, in one file under `src/resources/`.
 * Handlers import SDK packages lazily (`await import(...)`) so that startup stays fast.
 */
export interface ResourceHandler {
  /** `service:type`, as in the ARN, e.g. `sagemaker:endpoint`. */
  readonly type: string;
  /** One line for `nova-cleanup types`. */
  readonly description: string;
  /** Which ARNs this handler owns. */
  readonly arnPattern: RegExp;
  /** Types whose resources this type may use (`Described.uses` points only at these). */
  readonly dependsOn: readonly string[];
  /** IAM actions that describe and delete need, checked with SimulatePrincipalPolicy before any delete. */
  readonly actions: readonly string[];
  /** The resource ARN an action is simulated against (default: the resource's own ARN). */
  simulationResource?(arn: string, action: string): string;
  /** IAM-style global type: listed once per run by `discover`, not per region. */
  readonly global?: boolean;
  /** For types the Tagging API does not return: list the tagged ones. */
  discover?(ctx: HandlerContext, filters: readonly TagFilter[], region: string): Promise<Hit[]>;
  /** A built-in refusal (service-linked roles, ...): a reason, or undefined when it may be deleted. */
  protect?(ref: ResourceRef): string | undefined;
  /** The name used in API calls, from the ARN. */
  nameOf(arn: string): string;
  /** Live configuration, tags and references; GONE when it no longer exists. */
  describe(ref: ResourceRef, ctx: HandlerContext): Promise<Described | Gone>;
  /** Live tags only: the re-check made just before the delete. GONE when it no longer exists. */
  currentTags(ref: ResourceRef, ctx: HandlerContext): Promise<Tags | Gone>;
  /** Deletes it, with any sub-resources it owns (object versions, policies, mappings). */
  delete(ref: ResourceRef, ctx: HandlerContext): Promise<void>;
  /** Resolves once the delete has completed; throws on timeout. Absent for synchronous deletes. */
  waitUntilGone?(ref: ResourceRef, ctx: HandlerContext): Promise<void>;
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
  return { client, maxWaitTime, minDelay, maxDelay, ...(ctx.signal ? { abortSignal: ctx.signal } : {}) };
}
