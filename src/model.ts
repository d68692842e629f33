/** Shared data shapes of one run. Pure types: importable from every folder. */

export type Tags = Record<string, string>;

/** One `--tag` option: a key, and the values that match (empty: any value, or none). */
export interface TagFilter {
  readonly key: string;
  readonly values: readonly string[];
}

/** A resource as the rest of the tool knows it: its identity, never its live state. */
export interface ResourceRef {
  readonly arn: string;
  /** Handler type id, e.g. `sagemaker:endpoint`. */
  readonly type: string;
  /** The region its API is called in (for S3: the bucket's home region). */
  readonly region: string;
  readonly account: string;
  readonly partition: string;
  /** Display / API name, taken from the ARN. */
  readonly name: string;
}

/** Final status of one resource in a run. `planned` only appears in a dry run. */
export type Status = 'deleted' | 'failed' | 'skipped' | 'gone' | 'unsupported' | 'planned';

export interface Outcome {
  readonly arn: string;
  readonly type: string;
  readonly region: string;
  readonly name: string;
  readonly status: Status;
  /** The AWS error (name and message) for `failed`. */
  readonly error?: string;
  /** Why, for `skipped`, `gone` and `unsupported`. */
  readonly reason?: string;
}

export interface Identity {
  readonly account: string;
  readonly arn: string;
  readonly userId: string;
}

export type SimulationResult =
  | { readonly status: 'allowed'; readonly checked: number }
  | { readonly status: 'denied'; readonly denied: readonly DeniedAction[] }
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
}

export interface Report {
  readonly version: 1;
  readonly dryRun: boolean;
  readonly account: string;
  readonly principal: string;
  readonly regions: readonly string[];
  readonly tagFilters: readonly TagFilter[];
  readonly backupPath?: string;
  readonly journalPath?: string;
  readonly interrupted: boolean;
  readonly summary: Summary;
  readonly resources: readonly Outcome[];
  readonly exitCode: number;
}
