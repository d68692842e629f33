import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, mkdir, open, statfs, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { NovaError } from '../errors.js';

export const FILE_MODE = 0o600;
const { O_CREAT, O_EXCL, O_WRONLY, O_APPEND, O_NOFOLLOW } = constants;

/** Filesystems that are not storage: a backup there is lost or hangs. */
const PSEUDO_FS: Readonly<Record<number, string>> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x64626720: 'debugfs',
  0x1cd1: 'devpts',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x73636673: 'securityfs',
  0xcafe4a11: 'bpf',
  0x74726163: 'tracefs',
};

/** How long a filesystem gets to answer before the run gives up on it (a hung mount never answers). */
export const FS_TIMEOUT_MS = 10_000;

/** Runs a filesystem step; one that has not answered within FS_TIMEOUT_MS fails the run (exit 2). */
export async function withinDeadline<T>(what: string, step: () => Promise<T>, ms = FS_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NovaError(`${what} did not answer within ${ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`} (a hung filesystem?); nothing was deleted`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([step(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Makes sure `dir` is a safe place for backups, creating it (mode 0700) if needed: a real directory (not
 * a symlink, not a file), owned by this user, that neither group nor others can write to, on a real
 * filesystem. Any failure is one line, exit 2, before anything is changed.
 */
export async function prepareFolder(dir: string, flag = '--backup-dir'): Promise<void> {
  await withinDeadline(`${flag} ${dir}`, async () => {
    let st;
    try {
      st = await lstat(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new NovaError(`${flag} ${dir}: cannot be used (${code ?? (err as Error).message}${code === 'ENOTDIR' ? ': a part of the path is a file' : ''}); choose a folder you can write to`);
      // Never mkdir inside a pseudo filesystem (recursive mkdir on /proc spins forever).
      await refusePseudo(await nearestExisting(dir), flag, dir);
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
      } catch (e) {
        throw new NovaError(`${flag} ${dir}: cannot create it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); choose a folder you can write to`);
      }
      st = await lstat(dir);
    }
    if (st.isSymbolicLink()) throw new NovaError(`${flag} ${dir} is a symbolic link; give the real folder (links are never followed)`);
    if (!st.isDirectory()) throw new NovaError(`${flag} ${dir} is ${st.isFile() ? 'a file, ' : ''}not a folder; give a folder (one that does not exist is created)`);
    await refusePseudo(dir, flag, dir);
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) throw new NovaError(`${flag} ${dir} belongs to another user (uid ${st.uid}); choose a folder of your own`);
    if ((st.mode & 0o022) !== 0) {
      throw new NovaError(`${flag} ${dir} can be written by others (mode ${(st.mode & 0o777).toString(8)}); choose a folder only you can write to, or chmod go-w it`);
    }
    // Writable by us? Try it: a read-only folder must fail here, not after the first delete.
    const probe = `${dir}/.nova-cleanup-probe-${process.pid}-${Date.now()}`;
    try {
      const fh = await open(probe, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW, FILE_MODE);
      await fh.close();
      await unlink(probe);
    } catch (e) {
      throw new NovaError(`${flag} ${dir}: cannot write in it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); choose a folder you can write to`);
    }
  });
}

async function refusePseudo(path: string, flag: string, dir: string): Promise<void> {
  const fs = await statfs(path);
  const pseudo = PSEUDO_FS[Number(fs.type)];
  if (pseudo) throw new NovaError(`${flag} ${dir} is on a ${pseudo} filesystem, which cannot hold a backup; choose a folder on a disk`);
}

/** The closest ancestor of `path` that exists. */
async function nearestExisting(path: string): Promise<string> {
  let p = resolve(path);
  for (;;) {
    try {
      await lstat(p);
      return p;
    } catch {
      const up = dirname(p);
      if (up === p) return p;
      p = up;
    }
  }
}

/** Opens a new file for writing: fails when the name exists (never overwritten) or is a symlink (never followed). */
export function createExclusive(path: string, { append = false } = {}): Promise<FileHandle> {
  return open(path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | (append ? O_APPEND : 0), FILE_MODE);
}

/** Opens an existing file to append to it (resume), never through a symlink. */
export function openForAppend(path: string): Promise<FileHandle> {
  return open(path, O_WRONLY | O_APPEND | O_NOFOLLOW);
}

/**
 * Writes a whole file atomically and exclusively: a temporary file in the same folder (0600, fsynced),
 * then a hard link to the final name, which fails if that name exists. A reader sees nothing or all.
 */
export async function writeExclusive(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${randomUUID().slice(0, 8)}.tmp`;
  let fh: FileHandle | undefined;
  let created = false;
  try {
    fh = await createExclusive(tmp);
    created = true;
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await link(tmp, path);
  } finally {
    await fh?.close().catch(() => undefined);
    if (created) await unlink(tmp).catch(() => undefined);
  }
}
