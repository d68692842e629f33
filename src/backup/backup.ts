import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { NovaError } from '../errors.js';
import type { Tags } from '../model.js';
import type { PlanDocument } from '../plan/document.js';
import type { Artifact } from '../resources/handler.js';
import { withinDeadline, writeExclusive } from './files.js';
import { verifyPlan } from './plan-file.js';
import { REDACTED, redactConfig } from './redact.js';

export const BACKUP_FORMAT = 'nova-cleanup-backup';
export const BACKUP_VERSION = 2;

/** A file saved beside the backup (a Lambda deployment package), or why it could not be. */
export type SavedArtifact =
  | { readonly name: string; readonly path: string; readonly sha256: string; readonly bytes: number }
  | { readonly name: string; readonly error: string };

export interface BackupEntry {
  readonly arn: string;
  readonly type: string;
  readonly region: string;
  readonly name: string;
  readonly tags: Tags;
  /** Its configuration as read just before the first delete. */
  readonly config: Record<string, unknown>;
  readonly artifacts: readonly SavedArtifact[];
}

/**
 * The backup: the plan that was approved (what was meant), and each resource's configuration read just
 * before the first delete (what existed), with the files the backup keeps beside itself.
 */
export interface BackupDocument {
  readonly format: typeof BACKUP_FORMAT;
  readonly version: typeof BACKUP_VERSION;
  readonly runId: string;
  readonly createdAt: string;
  /**
   * `--redact`: the secret values of the configurations (src/backup/redact.ts) were replaced by `marker`,
   * so a re-creation needs them supplied by hand. Absent or false: they are as the services returned them.
   */
  readonly redacted?: false | { readonly marker: string; readonly values: number } | undefined;
  readonly plan: PlanDocument;
  readonly resources: readonly BackupEntry[];
}

/** How a backup is written: `redact` replaces the secret values of each configuration (`--redact`). */
export interface BackupOptions {
  readonly redact?: boolean | undefined;
}

/** Where one run's files go: the backup, its journal, and the folder of saved files. */
export interface RunFiles {
  readonly backup: string;
  readonly journal: string;
  readonly files: string;
}

export function runFiles(dir: string, account: string, runId: string, at: Date): RunFiles {
  const base = join(dir, `nova-cleanup-${account}-${at.toISOString().replace(/[:.]/g, '-')}-${runId.slice(0, 8)}`);
  return { backup: `${base}.json`, journal: `${base}.journal.ndjson`, files: `${base}.files` };
}

/** The journal path of a backup (and the other way round). */
export function journalOf(backupPath: string): string {
  return backupPath.replace(/\.json$/, '.journal.ndjson');
}
export function backupOf(journalPath: string): string {
  return journalPath.replace(/\.journal\.ndjson$/, '.json');
}

/** A file to keep beside the backup, already written (SavedArtifact), not yet written (Artifact), or why it could not be had. */
export type ArtifactToSave = Artifact | SavedArtifact;

/** The folder of one run's saved files, made (0700, new) when the first file is written. */
const folders = new WeakMap<RunFiles, Promise<void>>();

/**
 * Writes one resource's files (exclusively, 0600, in the run's new 0700 folder) as soon as they are
 * read, so that a run holds a few packages in memory, not all of them. A failure is one line, exit 2:
 * nothing has been deleted yet.
 */
export async function saveArtifacts(files: RunFiles, owner: { readonly arn: string; readonly type: string; readonly name: string }, artifacts: readonly ArtifactToSave[]): Promise<SavedArtifact[]> {
  try {
    return await withinDeadline(`the backup folder ${dirname(files.backup)}`, () => save(files, owner, artifacts));
  } catch (err) {
    throw backupError(files, err);
  }
}

async function save(files: RunFiles, owner: { readonly arn: string; readonly type: string; readonly name: string }, artifacts: readonly ArtifactToSave[]): Promise<SavedArtifact[]> {
  const saved: SavedArtifact[] = [];
  for (const a of artifacts) {
    if (!('bytes' in a) || !(a.bytes instanceof Uint8Array)) {
      saved.push(a as SavedArtifact);
      continue;
    }
    let made = folders.get(files);
    if (!made) {
      made = mkdir(files.files, { mode: 0o700 }).then(() => undefined);
      folders.set(files, made);
    }
    await made;
    // Unique per resource: the ARN's hash keeps two functions of one name in two regions apart.
    const id = createHash('sha256').update(owner.arn).digest('hex').slice(0, 12);
    const path = join(files.files, `${safeName(owner.type)}-${safeName(owner.name)}-${id}-${safeName(a.name)}`);
    await writeExclusive(path, a.bytes);
    saved.push({ name: a.name, path: join(basename(files.files), basename(path)), sha256: a.sha256, bytes: a.bytes.byteLength });
  }
  return saved;
}

/**
 * Writes the artifacts not yet written (see {@link saveArtifacts}) and then the backup document
 * (atomically, exclusively). Any failure is one line, exit 2: nothing has been deleted yet.
 */
export async function writeBackup(
  files: RunFiles,
  doc: Omit<BackupDocument, 'resources'>,
  resources: readonly (Omit<BackupEntry, 'artifacts'> & { readonly artifacts: readonly ArtifactToSave[] })[],
  options: BackupOptions = {},
): Promise<BackupDocument> {
  try {
    return await withinDeadline(`the backup folder ${dirname(files.backup)}`, async () => {
      const entries: BackupEntry[] = [];
      let values = 0;
      for (const res of resources) {
        const redacted = options.redact ? redactConfig(res.type, res.config) : undefined;
        values += redacted?.redacted ?? 0;
        const r = redacted ? { ...res, config: redacted.config } : res;
        entries.push({ ...r, artifacts: await save(files, r, r.artifacts) });
      }
      // The header first: whether the values were redacted is read before the configurations.
      const { plan, ...header } = doc;
      const full: BackupDocument = { ...header, redacted: options.redact ? { marker: REDACTED, values } : false, plan, resources: entries };
      await writeExclusive(files.backup, JSON.stringify(full, null, 2) + '\n');
      return full;
    });
  } catch (err) {
    throw backupError(files, err);
  }
}

function backupError(files: RunFiles, err: unknown): Error {
  if (err instanceof NovaError) return err;
  const e = err as NodeJS.ErrnoException;
  return new NovaError(`cannot write the backup ${files.backup}: ${e.code ?? e.message}; nothing was deleted`, 2, { cause: err });
}

const safeName = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100);

const backupSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  version: z.literal(BACKUP_VERSION),
  runId: z.string().min(1),
  createdAt: z.string(),
  redacted: z.union([z.literal(false), z.object({ marker: z.string(), values: z.number() })]).optional(),
  plan: z.unknown(),
  resources: z.array(z.object({ arn: z.string(), type: z.string(), region: z.string(), name: z.string() }).loose()),
});

/** Reads a backup for `resume`: its shape, and the plan inside it with its digest (exit 2 on any problem). */
export async function readBackup(path: string): Promise<BackupDocument> {
  let text: string;
  try {
    text = await withinDeadline(path, () => readFile(path, 'utf8'));
  } catch (err) {
    if (err instanceof NovaError) throw err;
    throw new NovaError(`cannot read the backup ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new NovaError(`${path} is not valid JSON (truncated or edited?): it cannot be resumed from`);
  }
  const parsed = backupSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new NovaError(`${path} is not a nova-cleanup backup (${issue ? `${issue.path.join('.') || 'document'}: ${issue.message}` : 'invalid'})`);
  }
  const plan = verifyPlan(parsed.data.plan, `the plan inside ${path}`);
  return { ...(parsed.data as unknown as BackupDocument), plan };
}
