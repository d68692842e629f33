import type { FileHandle } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { NovaError } from '../errors.js';
import { createExclusive, openForAppend, withinDeadline } from './files.js';

/** What the journal records. Every event carries the run id; item events name the item, its type and the step. */
export type JournalEvent =
  | { readonly event: 'run-started' | 'resumed'; readonly command: string; readonly items: number }
  | { readonly event: 'run-ended'; readonly exitCode: number; readonly interrupted: boolean }
  | {
      readonly event: 'step-started' | 'step-done';
      readonly arn: string;
      readonly type: string;
      readonly step: string;
      readonly child?: { readonly kind: string; readonly id: string } | undefined;
    }
  | { readonly event: 'deleted' | 'gone'; readonly arn: string; readonly type: string; readonly step: 'delete' }
  | { readonly event: 'failed' | 'stopped'; readonly arn: string; readonly type: string; readonly step: string; readonly error: string }
  | { readonly event: 'tagged'; readonly arn: string; readonly type: string; readonly step: 'tag'; readonly tags: Readonly<Record<string, string>> };

export type JournalLine = JournalEvent & { readonly at: string; readonly runId: string };

/** Where the executor writes each step as it happens (the journal, or nothing in tests). */
export interface JournalSink {
  append(event: JournalEvent): Promise<void>;
  /** Where it is written, to name in the next step a report gives (`resume <journal>`). */
  readonly path?: string | undefined;
}

/**
 * Append-only NDJSON record of one run, beside its backup (mode 0600). Each line is flushed to disk
 * before the step it announces is sent, so that after a crash `resume` knows what may have happened.
 */
export class Journal implements JournalSink {
  /** The flush under way (or the last one): close() waits for it. */
  private chain: Promise<void> = Promise.resolve();
  private readonly pending: { readonly line: string; resolve(): void; reject(err: unknown): void }[] = [];
  private flushing = false;

  private constructor(
    readonly path: string,
    readonly runId: string,
    private readonly fh: FileHandle,
  ) {}

  /** A new journal: the name must not exist (never overwritten), and is never a symlink. */
  static async create(path: string, runId: string): Promise<Journal> {
    try {
      return new Journal(path, runId, await withinDeadline(path, () => createExclusive(path, { append: true })));
    } catch (err) {
      if (err instanceof NovaError) throw err;
      throw new NovaError(`cannot create the journal ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; nothing was deleted`);
    }
  }

  /** An existing journal, appended to by `resume` under the same run id. */
  static async reopen(path: string, runId: string): Promise<Journal> {
    try {
      const fh = await withinDeadline(path, () => openForAppend(path));
      // A line cut short by a kill is dropped, so that the next event starts on a line of its own.
      const text = await readFile(path, 'utf8');
      const end = text.lastIndexOf('\n') + 1;
      if (end < Buffer.byteLength(text)) await fh.truncate(Buffer.byteLength(text.slice(0, end)));
      return new Journal(path, runId, fh);
    } catch (err) {
      if (err instanceof NovaError) throw err;
      throw new NovaError(`cannot open the journal ${path} to append to it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }

  /**
   * Resolves once the line is written and flushed to disk. Lines that arrive while a flush is under way
   * go to disk together in the next one (one write and one sync for all of them), in order: concurrent
   * deletes wait for one sync, not for a queue of them.
   */
  append(event: JournalEvent): Promise<void> {
    const line = JSON.stringify({ at: new Date().toISOString(), runId: this.runId, ...event }) + '\n';
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ line, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        this.chain = this.flush();
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      try {
        await this.fh.write(batch.map((b) => b.line).join(''));
        await this.fh.datasync();
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.flushing = false;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.fh.close();
  }
}

const runLine = { at: z.string(), runId: z.string().min(1) };
/** An item event names its item, the item's type and the step, always (a line without them is not one of ours). */
const itemLine = { ...runLine, arn: z.string().min(1), type: z.string().min(1), step: z.string().min(1) };
const lineSchema = z.discriminatedUnion('event', [
  z.looseObject({ ...runLine, event: z.enum(['run-started', 'resumed', 'run-ended']) }),
  z.looseObject({ ...itemLine, event: z.enum(['step-started', 'step-done', 'deleted', 'gone', 'failed', 'stopped', 'tagged']) }),
]);

/** What a journal says happened to each item. */
export interface JournalState {
  readonly runId: string;
  /** ARNs journalled as deleted (or gone) by the run. */
  readonly deleted: ReadonlySet<string>;
  /** ARNs with a step started and no end: a call may have been sent and not answered. */
  readonly inFlight: ReadonlySet<string>;
  readonly lines: number;
  /** A last line cut short (the process was killed while writing it), ignored. */
  readonly truncatedTail: boolean;
}

/** Reads a journal for `resume`. A line that is not a journal event is one clear error (exit 2); a cut-off last line is not. */
export async function readJournal(path: string): Promise<JournalState> {
  let text: string;
  try {
    text = await withinDeadline(path, () => readFile(path, 'utf8'));
  } catch (err) {
    if (err instanceof NovaError) throw err;
    throw new NovaError(`cannot read the journal ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const raw = text.split('\n');
  const truncatedTail = raw.length > 0 && raw[raw.length - 1] !== '';
  const lines = truncatedTail ? raw.slice(0, -1) : raw.slice(0, -1);
  const deleted = new Set<string>();
  const open = new Map<string, number>();
  let runId: string | undefined;
  lines.forEach((l, i) => {
    let parsed;
    try {
      parsed = lineSchema.safeParse(JSON.parse(l));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) throw new NovaError(`${path} line ${i + 1} is not a journal event (the journal is corrupted); it cannot be resumed from: run the cleanup again instead (it finds what is left)`);
    const e = parsed.data;
    if (runId === undefined) runId = e.runId;
    else if (e.runId !== runId) throw new NovaError(`${path} line ${i + 1} belongs to another run (${e.runId}, not ${runId}); the journal is corrupted: run the cleanup again instead (it finds what is left)`);
    if (!('arn' in e) || typeof e.arn !== 'string') return;
    if (e.event === 'step-started') open.set(e.arn, (open.get(e.arn) ?? 0) + 1);
    if (e.event === 'step-done' || e.event === 'failed' || e.event === 'stopped') open.set(e.arn, Math.max(0, (open.get(e.arn) ?? 0) - 1));
    if (e.event === 'deleted' || e.event === 'gone') {
      deleted.add(e.arn);
      open.delete(e.arn);
    }
  });
  if (!runId) throw new NovaError(`${path} holds no journal event; nothing to resume`);
  return { runId, deleted, inFlight: new Set([...open].filter(([, n]) => n > 0).map(([a]) => a)), lines: lines.length, truncatedTail };
}
