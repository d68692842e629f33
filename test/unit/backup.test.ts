import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal, backupFileName, writeBackup, type BackupDocument } from '../../src/backup/backup.js';

const AT = new Date('2024-05-06T07:08:09.123Z');
const doc: BackupDocument = {
  format: 'nova-cleanup-backup',
  version: 1,
  createdAt: AT.toISOString(),
  account: '123456789012',
  principal: 'arn:aws:iam::123456789012:user/alice',
  regions: ['us-east-1'],
  tagFilters: [{ key: 'project', values: ['nova'] }],
  resources: [
    { arn: 'arn:aws:s3:::nova-data', type: 's3:bucket', region: 'eu-west-1', name: 'nova-data', tags: { project: 'nova' }, config: { Versioning: 'Enabled' } },
  ],
};
const mode = async (path: string) => (await stat(path)).mode & 0o777;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'nova-backup-test-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('backupFileName', () => {
  it('names the account and a file-safe timestamp', () => {
    expect(backupFileName('123456789012', AT)).toBe('nova-cleanup-123456789012-2024-05-06T07-08-09-123Z.json');
  });
});

describe('writeBackup', () => {
  it('creates the folder and writes the whole document, readable by the owner only', async () => {
    const dir = join(root, 'nested', 'backups');
    const path = await writeBackup(dir, doc, AT);

    expect(path).toBe(join(dir, 'nova-cleanup-123456789012-2024-05-06T07-08-09-123Z.json'));
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(doc);
    expect(await mode(path)).toBe(0o600);
    expect(await mode(dir)).toBe(0o700);
    expect(await readdir(dir)).toEqual([backupFileName(doc.account, AT)]);
  });

  it('writes into an existing folder, one file per run', async () => {
    await writeBackup(root, doc, AT);
    await writeBackup(root, doc, new Date(AT.getTime() + 1000));
    const files = (await readdir(root)).sort();
    expect(files).toHaveLength(2);
    expect(files.every((f) => f.endsWith('.json'))).toBe(true);
  });

  it('throws when the folder is a file, and creates nothing', async () => {
    const notADir = join(root, 'backups');
    await writeFile(notADir, 'I am a file');
    await expect(writeBackup(notADir, doc, AT)).rejects.toThrow(/EEXIST|ENOTDIR/);
    expect(await readdir(root)).toEqual(['backups']);
    expect(await readFile(notADir, 'utf8')).toBe('I am a file');
  });

  it('removes its temporary file when the final rename fails', async () => {
    // A directory where the backup file should go makes the rename fail after the temp file was written.
    await mkdir(join(root, backupFileName(doc.account, AT)));
    await expect(writeBackup(root, doc, AT)).rejects.toThrow();
    expect(await readdir(root)).toEqual([backupFileName(doc.account, AT)]);
    expect((await readdir(root)).some((f) => f.endsWith('.tmp'))).toBe(false);
  });
});

describe('Journal', () => {
  it('appends one JSON line per event, in order, with a timestamp, mode 0600', async () => {
    const path = join(root, 'run.journal.ndjson');
    const journal = await Journal.open(path);
    expect(journal.path).toBe(path);
    await journal.append({ event: 'deleting', arn: 'arn:aws:s3:::a' });
    await journal.append({ event: 'deleted', arn: 'arn:aws:s3:::a' });
    await journal.append({ event: 'failed', arn: 'arn:aws:s3:::b', error: 'AccessDenied: no' });
    await journal.close();

    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.at(-1)).toBe('');
    const events = lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map(({ at: _at, ...rest }) => rest)).toEqual([
      { event: 'deleting', arn: 'arn:aws:s3:::a' },
      { event: 'deleted', arn: 'arn:aws:s3:::a' },
      { event: 'failed', arn: 'arn:aws:s3:::b', error: 'AccessDenied: no' },
    ]);
    for (const e of events) expect(new Date(String(e.at)).toISOString()).toBe(e.at);
    expect(await mode(path)).toBe(0o600);
  });

  it('keeps the order of appends made without waiting', async () => {
    const path = join(root, 'j.ndjson');
    const journal = await Journal.open(path);
    await Promise.all(Array.from({ length: 20 }, (_, n) => journal.append({ n })));
    await journal.close();
    const ns = (await readFile(path, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { n: number }).n);
    expect(ns).toEqual(Array.from({ length: 20 }, (_, n) => n));
  });

  it('appends to an existing journal rather than replacing it', async () => {
    const path = join(root, 'j.ndjson');
    await writeFile(path, '{"event":"earlier"}\n', { mode: 0o600 });
    const journal = await Journal.open(path);
    await journal.append({ event: 'later' });
    await journal.close();
    expect((await readFile(path, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(['earlier', 'later']);
  });
});
