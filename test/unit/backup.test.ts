import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupOf, journalOf, readBackup, runFiles, saveArtifacts, writeBackup, type BackupDocument } from '../../src/backup/backup.js';
import { createExclusive, FILE_MODE, prepareFolder, withinDeadline, writeExclusive } from '../../src/backup/files.js';
import { Journal, readJournal } from '../../src/backup/journal.js';
import { digestOf, readPlanFile, sealPlan, verifyPlan, writePlanFile } from '../../src/backup/plan-file.js';
import { NovaError } from '../../src/errors.js';
import type { ResourceRef } from '../../src/model.js';
import type { PlanDocument, PlanItem } from '../../src/plan/document.js';

// ─── local helpers ───────────────────────────────────────────────────────────────────────────────

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nova-backup-test-'));
});
afterEach(async () => {
  // A test may leave a folder without write permission: give it back so that it can be removed.
  await chmod(dir, 0o700).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});


/** The permission bits of a path (not following a symlink). */
const modeOf = async (p: string): Promise<number> => (await lstat(p)).mode & 0o777;

const exists = (p: string): Promise<boolean> => lstat(p).then(
  () => true,
  () => false,
);

/** Awaits a promise that must reject with a NovaError: exit 2, one line. Returns the error. */
async function refusal(p: Promise<unknown>): Promise<NovaError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NovaError);
  const e = err as NovaError;
  expect(e.exitCode).toBe(2);
  expect(e.message).not.toContain('\n');
  expect(e.message.length).toBeGreaterThan(0);
  return e;
}

const ACCOUNT = '123456789012';

function ref(type: string, name: string, region = 'us-east-1'): ResourceRef {
  const arn =
    type === 'iam:role'
      ? `arn:aws:iam::${ACCOUNT}:role/${name}`
      : type === 'lambda:function'
        ? `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`
        : `arn:aws:sagemaker:${region}:${ACCOUNT}:${type.split(':')[1]}/${name}`;
  return { arn, type, region, account: ACCOUNT, partition: 'aws', name };
}

function item(r: ResourceRef, extra: Partial<PlanItem> = {}): PlanItem {
  return {
    ref: r,
    tags: { project: 'nova' },
    config: { Name: r.name, Nested: { b: 2, a: [1, { y: 'y', x: 'x' }] } },
    uses: [],
    children: [],
    layer: 0,
    usedBy: [],
    usesInPlan: [],
    rule: 'delete',
    reason: 'matches the filter, nothing that stays uses it',
    ...extra,
  };
}

/** A minimal valid plan document, without its digest. */
function planBody(extra: Partial<Omit<PlanDocument, 'digest'>> = {}): Omit<PlanDocument, 'digest'> {
  const fn = ref('lambda:function', 'nova-etl');
  const role = ref('iam:role', 'nova-etl-role');
  return {
    format: 'nova-cleanup-plan',
    version: 1,
    tool: { name: 'nova-cleanup', version: '0.1.0' },
    createdAt: '2024-05-06T07:08:09.123Z',
    account: ACCOUNT,
    principal: `arn:aws:iam::${ACCOUNT}:user/tester`,
    partition: 'aws',
    regions: ['us-east-1'],
    examinedRegions: ['us-east-1', 'us-west-2'],
    filters: [{ key: 'project', values: ['nova'] }],
    types: { include: [], exclude: [] },
    discovery: 'tagging',
    settings: { deleteSharedLogGroups: false, deleteStudioEfs: false },
    items: [
      item(fn, {
        uses: [role.arn],
        usesInPlan: [role.arn],
        children: [{ kind: 'event-source-mapping', id: 'b7c1d1f0-0000-4000-8000-000000000001' }],
      }),
      item(role, {
        layer: 1,
        usedBy: [fn.arn],
        children: [{ kind: 'managed-policy-attachment', id: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
      }),
    ],
    notPlanned: [
      { arn: ref('sagemaker:model', 'decoy').arn, type: 'sagemaker:model', region: 'us-east-1', name: 'decoy', status: 'skipped', rule: 'tags-not-matching', reason: 'project=other' },
    ],
    permissions: { status: 'allowed', checked: 4, calls: 1 },
    usageCheck: { listings: 3, reads: 1, regions: 2 },
    ...extra,
  };
}

/** The same value with the keys of every object in reverse order. */
function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).reverse()) out[k] = reverseKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

// ─── files.ts ────────────────────────────────────────────────────────────────────────────────────

describe('prepareFolder', () => {
  it('creates a missing folder (and its missing parents) with mode 0700', async () => {
    const target = join(dir, 'a', 'b', 'backups');
    await prepareFolder(target);
    expect((await lstat(target)).isDirectory()).toBe(true);
    expect(await modeOf(target)).toBe(0o700);
    expect(await modeOf(join(dir, 'a'))).toBe(0o700);
  });

  it('accepts an existing folder only its owner can write to, and leaves no probe file in it', async () => {
    const target = join(dir, 'ok');
    await mkdir(target, { mode: 0o755 });
    await chmod(target, 0o755);
    await expect(prepareFolder(target)).resolves.toBeUndefined();
    expect(await readdir(target)).toEqual([]);
    expect(await modeOf(target)).toBe(0o755);
  });

  it('refuses a symbolic link, even to a good folder, and names the flag and the folder', async () => {
    const real = join(dir, 'real');
    await mkdir(real, { mode: 0o700 });
    const link = join(dir, 'link');
    await symlink(real, link);
    const e = await refusal(prepareFolder(link, '--backup-dir'));
    expect(e.message).toContain('--backup-dir');
    expect(e.message).toContain(link);
    expect(e.message).toMatch(/symbolic link/);
    expect(await readdir(real)).toEqual([]);
  });

  it('refuses a regular file', async () => {
    const file = join(dir, 'file');
    await writeFile(file, 'not a folder');
    const e = await refusal(prepareFolder(file, '--backup-dir'));
    expect(e.message).toContain('--backup-dir');
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/not a folder/);
    expect(await readFile(file, 'utf8')).toBe('not a folder');
  });

  it('refuses a path through a regular file (ENOTDIR), one line, exit 2', async () => {
    const file = join(dir, 'file');
    await writeFile(file, 'x');
    const target = join(file, 'sub');
    const e = await refusal(prepareFolder(target, '--backup-dir'));
    expect(e.message).toContain('--backup-dir');
    expect(e.message).toContain(target);
  });

  it.each([
    ['0777 (others can write)', 0o777, '777'],
    ['0770 (group can write)', 0o770, '770'],
    ['0702 (others can write, group cannot)', 0o702, '702'],
    ['0720 (group can write, others cannot)', 0o720, '720'],
  ])('refuses a folder with mode %s', async (_label, mode, shown) => {
    const target = join(dir, 'open');
    await mkdir(target);
    await chmod(target, mode);
    const e = await refusal(prepareFolder(target, '--backup-dir'));
    expect(e.message).toContain('--backup-dir');
    expect(e.message).toContain(target);
    expect(e.message).toMatch(/written by others/);
    expect(e.message).toContain(`mode ${shown}`);
    // refused before anything was changed: no probe file, same mode
    expect(await readdir(target)).toEqual([]);
    expect(await modeOf(target)).toBe(mode);
  });

  it.each([['/proc'], ['/proc/sys']])('refuses a folder on a pseudo filesystem (%s)', async (target) => {
    const e = await refusal(prepareFolder(target, '--backup-dir'));
    expect(e.message).toContain('--backup-dir');
    expect(e.message).toContain(target);
    expect(e.message).toMatch(/proc filesystem/);
  });

  it('refuses /proc/self (a symbolic link on /proc)', async () => {
    const e = await refusal(prepareFolder('/proc/self', '--backup-dir'));
    expect(e.message).toContain('/proc/self');
    expect(e.message).toContain('--backup-dir');
  });

  it('names the flag it is given', async () => {
    const file = join(dir, 'file');
    await writeFile(file, 'x');
    const e = await refusal(prepareFolder(file, '--out-dir'));
    expect(e.message).toContain('--out-dir');
    expect(e.message).not.toContain('--backup-dir');
  });
});

describe('withinDeadline', () => {
  it('rejects with a NovaError naming the step when the step never answers', async () => {
    const e = await refusal(withinDeadline('--backup-dir /hung', () => new Promise<never>(() => undefined), 5));
    expect(e.message).toContain('--backup-dir /hung');
    expect(e.message).toMatch(/did not answer/);
  });

  it('gives the value of a step that answers in time', async () => {
    await expect(withinDeadline('x', () => Promise.resolve(42), 1_000)).resolves.toBe(42);
  });

  it("passes the step's own failure through unchanged", async () => {
    const boom = Object.assign(new Error('boom'), { code: 'EIO' });
    await expect(withinDeadline('x', () => Promise.reject(boom), 1_000)).rejects.toBe(boom);
  });
});

describe('writeExclusive', () => {
  it('writes the whole content with mode 0600 and leaves no temporary file', async () => {
    const p = join(dir, 'out.json');
    await writeExclusive(p, '{"a":1}\n');
    expect(await readFile(p, 'utf8')).toBe('{"a":1}\n');
    expect(await modeOf(p)).toBe(0o600);
    expect(FILE_MODE).toBe(0o600);
    expect(await readdir(dir)).toEqual(['out.json']);
  });

  it('writes bytes as they are', async () => {
    const p = join(dir, 'package.zip');
    const bytes = new Uint8Array([0, 1, 2, 254, 255]);
    await writeExclusive(p, bytes);
    expect(new Uint8Array(await readFile(p))).toEqual(bytes);
  });

  it('refuses a name that exists (EEXIST) without changing it, and leaves no temporary file', async () => {
    const p = join(dir, 'out.json');
    await writeFile(p, 'original', { mode: 0o644 });
    await expect(writeExclusive(p, 'new')).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(p, 'utf8')).toBe('original');
    expect(await modeOf(p)).toBe(0o644);
    expect(await readdir(dir)).toEqual(['out.json']);
  });

  it('refuses a name that is a symbolic link and leaves its target untouched', async () => {
    const target = join(dir, 'target.txt');
    await writeFile(target, 'precious');
    const p = join(dir, 'out.json');
    await symlink(target, p);
    await expect(writeExclusive(p, 'new')).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(target, 'utf8')).toBe('precious');
    expect(await readlink(p)).toBe(target);
    expect((await readdir(dir)).sort()).toEqual(['out.json', 'target.txt']);
  });

  it('refuses a dangling symbolic link and does not create its target', async () => {
    const target = join(dir, 'elsewhere.txt');
    const p = join(dir, 'out.json');
    await symlink(target, p);
    await expect(writeExclusive(p, 'new')).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await exists(target)).toBe(false);
    expect(await readdir(dir)).toEqual(['out.json']);
  });

  it('never removes a file it did not create, and is not blocked by a file left at its temporary name', async () => {
    // A run killed between creating the temporary file and removing it leaves `<name>.<pid>.tmp`; in a
    // container the next run often has the same pid.
    const p = join(dir, 'plan.json');
    const stale = `${p}.${process.pid}.tmp`;
    await writeFile(stale, 'left by a killed run');
    await writeExclusive(p, 'the plan').catch(() => undefined);
    expect(await readFile(stale, 'utf8')).toBe('left by a killed run');
    expect(await readFile(p, 'utf8')).toBe('the plan');
  });

  it('createExclusive refuses an existing name and a symbolic link', async () => {
    const p = join(dir, 'j.ndjson');
    await writeFile(p, 'x');
    await expect(createExclusive(p)).rejects.toMatchObject({ code: 'EEXIST' });
    const l = join(dir, 'l.ndjson');
    await symlink(p, l);
    await expect(createExclusive(l)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(p, 'utf8')).toBe('x');
  });
});

// ─── plan-file.ts ────────────────────────────────────────────────────────────────────────────────

describe('plan file', () => {
  it('sealPlan + writePlanFile + readPlanFile round trip, mode 0600', async () => {
    const doc = sealPlan(planBody());
    expect(doc.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const p = join(dir, 'plan.json');
    await writePlanFile(p, doc);
    expect(await modeOf(p)).toBe(0o600);
    expect(await readdir(dir)).toEqual(['plan.json']);
    expect(JSON.parse(await readFile(p, 'utf8'))).toEqual(doc);
    await expect(readPlanFile(p)).resolves.toEqual(doc);
  });

  it('keeps the account alias: a plan made for an account with an alias can be applied', async () => {
    // gather.ts puts `accountAlias` in the plan whenever the account has one.
    const doc = sealPlan(planBody({ accountAlias: 'nova-dev' }));
    const p = join(dir, 'plan.json');
    await writePlanFile(p, doc);
    const read = await readPlanFile(p);
    expect(read.accountAlias).toBe('nova-dev');
    expect(read).toEqual(doc);
  });

  it('never overwrites an existing file', async () => {
    const p = join(dir, 'plan.json');
    await writeFile(p, 'my notes');
    const e = await refusal(writePlanFile(p, sealPlan(planBody())));
    expect(e.message).toContain('--out');
    expect(e.message).toContain(p);
    expect(e.message).toMatch(/never overwritten/);
    expect(await readFile(p, 'utf8')).toBe('my notes');
    expect(await readdir(dir)).toEqual(['plan.json']);
  });

  it('never writes through a symbolic link', async () => {
    const target = join(dir, 'target');
    await writeFile(target, 'precious');
    const p = join(dir, 'plan.json');
    await symlink(target, p);
    await refusal(writePlanFile(p, sealPlan(planBody())));
    expect(await readFile(target, 'utf8')).toBe('precious');
  });

  it('a folder that does not exist is one clear line naming --out', async () => {
    const p = join(dir, 'missing', 'plan.json');
    const e = await refusal(writePlanFile(p, sealPlan(planBody())));
    expect(e.message).toContain('--out');
    expect(e.message).toContain(p);
    expect(e.message).toContain('ENOENT');
  });

  it('refuses a file that does not exist', async () => {
    const p = join(dir, 'nope.json');
    const e = await refusal(readPlanFile(p));
    expect(e.message).toContain(p);
    expect(e.message).toContain('ENOENT');
  });

  it('refuses a truncated file', async () => {
    const text = JSON.stringify(sealPlan(planBody()), null, 2);
    const p = join(dir, 'plan.json');
    await writeFile(p, text.slice(0, Math.floor(text.length / 2)));
    const e = await refusal(readPlanFile(p));
    expect(e.message).toContain(p);
    expect(e.message).toMatch(/not valid JSON/);
  });

  it('refuses invalid JSON', async () => {
    const p = join(dir, 'plan.json');
    await writeFile(p, '{ format: nova-cleanup-plan }');
    const e = await refusal(readPlanFile(p));
    expect(e.message).toMatch(/not valid JSON/);
  });

  it.each([
    ['another format', { format: 'nova-cleanup-backup' }, /format/],
    ['another version', { version: 2 }, /version/],
    ['an account that is not 12 digits', { account: '1234' }, /account/],
    ['no regions', { regions: [] }, /regions/],
    ['no filter', { filters: [] }, /filters/],
    ['an unknown discovery mode', { discovery: 'guess' }, /discovery/],
    ['no settings (a plan of an older build)', { settings: undefined }, /settings/],
  ])('refuses a document of %s', async (_label, change, field) => {
    const p = join(dir, 'plan.json');
    const doc = { ...sealPlan(planBody()), ...change };
    await writeFile(p, JSON.stringify(doc));
    const e = await refusal(readPlanFile(p));
    expect(e.message).toContain(p);
    expect(e.message).toMatch(/is not a nova-cleanup plan/);
    expect(e.message).toMatch(field);
  });

  it('refuses JSON that is not an object', async () => {
    const p = join(dir, 'plan.json');
    await writeFile(p, '[]');
    const e = await refusal(readPlanFile(p));
    expect(e.message).toMatch(/is not a nova-cleanup plan/);
  });

  it.each<[string, (d: Mutable<PlanDocument>) => void]>([
    ["an item's ARN", (d) => void (d.items[0]!.ref.arn = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:someone-elses`)],
    ["an item's tag", (d) => void (d.items[1]!.tags['project'] = 'other')],
    ['a tag added', (d) => void (d.items[0]!.tags['owner'] = 'me')],
    ['an item removed', (d) => void d.items.pop()],
    ['the account', (d) => void (d.account = '210987654321')],
    ['a region added', (d) => void d.regions.push('eu-west-1')],
    ["an item's configuration", (d) => void ((d.items[0]!.config as Record<string, unknown>)['Name'] = 'x')],
    ['the discovery mode', (d) => void (d.discovery = 'list')],
    ['a setting turned on', (d) => void (d.settings.deleteSharedLogGroups = true)],
  ])('refuses a plan whose content was edited (%s) with its old digest', async (_label, edit) => {
    const doc = structuredClone(sealPlan(planBody())) as Mutable<PlanDocument>;
    const digest = doc.digest;
    edit(doc);
    expect(doc.digest).toBe(digest);
    const p = join(dir, 'plan.json');
    await writeFile(p, JSON.stringify(doc, null, 2));
    const e = await refusal(readPlanFile(p));
    expect(e.message).toContain(p);
    expect(e.message).toMatch(/changed after it was made/);
  });

  it('refuses a plan whose digest was edited', async () => {
    const doc = { ...sealPlan(planBody()), digest: `sha256:${'0'.repeat(64)}` };
    const p = join(dir, 'plan.json');
    await writeFile(p, JSON.stringify(doc));
    const e = await refusal(readPlanFile(p));
    expect(e.message).toMatch(/changed after it was made/);
  });

  it('the digest does not depend on key order, at any level', async () => {
    const body = planBody();
    const reversed = reverseKeys(body) as Omit<PlanDocument, 'digest'>;
    expect(Object.keys(reversed)[0]).toBe('usageCheck');
    expect(digestOf(reversed)).toBe(digestOf(body));
    // …and a file written with its keys in another order is accepted
    const p = join(dir, 'plan.json');
    await writeFile(p, JSON.stringify(reverseKeys(sealPlan(body))));
    await expect(readPlanFile(p)).resolves.toEqual(sealPlan(body));
  });

  it('the digest ignores the digest field itself and changes with the content', () => {
    const body = planBody();
    const sealed = sealPlan(body);
    expect(digestOf(sealed)).toBe(sealed.digest);
    expect(digestOf({ ...sealed, digest: 'anything' })).toBe(sealed.digest);
    expect(digestOf(planBody({ createdAt: '2024-05-06T07:08:10.000Z' }))).not.toBe(sealed.digest);
    expect(digestOf(planBody({ regions: ['us-west-2'] }))).not.toBe(sealed.digest);
  });

  it('verifyPlan names its source', () => {
    const e = (() => {
      try {
        verifyPlan({ format: 'x' }, 'the plan inside b.json');
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(NovaError);
    expect((e as NovaError).message).toContain('the plan inside b.json');
  });
});

// ─── backup.ts ───────────────────────────────────────────────────────────────────────────────────

describe('runFiles', () => {
  it("names the backup, the journal and the files folder from the account, the time and the run id's first 8 characters", () => {
    const f = runFiles('/b', ACCOUNT, '0123456789abcdef-rest', new Date('2024-05-06T07:08:09.123Z'));
    const base = `/b/nova-cleanup-${ACCOUNT}-2024-05-06T07-08-09-123Z-01234567`;
    expect(f).toEqual({ backup: `${base}.json`, journal: `${base}.journal.ndjson`, files: `${base}.files` });
  });

  it('journalOf and backupOf go from one to the other', () => {
    const f = runFiles(dir, ACCOUNT, 'abcdef0123456789', new Date('2024-01-01T00:00:00.000Z'));
    expect(journalOf(f.backup)).toBe(f.journal);
    expect(backupOf(f.journal)).toBe(f.backup);
    expect(backupOf(journalOf(f.backup))).toBe(f.backup);
  });

  it('two runs in the same millisecond get different names', () => {
    const at = new Date('2024-01-01T00:00:00.000Z');
    const a = runFiles(dir, ACCOUNT, '11111111-aaaa', at);
    const b = runFiles(dir, ACCOUNT, '22222222-aaaa', at);
    expect(a.backup).not.toBe(b.backup);
    expect(a.journal).not.toBe(b.journal);
    expect(a.files).not.toBe(b.files);
  });
});

describe('writeBackup / readBackup', () => {
  const RUN = '9f1c2b3a-1111-4222-8333-444455556666';
  const head = (plan: PlanDocument): Omit<BackupDocument, 'resources'> => ({
    format: 'nova-cleanup-backup',
    version: 2,
    runId: RUN,
    createdAt: '2024-05-06T07:08:10.000Z',
    plan,
  });

  function resourcesOf(plan: PlanDocument, pkg: Uint8Array) {
    const [fn, role] = plan.items as [PlanItem, PlanItem];
    return [
      {
        arn: fn.ref.arn,
        type: fn.ref.type,
        region: fn.ref.region,
        name: fn.ref.name,
        tags: fn.tags,
        config: { ...fn.config, CodeSha256: 'abc' },
        artifacts: [
          { name: 'package.zip', bytes: pkg, sha256: sha256(pkg) },
          { name: 'layer.zip', error: 'AccessDeniedException: not allowed' },
        ],
      },
      { arn: role.ref.arn, type: role.ref.type, region: role.ref.region, name: role.ref.name, tags: role.tags, config: role.config, artifacts: [] },
    ];
  }

  it('writes the artifacts into the .files folder (0700; files 0600) with their sha256 and a relative path, and records artifact errors', async () => {
    const plan = sealPlan(planBody());
    const files = runFiles(dir, ACCOUNT, RUN, new Date('2024-05-06T07:08:10.000Z'));
    const pkg = new Uint8Array([80, 75, 3, 4, 1, 2, 3, 4, 5]);
    const written = await writeBackup(files, head(plan), resourcesOf(plan, pkg));

    expect(await modeOf(files.files)).toBe(0o700);
    const [fnEntry, roleEntry] = written.resources;
    expect(fnEntry?.artifacts).toHaveLength(2);
    const saved = fnEntry!.artifacts[0]!;
    expect(saved).toMatchObject({ name: 'package.zip', sha256: sha256(pkg), bytes: pkg.byteLength });
    if (!('path' in saved)) throw new Error('the package was not saved');
    expect(saved.path.startsWith('/')).toBe(false);
    expect(dirname(saved.path)).toBe(basename(files.files));
    const onDisk = join(dirname(files.backup), saved.path);
    expect(new Uint8Array(await readFile(onDisk))).toEqual(pkg);
    expect(sha256(await readFile(onDisk))).toBe(saved.sha256);
    expect(await modeOf(onDisk)).toBe(0o600);
    expect(await readdir(files.files)).toEqual([basename(saved.path)]);

    expect(fnEntry!.artifacts[1]).toEqual({ name: 'layer.zip', error: 'AccessDeniedException: not allowed' });
    expect(roleEntry?.artifacts).toEqual([]);
    expect(fnEntry).toMatchObject({ arn: plan.items[0]!.ref.arn, config: { CodeSha256: 'abc' }, tags: { project: 'nova' } });

    // the backup document: 0600, what was returned, no temporary file left
    expect(await modeOf(files.backup)).toBe(0o600);
    expect(JSON.parse(await readFile(files.backup, 'utf8'))).toEqual(written);
    expect(written).toMatchObject({ format: 'nova-cleanup-backup', version: 2, runId: RUN, plan });
    expect((await readdir(dir)).sort()).toEqual([basename(files.backup), basename(files.files)].sort());
  });

  it('saveArtifacts writes a resource\'s files at once (before the document), and writeBackup records them as written', async () => {
    const plan = sealPlan(planBody());
    const files = runFiles(dir, ACCOUNT, RUN, new Date('2024-05-06T07:08:10.000Z'));
    const pkg = new Uint8Array([80, 75, 3, 4, 9]);
    const [fn, role] = resourcesOf(plan, pkg) as [ReturnType<typeof resourcesOf>[number], ReturnType<typeof resourcesOf>[number]];
    // Two resources' files at once: the folder is made once.
    const [saved, none] = await Promise.all([saveArtifacts(files, fn, fn.artifacts), saveArtifacts(files, role, role.artifacts)]);
    expect(none).toEqual([]);
    expect(await exists(files.backup)).toBe(false);
    const [pkgSaved, error] = saved;
    if (!pkgSaved || !('path' in pkgSaved)) throw new Error('the package was not saved');
    expect(pkgSaved).toMatchObject({ name: 'package.zip', sha256: sha256(pkg), bytes: pkg.byteLength });
    expect(new Uint8Array(await readFile(join(dirname(files.backup), pkgSaved.path)))).toEqual(pkg);
    expect(error).toEqual({ name: 'layer.zip', error: 'AccessDeniedException: not allowed' });

    const written = await writeBackup(files, head(plan), [{ ...fn, artifacts: saved }, role]);
    expect(written.resources[0]?.artifacts).toEqual(saved);
    expect(await readdir(files.files)).toEqual([basename(pkgSaved.path)]);
    expect(JSON.parse(await readFile(files.backup, 'utf8'))).toEqual(written);
  });

  it('saveArtifacts: a file that cannot be written is one line, exit 2, nothing deleted', async () => {
    const plan = sealPlan(planBody());
    const files = runFiles(dir, ACCOUNT, RUN, new Date());
    const [fn] = resourcesOf(plan, new Uint8Array([1]));
    await mkdir(files.files);
    const e = await saveArtifacts(files, fn!, fn!.artifacts).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(NovaError);
    expect((e as NovaError).exitCode).toBe(2);
    expect((e as Error).message).toMatch(/^cannot write the backup .*: EEXIST; nothing was deleted$/);
  });

  it('makes no .files folder when there is nothing to save', async () => {
    const plan = sealPlan(planBody());
    const files = runFiles(dir, ACCOUNT, RUN, new Date());
    const written = await writeBackup(files, head(plan), [
      { arn: plan.items[1]!.ref.arn, type: 'iam:role', region: 'us-east-1', name: 'nova-etl-role', tags: {}, config: {}, artifacts: [{ name: 'x', error: 'e' }] },
    ]);
    expect(await exists(files.files)).toBe(false);
    expect(written.resources[0]?.artifacts).toEqual([{ name: 'x', error: 'e' }]);
  });

  it('keeps the packages of two functions of the same name in two regions apart', async () => {
    const plan = sealPlan(planBody({ regions: ['us-east-1', 'us-west-2'] }));
    const files = runFiles(dir, ACCOUNT, RUN, new Date());
    const east = new Uint8Array([1, 1, 1]);
    const west = new Uint8Array([2, 2, 2]);
    const fnIn = (region: string, bytes: Uint8Array) => {
      const r = ref('lambda:function', 'nova-etl', region);
      return { arn: r.arn, type: r.type, region, name: r.name, tags: {}, config: {}, artifacts: [{ name: 'package.zip', bytes, sha256: sha256(bytes) }] };
    };
    const written = await writeBackup(files, head(plan), [fnIn('us-east-1', east), fnIn('us-west-2', west)]);
    const paths = written.resources.map((r) => {
      const a = r.artifacts[0];
      return a && 'path' in a ? a.path : undefined;
    });
    expect(paths[0]).toBeDefined();
    expect(paths[1]).toBeDefined();
    expect(paths[0]).not.toBe(paths[1]);
    expect(new Uint8Array(await readFile(join(dir, paths[0]!)))).toEqual(east);
    expect(new Uint8Array(await readFile(join(dir, paths[1]!)))).toEqual(west);
  });

  it('never overwrites an existing backup: exit 2, and the file is unchanged', async () => {
    const plan = sealPlan(planBody());
    const files = runFiles(dir, ACCOUNT, RUN, new Date());
    await writeFile(files.backup, 'an earlier backup');
    const e = await refusal(writeBackup(files, head(plan), []));
    expect(e.message).toContain(files.backup);
    expect(e.message).toContain('EEXIST');
    expect(e.message).toMatch(/nothing was deleted/);
    expect(await readFile(files.backup, 'utf8')).toBe('an earlier backup');
  });

  it('never writes through a symbolic link at the backup name', async () => {
    const plan = sealPlan(planBody());
    const files = runFiles(dir, ACCOUNT, RUN, new Date());
    const target = join(dir, 'target');
    await writeFile(target, 'precious');
    await symlink(target, files.backup);
    await refusal(writeBackup(files, head(plan), []));
    expect(await readFile(target, 'utf8')).toBe('precious');
  });

  it('refuses an existing .files folder (exit 2) and writes no backup', async () => {
    const plan = sealPlan(planBody());
    const files = runFiles(dir, ACCOUNT, RUN, new Date());
    await mkdir(files.files);
    const e = await refusal(writeBackup(files, head(plan), resourcesOf(plan, new Uint8Array([1]))));
    expect(e.message).toContain(files.backup);
    expect(await exists(files.backup)).toBe(false);
    expect(await readdir(files.files)).toEqual([]);
  });

  it('readBackup gives back what writeBackup wrote', async () => {
    const plan = sealPlan(planBody());
    const files = runFiles(dir, ACCOUNT, RUN, new Date());
    const written = await writeBackup(files, head(plan), resourcesOf(plan, new Uint8Array([9, 8, 7])));
    const read = await readBackup(files.backup);
    expect(read).toEqual(written);
    expect(read.plan).toEqual(plan);
  });

  it('readBackup refuses a backup whose inner plan was edited', async () => {
    const plan = sealPlan(planBody());
    const files = runFiles(dir, ACCOUNT, RUN, new Date());
    await writeBackup(files, head(plan), []);
    const raw = JSON.parse(await readFile(files.backup, 'utf8')) as Mutable<BackupDocument>;
    raw.plan.items[0]!.ref.arn = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:someone-elses`;
    const edited = join(dir, 'edited.json');
    await writeFile(edited, JSON.stringify(raw));
    const e = await refusal(readBackup(edited));
    expect(e.message).toContain(edited);
    expect(e.message).toMatch(/changed after it was made/);
  });

  it.each([
    ['a truncated file', (t: string) => t.slice(0, 40), /not valid JSON/],
    ['a plan file instead of a backup', () => JSON.stringify(sealPlan(planBody())), /not a nova-cleanup backup/],
    ['another backup version', (t: string) => JSON.stringify({ ...(JSON.parse(t) as object), version: 1 }), /not a nova-cleanup backup/],
    ['no run id', (t: string) => JSON.stringify({ ...(JSON.parse(t) as object), runId: '' }), /runId/],
  ])('readBackup refuses %s', async (_label, make, message) => {
    const files = runFiles(dir, ACCOUNT, RUN, new Date());
    await writeBackup(files, head(sealPlan(planBody())), []);
    const p = join(dir, 'other.json');
    await writeFile(p, make(await readFile(files.backup, 'utf8')));
    const e = await refusal(readBackup(p));
    expect(e.message).toContain(p);
    expect(e.message).toMatch(message);
  });

  it('readBackup refuses a file that does not exist', async () => {
    const p = join(dir, 'nope.json');
    const e = await refusal(readBackup(p));
    expect(e.message).toContain('ENOENT');
  });
});

// ─── journal.ts ──────────────────────────────────────────────────────────────────────────────────

describe('Journal', () => {
  const RUN = 'run-1111';
  const fnArn = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:nova-etl`;

  const linesOf = async (p: string): Promise<Record<string, unknown>[]> =>
    (await readFile(p, 'utf8'))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('creates a new file (0600) whose lines carry at, runId and the event, in the order appended', async () => {
    const p = join(dir, 'run.journal.ndjson');
    const j = await Journal.create(p, RUN);
    expect(j.runId).toBe(RUN);
    expect(j.path).toBe(p);
    // appended without waiting: still written in order
    const writes = [
      j.append({ event: 'run-started', command: 'clean', items: 2 }),
      j.append({ event: 'step-started', arn: fnArn, type: 'lambda:function', step: 'delete' }),
      j.append({ event: 'deleted', arn: fnArn, type: 'lambda:function', step: 'delete' }),
    ];
    await Promise.all(writes);
    await j.close();
    expect(await modeOf(p)).toBe(0o600);
    const lines = await linesOf(p);
    expect(lines.map((l) => l['event'])).toEqual(['run-started', 'step-started', 'deleted']);
    for (const l of lines) {
      expect(l['runId']).toBe(RUN);
      expect(typeof l['at']).toBe('string');
      expect(new Date(l['at'] as string).toISOString()).toBe(l['at']);
    }
    expect(lines[1]).toMatchObject({ arn: fnArn, type: 'lambda:function', step: 'delete' });
    expect(lines[0]).toMatchObject({ command: 'clean', items: 2 });
  });

  it('an append resolves once its line is in the file', async () => {
    const p = join(dir, 'run.journal.ndjson');
    const j = await Journal.create(p, RUN);
    await j.append({ event: 'run-started', command: 'clean', items: 1 });
    expect(await linesOf(p)).toHaveLength(1);
    await j.close();
  });

  it('refuses to create a journal over an existing file (exit 2) and leaves it unchanged', async () => {
    const p = join(dir, 'run.journal.ndjson');
    await writeFile(p, 'an earlier journal\n');
    const e = await refusal(Journal.create(p, RUN));
    expect(e.message).toContain(p);
    expect(e.message).toContain('EEXIST');
    expect(await readFile(p, 'utf8')).toBe('an earlier journal\n');
  });

  it('refuses to create a journal at a symbolic link and leaves its target untouched', async () => {
    const target = join(dir, 'target');
    await writeFile(target, 'precious');
    const p = join(dir, 'run.journal.ndjson');
    await symlink(target, p);
    await refusal(Journal.create(p, RUN));
    expect(await readFile(target, 'utf8')).toBe('precious');
    const dangling = join(dir, 'dangling.journal.ndjson');
    await symlink(join(dir, 'nowhere'), dangling);
    await refusal(Journal.create(dangling, RUN));
    expect(await exists(join(dir, 'nowhere'))).toBe(false);
  });

  it('reopen appends to what is there, under the same run id', async () => {
    const p = join(dir, 'run.journal.ndjson');
    const j = await Journal.create(p, RUN);
    await j.append({ event: 'run-started', command: 'clean', items: 2 });
    await j.close();
    const r = await Journal.reopen(p, RUN);
    await r.append({ event: 'resumed', command: 'resume', items: 1 });
    await r.close();
    const lines = await linesOf(p);
    expect(lines.map((l) => [l['event'], l['runId']])).toEqual([
      ['run-started', RUN],
      ['resumed', RUN],
    ]);
    expect((await stat(p)).mode & 0o777).toBe(0o600);
  });

  it('reopen refuses a missing journal and a symbolic link (exit 2)', async () => {
    const missing = join(dir, 'missing.journal.ndjson');
    const e = await refusal(Journal.reopen(missing, RUN));
    expect(e.message).toContain(missing);
    expect(await exists(missing)).toBe(false);
    const target = join(dir, 'target');
    await writeFile(target, 'precious');
    const link = join(dir, 'link.journal.ndjson');
    await symlink(target, link);
    await refusal(Journal.reopen(link, RUN));
    expect(await readFile(target, 'utf8')).toBe('precious');
  });

  it('a journal cut short, reopened by resume, can still be read afterwards', async () => {
    const p = join(dir, 'run.journal.ndjson');
    const j = await Journal.create(p, RUN);
    await j.append({ event: 'run-started', command: 'clean', items: 1 });
    await j.close();
    // the run was killed while writing its second line
    await writeFile(p, `{"at":"2024-01-01T00:00:00.000Z","runId":"${RUN}","event":"step-sta`, { flag: 'a' });
    expect((await readJournal(p)).truncatedTail).toBe(true);
    const r = await Journal.reopen(p, RUN);
    await r.append({ event: 'resumed', command: 'resume', items: 1 });
    await r.close();
    const state = await readJournal(p);
    expect(state.runId).toBe(RUN);
    expect(state.truncatedTail).toBe(false);
  });
});

describe('readJournal', () => {
  const RUN = 'run-2222';
  const arn = (n: string): string => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${n}`;
  const line = (e: Record<string, unknown>, runId = RUN): string => JSON.stringify({ at: '2024-01-01T00:00:00.000Z', runId, ...e });
  const step = (event: string, n: string, s = 'delete'): string => line({ event, arn: arn(n), type: 'lambda:function', step: s });
  const put = async (text: string): Promise<string> => {
    const p = join(dir, 'run.journal.ndjson');
    await writeFile(p, text);
    return p;
  };

  it('gives the run id, what was deleted or gone, and what had a step in flight', async () => {
    const p = await put(
      [
        line({ event: 'run-started', command: 'clean', items: 6 }),
        step('step-started', 'deleted-one'),
        step('step-done', 'deleted-one'),
        step('deleted', 'deleted-one'),
        step('gone', 'gone-one'),
        step('step-started', 'in-flight'),
        step('step-started', 'two-steps', 'remove-mappings'),
        step('step-done', 'two-steps', 'remove-mappings'),
        step('step-started', 'two-steps', 'delete'),
        step('step-started', 'failed-one'),
        line({ event: 'failed', arn: arn('failed-one'), type: 'lambda:function', step: 'delete', error: 'Throttling' }),
        step('step-started', 'finished'),
        step('step-done', 'finished'),
        step('step-started', 'sent-then-deleted'),
        step('deleted', 'sent-then-deleted'),
        '',
      ].join('\n'),
    );
    const s = await readJournal(p);
    expect(s.runId).toBe(RUN);
    expect([...s.deleted].sort()).toEqual([arn('deleted-one'), arn('gone-one'), arn('sent-then-deleted')].sort());
    expect([...s.inFlight].sort()).toEqual([arn('in-flight'), arn('two-steps')].sort());
    expect(s.lines).toBe(15);
    expect(s.truncatedTail).toBe(false);
  });

  it('reads what a Journal wrote', async () => {
    const p = join(dir, 'w.journal.ndjson');
    const j = await Journal.create(p, RUN);
    await j.append({ event: 'run-started', command: 'clean', items: 2 });
    await j.append({ event: 'step-started', arn: arn('a'), type: 'lambda:function', step: 'delete' });
    await j.append({ event: 'step-started', arn: arn('b'), type: 'lambda:function', step: 'delete' });
    await j.append({ event: 'deleted', arn: arn('b'), type: 'lambda:function', step: 'delete' });
    await j.close();
    const s = await readJournal(p);
    expect(s).toMatchObject({ runId: RUN, lines: 4, truncatedTail: false });
    expect([...s.deleted]).toEqual([arn('b')]);
    expect([...s.inFlight]).toEqual([arn('a')]);
  });

  it('tolerates a cut-off last line (truncatedTail), and ignores it', async () => {
    const cut = step('deleted', 'cut');
    const p = await put([line({ event: 'run-started', command: 'clean', items: 1 }), step('step-started', 'cut'), cut.slice(0, 30)].join('\n'));
    const s = await readJournal(p);
    expect(s.truncatedTail).toBe(true);
    expect(s.lines).toBe(2);
    expect(s.deleted.size).toBe(0);
    expect([...s.inFlight]).toEqual([arn('cut')]);
  });

  it('refuses a corrupted line in the middle, naming the line (exit 2)', async () => {
    const p = await put([line({ event: 'run-started', command: 'clean', items: 1 }), '{"at":"x","runId":"run-2222","ev', step('deleted', 'a'), ''].join('\n'));
    const e = await refusal(readJournal(p));
    expect(e.message).toContain(p);
    expect(e.message).toContain('line 2');
    expect(e.message).toMatch(/corrupted/);
  });

  it.each([
    ['an unknown event', line({ event: 'exploded', arn: arn('a') })],
    ['a line without a run id', JSON.stringify({ at: 'x', event: 'deleted', arn: arn('a') })],
    ['an empty line', ''],
    ['a JSON value that is not an object', '42'],
  ])('refuses %s in the middle', async (_label, bad) => {
    const p = await put([line({ event: 'run-started', command: 'clean', items: 1 }), bad, step('deleted', 'a'), ''].join('\n'));
    const e = await refusal(readJournal(p));
    expect(e.message).toContain('line 2');
  });

  it('refuses a line of another run (exit 2)', async () => {
    const p = await put([line({ event: 'run-started', command: 'clean', items: 1 }), step('step-started', 'a'), line({ event: 'deleted', arn: arn('a'), type: 'lambda:function', step: 'delete' }, 'run-other'), ''].join('\n'));
    const e = await refusal(readJournal(p));
    expect(e.message).toContain('line 3');
    expect(e.message).toContain('run-other');
    expect(e.message).toMatch(/another run/);
  });

  it('refuses an empty journal (exit 2)', async () => {
    const p = await put('');
    const e = await refusal(readJournal(p));
    expect(e.message).toContain(p);
    expect(e.message).toMatch(/no journal event/);
  });

  it('refuses a journal whose only line was cut off', async () => {
    const p = await put(step('step-started', 'a').slice(0, 20));
    const e = await refusal(readJournal(p));
    expect(e.message).toMatch(/no journal event/);
  });

  it('refuses a journal that does not exist', async () => {
    const p = join(dir, 'missing.journal.ndjson');
    const e = await refusal(readJournal(p));
    expect(e.message).toContain(p);
    expect(e.message).toContain('ENOENT');
  });
});
