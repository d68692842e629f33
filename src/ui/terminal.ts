import chalk, { Chalk } from 'chalk';
import type { Report } from '../model.js';
import type { PlanDocument } from '../plan/document.js';
import { renderRestoreReport, type RestoreReport } from '../restore/report.js';
import { renderPlan } from './render-plan.js';
import { renderReport, type Paint } from './render-report.js';
import type { Answer, ConfirmSummary, ResourceQuestion, TagReport, Ui } from './ui.js';

export interface Streams {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
}

/** Printing shared by the interactive and the automatic UI. */
abstract class TerminalUi implements Ui {
  protected readonly paint: Paint;
  protected readonly c: typeof chalk;

  constructor(
    protected readonly json: boolean,
    protected readonly streams: Streams = { out: process.stdout, err: process.stderr },
  ) {
    const tty = (streams.err as { isTTY?: boolean }).isTTY === true && !process.env.NO_COLOR;
    this.c = tty ? chalk : new Chalk({ level: 0 });
    const c = this.c;
    this.paint = {
      bold: (s) => c.bold(s),
      status: (st, s) =>
        st === 'failed' ? c.red(s) : st === 'deleted' ? c.green(s) : st === 'planned' || st === 'blocked' ? c.yellow(s) : c.dim(s),
    };
  }

  protected line(stream: NodeJS.WritableStream, s: string): void {
    stream.write(s + '\n');
  }
  info(s: string): void {
    this.line(this.streams.err, s);
  }
  debug(s: string): void {
    this.line(this.streams.err, this.c.dim(`debug: ${s}`));
  }
  warn(s: string): void {
    this.line(this.streams.err, this.c.yellow(`warning: ${s}`));
  }
  error(s: string): void {
    this.line(this.streams.err, this.c.red(`error: ${s}`));
  }
  progress(s: string): void {
    this.line(this.streams.err, this.c.dim(s));
  }
  plan(doc: PlanDocument): void {
    const to = this.json ? this.streams.err : this.streams.out;
    for (const l of renderPlan(doc)) this.line(to, l);
  }
  report(r: Report): void {
    if (this.json) this.line(this.streams.out, JSON.stringify(r, null, 2));
    else for (const l of renderReport(r, this.paint)) this.line(this.streams.out, l);
  }
  tagReport(r: TagReport): void {
    if (this.json) {
      if (r.phase === 'done' || r.dryRun) this.line(this.streams.out, JSON.stringify(r, null, 2));
      return;
    }
    for (const l of renderTagReport(r)) this.line(this.streams.out, l);
  }
  restoreReport(r: RestoreReport): void {
    if (this.json) this.line(this.streams.out, JSON.stringify(r, null, 2));
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
  async confirmPlan(s: ConfirmSummary): Promise<boolean> {
    const { input } = await import('@inquirer/prompts');
    for (const l of confirmLines(s)) this.line(this.streams.err, l);
    const answer = await input(
      { message: `Type the account id${s.alias ? ' (or its alias)' : ''} to confirm, or anything else to stop:` },
      { output: this.streams.err },
    );
    return confirmAccepted(s, answer);
  }

  async confirmResource(q: ResourceQuestion): Promise<Answer> {
    const { select } = await import('@inquirer/prompts');
    const removes = q.removes.length ? ` (with ${q.removes.join('; ')})` : '';
    return select<Answer>(
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
    );
  }
}
