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
}

/**
 * Append-only NDJSON record of one run, beside its backup (mode 0600). Each line is flushed to disk
 * before the step it announces is sent, so that after a crash `resume` knows what may have happened.
 */
export class Journal implements JournalSink {
  private chain: Promise<void> = Promise.resolve();

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

  /** Resolves once the line is written and flushed to disk. */
  append(event: JournalEvent): Promise<void> {
    const line = JSON.stringify({ at: new Date().toISOString(), runId: this.runId, ...event }) + '\n';
    const next = this.chain.then(async () => {
      await this.fh.write(line);
      await this.fh.datasync();
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.fh.close();
  }
}

const lineSchema = z
  .object({
    at: z.string(),
    runId: z.string().min(1),
    event: z.enum(['run-started', 'resumed', 'run-ended', 'step-started', 'step-done', 'deleted', 'gone', 'failed', 'stopped', 'tagged']),
    arn: z.string().optional(),
    type: z.string().optional(),
    step: z.string().optional(),
  })
  .loose();

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
    if (!parsed?.success) throw new NovaError(`${path} line ${i + 1} is not a journal event (the journal is corrupted); it cannot be resumed from`);
    const e = parsed.data;
    if (runId === undefined) runId = e.runId;
    else if (e.runId !== runId) throw new NovaError(`${path} line ${i + 1} belongs to another run (${e.runId}, not ${runId}); the journal is corrupted`);
    if (!e.arn) return;
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
