import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { TagFilter, Tags } from '../model.js';

export interface BackupEntry {
  readonly arn: string;
  readonly type: string;
  readonly region: string;
  readonly name: string;
  readonly tags: Tags;
  readonly config: Record<string, unknown>;
}

export interface BackupDocument {
  readonly format: 'nova-cleanup-backup';
  readonly version: 1;
  readonly createdAt: string;
  readonly account: string;
  readonly principal: string;
  readonly regions: readonly string[];
  readonly tagFilters: readonly TagFilter[];
  readonly resources: readonly BackupEntry[];
}

const FILE_MODE = 0o600;

export function backupFileName(account: string, at: Date): string {
  return `nova-cleanup-${account}-${at.toISOString().replace(/[:.]/g, '-')}.json`;
}

/**
 * Writes the backup atomically: a temporary file in the same folder (mode 0600, fsynced), then a
 * rename, so a reader sees either nothing or the whole document. Returns its path.
 */
export async function writeBackup(dir: string, doc: BackupDocument, at = new Date()): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, backupFileName(doc.account, at));
  const tmp = `${path}.${process.pid}.tmp`;
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'wx', FILE_MODE);
    await fh.writeFile(JSON.stringify(doc, null, 2) + '\n', 'utf8');
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  return path;
}

/** Append-only NDJSON record of each delete as it happens, beside the backup (mode 0600). */
export class Journal {
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  static async open(path: string): Promise<Journal> {
    return new Journal(path, await open(path, 'a', FILE_MODE));
  }

  /** Resolves once the line is written and flushed to disk. */
  append(event: Record<string, unknown>): Promise<void> {
    const line = JSON.stringify({ at: new Date().toISOString(), ...event }) + '\n';
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
