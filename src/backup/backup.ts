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

/**
 * Writes the artifacts (exclusively, 0600, in a new 0700 folder) and then the backup document
 * (atomically, exclusively). Any failure is one line, exit 2: nothing has been deleted yet.
 */
export async function writeBackup(
  files: RunFiles,
  doc: Omit<BackupDocument, 'resources'>,
  resources: readonly (Omit<BackupEntry, 'artifacts'> & { readonly artifacts: readonly (Artifact | { readonly name: string; readonly error: string })[] })[],
  options: BackupOptions = {},
): Promise<BackupDocument> {
  try {
    return await withinDeadline(`the backup folder ${dirname(files.backup)}`, async () => {
      const entries: BackupEntry[] = [];
      let madeDir = false;
      let values = 0;
      for (const res of resources) {
        const redacted = options.redact ? redactConfig(res.type, res.config) : undefined;
        values += redacted?.redacted ?? 0;
        const r = redacted ? { ...res, config: redacted.config } : res;
        const saved: SavedArtifact[] = [];
        for (const a of r.artifacts) {
          if ('error' in a) {
            saved.push({ name: a.name, error: a.error });
            continue;
          }
          if (!madeDir) {
            await mkdir(files.files, { mode: 0o700 });
            madeDir = true;
          }
          // Unique per resource: the ARN's hash keeps two functions of one name in two regions apart.
          const id = createHash('sha256').update(r.arn).digest('hex').slice(0, 12);
          const path = join(files.files, `${safeName(r.type)}-${safeName(r.name)}-${id}-${safeName(a.name)}`);
          await writeExclusive(path, a.bytes);
          saved.push({ name: a.name, path: join(basename(files.files), basename(path)), sha256: a.sha256, bytes: a.bytes.byteLength });
        }
        entries.push({ ...r, artifacts: saved });
      }
      // The header first: whether the values were redacted is read before the configurations.
      const { plan, ...header } = doc;
      const full: BackupDocument = { ...header, redacted: options.redact ? { marker: REDACTED, values } : false, plan, resources: entries };
      await writeExclusive(files.backup, JSON.stringify(full, null, 2) + '\n');
      return full;
    });
  } catch (err) {
    if (err instanceof NovaError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new NovaError(`cannot write the backup ${files.backup}: ${e.code ?? e.message}; nothing was deleted`, 2, { cause: err });
  }
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
