import { Chalk, type ChalkInstance } from 'chalk';
import type { Report } from '../model.js';
import type { PlanDocument } from '../plan/document.js';
import { renderRestoreReport, type RestoreReport } from '../restore/report.js';
import { colorLevel } from './color.js';
import { blockLines, doneText, interruptLine, LiveBlock, plainLine, ProgressState, type CounterMemo } from './progress.js';
import { renderPlan } from './render-plan.js';
import { renderReport, type Paint } from './render-report.js';
import type { Answer, ConfirmSummary, ProgressEvent, ResourceQuestion, TagCandidate, TagReport, Ui, Verbosity } from './ui.js';

export interface Streams {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
}

export interface UiOptions {
  /** `--quiet` / `--verbose` (default normal). */
  readonly verbosity?: Verbosity | undefined;
  /** `--color` (true) / `--no-color` (false); undefined: FORCE_COLOR, NO_COLOR, then whether the stream is a terminal. */
  readonly color?: boolean | undefined;
  /** The environment colour is decided from (default process.env). */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Draw the progress as a live block (default: when stderr is a terminal and TERM is not `dumb`). */
  readonly live?: boolean | undefined;
}

const isTTY = (s: NodeJS.WritableStream): boolean => (s as { isTTY?: boolean }).isTTY === true;

/** Printing shared by the interactive and the automatic UI. */
abstract class TerminalUi implements Ui {
  protected readonly paint: Paint;
  /** Colours for stderr (logs, prompts); `paint` colours stdout (the report), each by its own stream. */
  protected readonly c: ChalkInstance;
  readonly verbosity: Verbosity;
  /** JSON documents printed on stdout (cli.ts prints an error document with --json only when none was). */
  documents = 0;
  /** The progress so far, from the events; shown live on a terminal, as timestamped lines elsewhere. */
  protected readonly progressState = new ProgressState();
  private readonly liveProgress: boolean;
  /** The status block, while the deletes run on a terminal. */
  protected block: LiveBlock | undefined;
  private readonly counterMemo: CounterMemo = new Map();

  constructor(
    protected readonly json: boolean,
    protected readonly streams: Streams = { out: process.stdout, err: process.stderr },
    options: UiOptions = {},
  ) {
    this.verbosity = options.verbosity ?? 'normal';
    const env = options.env ?? process.env;
    this.liveProgress = options.live ?? (isTTY(streams.err) && env.TERM !== 'dumb');
    this.c = new Chalk({ level: colorLevel({ flag: options.color, env, isTTY: isTTY(streams.err) }) });
    const o = new Chalk({ level: colorLevel({ flag: options.color, env, isTTY: isTTY(streams.out) }) });
    this.paint = {
      bold: (s) => o.bold(s),
      status: (st, s) =>
        st === 'failed' ? o.red(s) : st === 'deleted' ? o.green(s) : st === 'planned' || st === 'blocked' ? o.yellow(s) : o.dim(s),
    };
  }

  private get quiet(): boolean {
    return this.verbosity === 'quiet';
  }
  /** Every line goes through here: with the status block shown, it is cleared first and redrawn after. */
  protected line(stream: NodeJS.WritableStream, s: string): void {
    if (this.block) this.block.above(() => stream.write(s + '\n'));
    else stream.write(s + '\n');
  }
  private document(doc: unknown): void {
    this.documents += 1;
    this.line(this.streams.out, JSON.stringify(doc, null, 2));
  }
  /** --quiet's text report: its one summary line. */
  private summaryOnly(lines: readonly string[]): void {
    const summary = lines.find((l) => l.startsWith('Summary:'));
    if (summary) this.line(this.streams.out, summary);
  }
  info(s: string): void {
    if (!this.quiet) this.line(this.streams.err, s);
  }
  detail(s: string): void {
    if (this.verbosity === 'verbose') this.line(this.streams.err, this.c.dim(s));
  }
  debug(s: string): void {
    this.line(this.streams.err, this.c.dim(`debug: ${s}`));
  }
  warn(s: string): void {
    if (!this.quiet) this.line(this.streams.err, this.c.yellow(`warning: ${s}`));
  }
  error(s: string): void {
    this.line(this.streams.err, this.c.red(`error: ${s}`));
  }
  progress(e: ProgressEvent): void {
    const now = Date.now();
    this.progressState.apply(e, now);
    if (this.quiet) return;
    if (!this.liveProgress) {
      const text = plainLine(e, this.progressState, this.verbosity, now, this.counterMemo);
      // No colour and no control character: a log line, one per event, as a CI job keeps it.
      if (text !== undefined) this.streams.err.write(`${new Date(now).toISOString()} ${text}\n`);
      return;
    }
    if (e.kind === 'begin') {
      const width = () => (this.streams.err as { columns?: number }).columns ?? 80;
      this.block = new LiveBlock(this.streams.err, (t) => blockLines(this.progressState, t, width()).map((l, i) => (i === 0 ? l : this.c.dim(l))));
      this.block.start();
      return;
    }
    if (e.kind === 'end') {
      this.block?.stop();
      this.block = undefined;
      return;
    }
    // Above the block, for good: each failure as it happens; with --verbose every step and every end.
    if (e.kind === 'done' && e.status === 'failed') this.line(this.streams.err, this.c.red(doneText(e)));
    else if (this.verbosity === 'verbose' && (e.kind === 'done' || e.kind === 'step')) {
      const text = plainLine(e, this.progressState, this.verbosity, now, this.counterMemo);
      if (text !== undefined) this.line(this.streams.err, this.c.dim(text));
    } else this.block?.request();
  }
  interrupted(signal: string, again: boolean): void {
    const now = Date.now();
    const text = interruptLine(this.progressState, signal, again, now);
    if (again) {
      // The process exits at once: the block must not be drawn again below the line.
      this.block?.stop();
      this.block = undefined;
    }
    if (!this.liveProgress) this.streams.err.write(`${new Date(now).toISOString()} ${text}\n`);
    // The terminal echoed ^C where the cursor was: start on a line of its own.
    else if (this.block) this.line(this.streams.err, this.c.yellow(text));
    else this.streams.err.write(`\n${this.c.yellow(text)}\n`);
  }
  plan(doc: PlanDocument): void {
    if (this.quiet) return;
    const to = this.json ? this.streams.err : this.streams.out;
    for (const l of renderPlan(doc)) this.line(to, l);
  }
  report(r: Report): void {
    if (this.json) this.document(r);
    else if (this.quiet) this.summaryOnly(renderReport(r));
    else for (const l of renderReport(r, this.paint)) this.line(this.streams.out, l);
  }
  tagReport(r: TagReport): void {
    if (this.json) {
      if (r.phase === 'done' || r.dryRun) this.document(r);
      return;
    }
    if (this.quiet) {
      if (r.phase === 'done' || r.dryRun) this.summaryOnly(renderTagReport(r));
      return;
    }
    for (const l of renderTagReport(r)) this.line(this.streams.out, l);
  }
  restoreReport(r: RestoreReport): void {
    if (this.json) this.document(r);
    else if (this.quiet) this.summaryOnly(renderRestoreReport(r));
    else for (const l of renderRestoreReport(r)) this.line(this.streams.out, l);
  }
  abstract confirmPlan(summary: ConfirmSummary): Promise<boolean>;
  abstract confirmResource(q: ResourceQuestion): Promise<Answer>;
}

/** `--yes`, and dry runs: never asks, always proceeds. */
export class AutoUi extends TerminalUi {
  confirmPlan(): Promise<boolean> {
    return Promise.resolve(true);
  }
  confirmResource(): Promise<Answer> {
    return Promise.resolve('yes');
  }
}

/** The `tag` command's table: each resource found by name, what it matched, and what happened. Pure. */
export function renderTagReport(r: TagReport): string[] {
  const tags = Object.entries(r.tags).map(([k, v]) => `${k}=${v}`).join(', ');
  const lines = ['', r.phase === 'done' ? `Tagged with ${tags}:` : `Found by name (would be tagged with ${tags}${r.dryRun ? '; dry run: nothing is changed' : ''}):`];
  if (r.resources.length === 0) lines.push('  nothing matched the prefixes');
  for (const c of r.resources) lines.push(`  ${c.status.padEnd(14)} ${c.type.padEnd(28)} ${c.name}  (${c.region}, prefix ${c.prefix})${c.error ? `  ${c.error}` : ''}`);
  if (r.journalPath) lines.push('', `Journal: ${r.journalPath}`);
  const n = (st: TagCandidate['status']) => r.resources.filter((c) => c.status === st).length;
  lines.push(
    '',
    r.phase === 'done'
      ? `Summary: ${n('tagged')} tagged, ${n('already-tagged')} already tagged, ${n('declined')} declined, ${n('gone')} gone, ${n('failed')} failed; exit code ${r.exitCode}`
      : `Summary: ${n('planned')} would be tagged, ${n('already-tagged')} already tagged, ${n('gone')} gone, ${n('failed')} failed; exit code ${r.exitCode}`,
  );
  return lines;
}

/** The lines the single confirmation shows before its question. Pure. */
export function confirmLines(s: ConfirmSummary): string[] {
  const lines = [
    '',
    `About to ${s.verb ?? 'delete'} ${s.total} resource${s.total === 1 ? '' : 's'} in account ${s.account}${s.alias ? ` (${s.alias})` : ''}, regions ${s.regions.join(', ')}:`,
    ...s.counts.map(([t, n]) => `  ${String(n).padStart(5)}  ${t}`),
  ];
  if (s.lost.length) lines.push('Not in the backup, gone for good:', ...s.lost.map((l) => `  - ${l}`));
  if ((s.verb ?? 'delete') === 'delete') lines.push('A backup of every configuration is written first.');
  return lines;
}

/** True when what the user typed is the account id or its alias (surrounding spaces ignored). Pure. */
export function confirmAccepted(s: Pick<ConfirmSummary, 'account' | 'alias'>, typed: string): boolean {
  const t = typed.trim();
  return t === s.account || (s.alias !== undefined && s.alias !== '' && t === s.alias);
}

/** A person at a terminal: prompts on stderr (stdout may be a pipe for --json). */
export class InteractiveUi extends TerminalUi {
  /** A question never shares the screen with the status block: it is taken off while the question is asked. */
  private async asking<T>(ask: () => Promise<T>): Promise<T> {
    this.block?.pause();
    try {
      return await ask();
    } finally {
      this.block?.resume();
    }
  }

  async confirmPlan(s: ConfirmSummary): Promise<boolean> {
    const { input } = await import('@inquirer/prompts');
    for (const l of confirmLines(s)) this.line(this.streams.err, l);
    const answer = await this.asking(() =>
      input({ message: `Type the account id${s.alias ? ' (or its alias)' : ''} to confirm, or anything else to stop:` }, { output: this.streams.err }),
    );
    return confirmAccepted(s, answer);
  }

  async confirmResource(q: ResourceQuestion): Promise<Answer> {
    const { select } = await import('@inquirer/prompts');
    const removes = q.removes.length ? ` (with ${q.removes.join('; ')})` : '';
    return this.asking(() => select<Answer>(
      {
        message: `[${q.index}/${q.total}] ${q.verb ?? 'delete'} ${q.type} ${q.name} (${q.region})${removes}?`,
        choices: [
          { name: 'yes', value: 'yes', description: q.arn },
          { name: 'no, keep it', value: 'no' },
          { name: 'all remaining', value: 'all' },
          { name: `quit (${q.verb ?? 'delete'} nothing)`, value: 'quit' },
        ],
        default: 'no',
      },
      { output: this.streams.err },
    ));
  }
}
