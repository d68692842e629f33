import type { Outcome, Report } from '../model.js';
import type { PlanDocument } from '../plan/document.js';
import type { RestoreReport } from '../restore/report.js';

export type Answer = 'yes' | 'no' | 'all' | 'quit';

export interface ResourceQuestion {
  readonly type: string;
  readonly name: string;
  readonly arn: string;
  readonly region: string;
  readonly index: number;
  readonly total: number;
  /** What its delete removes with it, in words. */
  readonly removes: readonly string[];
  /** What will be done to it (default: delete). */
  readonly verb?: 'delete' | 'tag';
}

/** What the single confirmation shows before asking the user to type the account id (or alias). */
export interface ConfirmSummary {
  readonly account: string;
  readonly alias?: string | undefined;
  readonly regions: readonly string[];
  /** Per type, how many resources will be deleted. */
  readonly counts: readonly (readonly [string, number])[];
  readonly total: number;
  /** What the backup cannot bring back ("2,720 object versions of bucket x: data not in the backup"). */
  readonly lost: readonly string[];
  /** What will be done (default: delete). */
  readonly verb?: 'delete' | 'tag' | 'restore';
}

/** One resource `nova-cleanup tag` found by its name. */
export interface TagCandidate {
  readonly arn: string;
  readonly type: string;
  readonly region: string;
  readonly name: string;
  /** The prefix its name matched. */
  readonly prefix: string;
  status: 'planned' | 'already-tagged' | 'tagged' | 'declined' | 'gone' | 'failed';
  error?: string;
}

/** What `nova-cleanup tag` found and did (text, or one JSON document with --json). */
export interface TagReport {
  readonly version: 1;
  readonly tool: { readonly name: 'nova-cleanup'; readonly version: string };
  readonly command: 'tag';
  readonly dryRun: boolean;
  readonly phase: 'planned' | 'done';
  readonly account: string;
  readonly regions: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  readonly prefixes: readonly string[];
  readonly resources: readonly Omit<TagCandidate, never>[];
  readonly runId?: string;
  readonly journalPath?: string;
  readonly exitCode: number;
  /** When the process started (ISO 8601) and how long it ran until the report, as in every report. */
  readonly startedAt: string;
  readonly durationMs: number;
}

/** One resource in the progress of a run: what it is, and its layer in the plan (0 first), when it has one. */
export interface ProgressResource {
  readonly arn: string;
  readonly type: string;
  readonly name: string;
  readonly region: string;
  /** The plan's layer (0: nothing in the plan uses it); shown as `layer n+1`, as in the plan table. */
  readonly layer?: number | undefined;
}

/** How a resource ended: a report status (`deleted`, `failed`, `skipped`...), or `restored`. */
export type ProgressStatus = Outcome['status'] | 'restored';

/**
 * What the deletes (or a restore) are doing, as it happens: `begin` with every resource that will be
 * handled, then per resource `start`, its `step`s, a `waiting` (an asynchronous delete awaited, up to
 * its timeout), `counter`s of a long step, and `done`; then `end`, before the report.
 */
export type ProgressEvent =
  | { readonly kind: 'begin'; readonly verb: 'delete' | 'restore'; readonly resources: readonly ProgressResource[] }
  | { readonly kind: 'start'; readonly resource: ProgressResource }
  | { readonly kind: 'step'; readonly resource: ProgressResource; readonly step: string; readonly child?: string | undefined }
  | { readonly kind: 'waiting'; readonly resource: ProgressResource; readonly timeoutSeconds: number }
  | { readonly kind: 'counter'; readonly resource: ProgressResource; readonly unit: string; readonly done: number; readonly total: number; readonly final: boolean }
  | {
      readonly kind: 'done';
      readonly resource: ProgressResource;
      readonly status: ProgressStatus;
      readonly error?: string | undefined;
      readonly reason?: string | undefined;
      readonly removed?: readonly string[] | undefined;
    }
  | { readonly kind: 'end' };

/**
 * How much a run says on stderr: `quiet` (`--quiet`: errors, and the report's one-line summary; with
 * `--json` nothing but errors), `normal`, or `verbose` (`--verbose`: each resource's steps as they run).
 */
export type Verbosity = 'quiet' | 'normal' | 'verbose';

/**
 * The only way the tool talks to a person. Three implementations: interactive (a terminal),
 * automatic (`--yes`, and dry runs, which ask nothing), and the tests' recording one.
 * Logs go to stderr; the plan and the report to stdout (with `--json`, stdout holds only the report).
 */
export interface Ui {
  readonly verbosity: Verbosity;
  info(line: string): void;
  /** `--verbose` only: a detail of one resource's progress (each step of its delete as it starts). */
  detail(line: string): void;
  /** `--debug`: one line per AWS call attempt (stderr). */
  debug(line: string): void;
  warn(line: string): void;
  error(line: string): void;
  /**
   * Progress of the deletes (or of a restore). On a terminal: a status block redrawn in place; elsewhere
   * one timestamped line per event. Nothing with `--quiet`; each step only with `--verbose`.
   */
  progress(event: ProgressEvent): void;
  /**
   * The first Ctrl-C or SIGTERM (`again` false): says that it was taken, that nothing new starts, and
   * what is still running; the second (`again` true): that the process exits at once.
   */
  interrupted(signal: string, again: boolean): void;
  plan(doc: PlanDocument): void;
  /** One question for the whole plan: true only when the user typed the account id or alias. */
  confirmPlan(summary: ConfirmSummary): Promise<boolean>;
  /** One question per resource (`--interactive`). */
  confirmResource(q: ResourceQuestion): Promise<Answer>;
  report(report: Report): void;
  /** `nova-cleanup tag`: what was found by name, and what was tagged. */
  tagReport(report: TagReport): void;
  /** `nova-cleanup restore`: what was re-created, what exists already, and what cannot be brought back. */
  restoreReport(report: RestoreReport): void;
}
