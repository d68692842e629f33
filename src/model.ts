/** Shared data shapes of one run. Pure types: importable from every folder. */

export type Tags = Record<string, string>;

/** One `--tag` option: a key, and the values that match (empty: any value). */
export interface TagFilter {
  readonly key: string;
  readonly values: readonly string[];
}

/** A resource as the rest of the tool knows it: its identity, never its live state. */
export interface ResourceRef {
  readonly arn: string;
  /** Handler type id, e.g. `sagemaker:endpoint`. */
  readonly type: string;
  /** The region its API is called in (for S3: the bucket's home region; for IAM: the run's first region). */
  readonly region: string;
  readonly account: string;
  readonly partition: string;
  /** Display / API name, taken from the ARN. */
  readonly name: string;
}

/**
 * Final status of one resource in a run. `planned` only appears in a dry run and in `plan`; `blocked`
 * is a delete that cannot succeed yet (Object Lock, a commitment term) and is shown before anything starts.
 */
export type Status = 'deleted' | 'failed' | 'skipped' | 'gone' | 'unsupported' | 'planned' | 'blocked' | 'retained';

/**
 * The rule that decided a resource's fate. Every outcome names one, in the plan and in the report, so
 * that two runs on the same account state can be compared rule by rule.
 */
export type Rule =
  /** Matches the tags, is in scope, and nothing that stays uses it. */
  | 'delete'
  /** Its live tags (read from its own service) do not match the filter. */
  | 'tags-not-matching'
  /** Its type is excluded by --include-type / --exclude-type. */
  | 'type-excluded'
  /** It lives outside the run's --region (an S3 bucket's home region). */
  | 'outside-regions'
  /** Its type refuses it (service-linked role, ...). */
  | 'protected'
  /** The IAM role the run itself is using. */
  | 'caller-role'
  /** A resource that stays uses it. */
  | 'in-use'
  /** `--delete-owned-log-groups`: the log group of a resource that is deleted, tagged or not. */
  | 'owned-log-group'
  /** A CloudFormation stack or Service Catalog product owns it: it goes with its owner only. */
  | 'owned'
  /** A resource that could not be read, or of an unsupported type, may use it. */
  | 'held-back'
  /** IAM reports it was last used in a region this run did not examine. */
  | 'last-used-elsewhere'
  /** The user declined it (or something that uses it) at the prompt. */
  | 'declined'
  /** Its delete cannot succeed now (Object Lock, ...): shown before anything starts. */
  | 'blocked'
  /** AWS keeps it and has no delete for it (a finished job's record): nothing to do, never a failure. */
  | 'retained-by-aws'
  /** It no longer exists. */
  | 'gone'
  /** No handler knows its type; it is left alone and holds back what its service may use. */
  | 'unsupported'
  /** Reading it failed; it is left alone and holds back what its type may use. */
  | 'unreadable'
  /** `apply`/`resume`: its tags changed since the plan was made. */
  | 'changed-since-plan'
  /** Execution: a resource that uses it was not deleted, so it was not attempted. */
  | 'not-attempted'
  /** Execution: the run was interrupted before its turn. */
  | 'interrupted'
  /** Execution: its delete was attempted and failed. */
  | 'delete-failed';

export interface Outcome {
  readonly arn: string;
  readonly type: string;
  readonly region: string;
  readonly name: string;
  readonly status: Status;
  readonly rule: Rule;
  /** The AWS error (name and message) for `failed`. */
  readonly error?: string;
  /** Why, in words. */
  readonly reason?: string;
  /** What a failed or stopped delete had already removed (sub-resources, object versions). */
  readonly removed?: readonly string[];
  /** In the report, for a resource of the plan: its deletion layer (0 first: nothing in the plan uses it). */
  readonly layer?: number;
  /** In the report, for a resource of the plan: the ARNs it uses (of the types its handler declares). */
  readonly uses?: readonly string[];
  /** In the report, for `failed`: the error's code (`AccessDeniedException`, `TimeoutError`...), apart from `error`. */
  readonly errorCode?: string;
}

export interface Identity {
  readonly account: string;
  readonly arn: string;
  readonly userId: string;
}

export type SimulationResult =
  | { readonly status: 'allowed'; readonly checked: number; readonly calls: number }
  | { readonly status: 'denied'; readonly denied: readonly DeniedAction[]; readonly calls: number }
  | { readonly status: 'unavailable'; readonly reason: string }
  | { readonly status: 'not-needed' };

export interface DeniedAction {
  readonly type: string;
  readonly action: string;
  readonly resource: string;
  readonly decision: string;
}

export interface Summary {
  readonly deleted: number;
  readonly failed: number;
  readonly skipped: number;
  readonly gone: number;
  readonly unsupported: number;
  readonly planned: number;
  readonly blocked: number;
  readonly retained: number;
}

/** What a run sent to AWS, for the summary and the `--json` report. */
export interface CallTotals {
  /** Operations called (each counted once, whatever its retries). */
  readonly calls: number;
  /** Attempts beyond the first, made by the SDK's retry strategy. */
  readonly retries: number;
  /** Attempts the service answered with a throttling error. */
  readonly throttled: number;
  /** Calls per `service:Operation`, sorted by name. */
  readonly byOperation: Readonly<Record<string, number>>;
}

/**
 * What one resource costs by the hour, estimated from the price table in src/plan/prices.ts. `hourly`
 * is absent when its price is unknown (then `basis` says why); 0 for one that runs no instances now.
 */
export interface CostEstimate {
  /** USD per hour; absent: unknown. */
  readonly hourly?: number | undefined;
  /** What was priced, e.g. `ml.g5.2xlarge × 2 instances`, or why it is unknown. */
  readonly basis: string;
  /** The region whose price was used, when it is not the resource's own (`us-east-1`). */
  readonly priceRegion?: string | undefined;
}

/** The estimated hourly cost of a set of resources (a plan's items, or what a run deleted). */
export interface CostTotals {
  /** USD per hour, of the resources whose price is known. */
  readonly hourly: number;
  /** `hourly` × `hoursPerMonth`. */
  readonly monthly: number;
  readonly hoursPerMonth: number;
  /** Resources billed by the hour whose price is known (0 included). */
  readonly priced: number;
  /** Resources billed by the hour whose price is unknown. */
  readonly unknown: number;
  /** The price table's region, currency, terms and date. */
  readonly prices: { readonly region: string; readonly currency: string; readonly terms: string; readonly asOf: string };
}

export interface Report {
  readonly version: 2;
  readonly tool: { readonly name: 'nova-cleanup'; readonly version: string };
  readonly command: string;
  readonly runId?: string;
  readonly dryRun: boolean;
  readonly account: string;
  readonly principal: string;
  readonly regions: readonly string[];
  readonly tagFilters: readonly TagFilter[];
  readonly planPath?: string;
  readonly backupPath?: string;
  readonly journalPath?: string;
  readonly interrupted: boolean;
  readonly summary: Summary;
  /** The AWS calls the run made: per `service:Operation`, with the SDK's retries and the throttled attempts. */
  readonly calls?: CallTotals | undefined;
  /** What the resources it deleted (a dry run: would delete) cost by the hour, as far as they are priced. */
  readonly cost?: CostTotals | undefined;
  readonly resources: readonly Outcome[];
  readonly exitCode: number;
  /** When the process started (ISO 8601). */
  readonly startedAt: string;
  /** Milliseconds from then to the report. */
  readonly durationMs: number;
}

/** A stable code per kind of error that ends a run (README: JSON report). */
export type ErrorCode = 'usage' | 'input' | 'preflight' | 'guard' | 'permissions' | 'aborted' | 'failed' | 'unexpected';

/** What `--json` prints when a run ends with an error instead of a report (exit 1, 2 or 3). */
export interface ErrorReport {
  readonly version: 2;
  readonly tool: { readonly name: 'nova-cleanup'; readonly version: string };
  readonly command: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly exitCode: number;
  readonly error: { readonly code: ErrorCode; readonly message: string };
}
