import type { Report } from '../model.js';

export type Answer = 'yes' | 'no' | 'all' | 'quit';

export interface ResourceQuestion {
  readonly type: string;
  readonly name: string;
  readonly arn: string;
  readonly region: string;
  readonly index: number;
  readonly total: number;
}

/**
 * The only way the tool talks to a person. Three implementations: interactive (a terminal),
 * automatic (`--yes`, and dry runs, which ask nothing), and the tests' recording one.
 * Logs go to stderr; the plan and the report to stdout (with `--json`, stdout holds only the report).
 */
export interface Ui {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
  /** Progress of the deletes, one line each. */
  progress(line: string): void;
  plan(lines: readonly string[]): void;
  /** One question for the whole plan. */
  confirmPlan(question: string): Promise<boolean>;
  /** One question per resource (`--interactive`). */
  confirmResource(q: ResourceQuestion): Promise<Answer>;
  report(report: Report): void;
}
