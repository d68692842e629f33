import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cappedLimits, LIMITS } from '../../src/aws/throughput.js';
import { effectiveSettings, explainLines } from '../../src/commands/config.js';
import { loadConfig, mergeConfig, type OptionSources } from '../../src/config.js';
import { ExitCode, NovaError } from '../../src/errors.js';
import { parseAwsOptions, parseCleanOptions } from '../../src/options.js';
import { decideScope, protectedBy } from '../../src/plan/scope.js';
import { refOf } from '../helpers/fakes.js';

const KNOWN = ['sagemaker:endpoint', 'sagemaker:model', 'lambda:function', 's3:bucket', 'iam:role'];
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nova-config-file-'));
});

let n = 0;
/** A file of this text in the test folder (its name ends with `ext`). */
async function file(text: string, ext = '.yaml'): Promise<string> {
  n += 1;
  const path = join(dir, `c${n}${ext}`);
  await writeFile(path, text);
  return path;
}

/** The lines of the NovaError loading `text` throws (exit 2), with the file's path replaced by FILE. */
async function mistakes(text: string, ext = '.yaml'): Promise<string[]> {
  const path = await file(text, ext);
  const err = await loadConfig(path, KNOWN).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NovaError);
  expect((err as NovaError).exitCode).toBe(ExitCode.Usage);
  return (err as NovaError).message.split('\n').map((l) => l.split(path).join('FILE'));
}

describe('loadConfig: a valid file', () => {
  it('reads every key of a YAML file into the flags’ form', async () => {
    const path = await file(`# a sandbox cleanup
tags:
  - project=nova-demo
  - env=dev,test
regions: [us-east-1, us-west-2]
includeTypes: ['sagemaker:*', lambda:function]
excludeTypes: [s3:bucket]
assumeAbsent: [iam:role]
discovery: both
deleteSharedLogGroups: true
deleteStudioEfs: false
deleteOwnedLogGroups: true
account: "123456789012"
allowAccounts: [123456789012]
blockAccounts: ["210987654321"]
allowProdAlias: true
maxResources: 200
expectCount: [3, sagemaker:endpoint=1]
waitTimeout: 600
backupDir: ./backups
protect:
  arns: [arn:aws:iam::123456789012:role/keep-me]
  names: ["prod-*", "shared-?"]
concurrency: { all: 4, lambda: 2 }
`);
    const { values } = await loadConfig(path, KNOWN);
    expect(values).toEqual({
      tag: ['project=nova-demo', 'env=dev,test'],
      region: ['us-east-1', 'us-west-2'],
      includeType: ['sagemaker:*', 'lambda:function'],
      excludeType: ['s3:bucket'],
      assumeAbsent: ['iam:role'],
      discovery: 'both',
      deleteSharedLogGroups: true,
      deleteStudioEfs: false,
      deleteOwnedLogGroups: true,
      account: '123456789012',
      allowAccount: ['123456789012'],
      blockAccount: ['210987654321'],
      allowProdAlias: true,
      maxResources: '200',
      expectCount: ['3', 'sagemaker:endpoint=1'],
      waitTimeout: '600',
      backupDir: './backups',
      protectArn: ['arn:aws:iam::123456789012:role/keep-me'],
      protectName: ['prod-*', 'shared-?'],
      concurrency: { all: 4, lambda: 2 },
    });
  });

  it('reads JSON (by the extension, or by a leading brace), tags as a mapping, and a single value as a list of one', async () => {
    const json = await file('{ "tags": { "project": "nova-demo", "env": ["dev", "test"], "owner": "" }, "regions": "eu-west-1" }', '.json');
    expect((await loadConfig(json, KNOWN)).values).toEqual({ tag: ['project=nova-demo', 'env=dev,test', 'owner=""'], region: ['eu-west-1'] });
    const untyped = await file('{ "tags": ["project"], "concurrency": 3 }', '.conf');
    expect((await loadConfig(untyped, KNOWN)).values).toEqual({ tag: ['project'], concurrency: 3 });
  });

  it('gives values the options’ parsers accept exactly as their flags would', async () => {
    const path = await file('tags: {project: nova}\nregions: [us-east-1]\nprotect: {names: ["prod-*"]}\nconcurrency: 3\nmaxResources: 10\n');
    const o = parseCleanOptions({ ...(await loadConfig(path, KNOWN)).values, protectFrom: { names: 'config' } }, KNOWN);
    expect(o.tags).toEqual([{ key: 'project', values: ['nova'] }]);
    expect(o.limits?.maxResources).toBe(10);
    expect(o.protect).toEqual({ arns: [], names: ['prod-*'], from: { arns: '--protect-arn', names: 'config' } });
    expect(o.concurrency).toEqual({ all: 3, services: {} });
  });
});

describe('loadConfig: every mistake, one line each, with the file, its line and the path', () => {
  it.each([
    ['an unknown key, with the closest known one', 'tags: [a=b]\nregoins: [us-east-1]\n', ['FILE:2: regoins: unknown key; did you mean regions?']],
    ['an unknown key inside protect', 'tags: [a=b]\nprotect:\n  arn: [x]\n', ['FILE:3: protect.arn: unknown key; did you mean arns?']],
    ['an unknown service of concurrency', 'concurrency:\n  lamda: 2\n', ['FILE:2: concurrency.lamda: unknown key; did you mean lambda?']],
    ['a key far from any', 'colour: red\n', [expect.stringMatching(/^FILE:1: colour: unknown key; the keys here are tags, regions, .*protect$/)]],
    ['an unknown region (the second of the list)', 'regions:\n  - us-east-1\n  - us-east-9\n', ['FILE:3: regions[1]: unknown region "us-east-9" (not in the AWS SDK\'s region list); correct it']],
    ['"all" as a region', 'regions: [all]\n', ['FILE:1: regions[0]: "all" is not a region; write allRegions: true for every region enabled for the account']],
    ['regions and allRegions together', 'regions: [us-east-1]\nallRegions: true\n', ['FILE:2: allRegions: allRegions and regions contradict each other; keep one']],
    ['an empty protected name', 'protect:\n  names:\n    - "prod-*"\n    - ""\n', ['FILE:4: protect.names[1]: must not be empty']],
    ['a protected ARN that is not one', 'protect:\n  arns: [my-role]\n', ['FILE:2: protect.arns[0]: must be an ARN (arn:partition:service:region:account:resource)']],
    ['a tag with a trailing comma', 'tags:\n  - project=a,\n', [expect.stringMatching(/^FILE:2: tags\[0\]: tag project: "a," has an empty value \(a stray comma\?\)/)]],
    ['a tag key twice', 'tags: [project=a, project=b]\n', ['FILE:1: tags[1]: key "project" given twice; list its values once, as project=v1,v2']],
    ['a tag of the mapping form with no value', 'tags:\n  project:\n', ['FILE:2: tags.project: must be text']],
    ['an unknown type, with the closest', 'includeTypes: [sagemaker:endpont]\n', [expect.stringMatching(/^FILE:1: includeTypes\[0\]: unknown type "sagemaker:endpont"; did you mean sagemaker:endpoint\?/)]],
    ['a type of the wrong form', 'excludeTypes: [SageMaker]\n', ['FILE:1: excludeTypes[0]: must look like service:type or service:*']],
    ['an expected count of an unknown type', 'expectCount: [lambda:funtion=2]\n', [expect.stringMatching(/^FILE:1: expectCount\[0\]: unknown type "lambda:funtion"; did you mean lambda:function\?/)]],
    ['a switch that is not true or false', 'allRegions: "yes"\n', ['FILE:1: allRegions: must be true or false']],
    ['a list where a value is expected', 'discovery: [list]\n', ['FILE:1: discovery: must be tagging, list or both']],
    ['an account id YAML read as a shorter number', 'account: 012345678901\n', ['FILE:1: account: must be a 12-digit AWS account id']],
    ['an account in both lists', 'allowAccounts: ["123456789012"]\nblockAccounts: ["123456789012"]\n', ['FILE:2: blockAccounts[0]: 123456789012 is in allowAccounts too; keep it in one']],
    ['a wait of no time', 'waitTimeout: 0\n', ['FILE:1: waitTimeout: must be at least 1']],
    ['max resources of none', 'maxResources: 0\n', ['FILE:1: maxResources: must be a whole number of resources, at least 1 (use --dry-run to delete nothing)']],
    ['a concurrency of none', 'concurrency: 0\n', ['FILE:1: concurrency: must be at least 1']],
    ['a concurrency of a service above the bound', 'concurrency: {s3: 100}\n', ['FILE:1: concurrency.s3: must be at most 64']],
    ['a concurrency of the wrong kind', 'concurrency: [2]\n', ['FILE:1: concurrency: must be a number, or a mapping of all and service names to numbers']],
  ])('%s', async (_what, text, lines) => {
    expect(await mistakes(text)).toEqual(lines);
  });

  it('reports every mistake of the file, not only the first, each on its own line, in the file’s order', async () => {
    expect(await mistakes('tags: [project=a]\nwaitTime: 5\nregions: [us-east-1, nowhere-1]\nprotect:\n  names: [""]\n')).toEqual([
      'FILE:2: waitTime: unknown key; did you mean waitTimeout?',
      'FILE:3: regions[1]: unknown region "nowhere-1" (not in the AWS SDK\'s region list); correct it',
      'FILE:5: protect.names[0]: must not be empty',
    ]);
  });

  it('gives the line in a JSON file too', async () => {
    expect(await mistakes('{\n  "tags": ["a=b"],\n  "regions": ["us-east-1", "mars-1"]\n}\n', '.json')).toEqual([
      'FILE:3: regions[1]: unknown region "mars-1" (not in the AWS SDK\'s region list); correct it',
    ]);
  });
});

describe('loadConfig: a file that cannot be used at all', () => {
  it.each([
    ['invalid YAML, with its line', 'tags: [a=b]\nregions: [us-east-1\n', /^FILE:\d+: not valid YAML: .*; fix the file$/],
    ['a key given twice', 'tags: [a=b]\ntags: [c=d]\n', /^FILE:2: not valid YAML: Map keys must be unique; fix the file$/],
    ['invalid JSON', '{ "tags": ["a=b"], }', /^FILE: not valid JSON \(.*\); fix the file$/],
    ['an empty file', '# nothing\n', /^FILE is empty; give at least one setting/],
    ['a list at the top', '- tags\n', /^FILE: must be a mapping of settings \(tags: \.\.\., regions: \.\.\.\), not a list$/],
  ])('%s', async (what, text, pattern) => {
    const lines = await mistakes(text, what === 'invalid JSON' ? '.json' : '.yaml');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  });

  it('a missing file, a folder, an unreadable file: one line each, exit 2', async () => {
    const missing = join(dir, 'nope.yaml');
    await expect(loadConfig(missing, KNOWN)).rejects.toThrow(`--config ${missing}: no such file; check the path`);
    const folder = join(dir, 'folder.yaml');
    await mkdir(folder);
    await expect(loadConfig(folder, KNOWN)).rejects.toThrow(`--config ${folder}: is a folder, not a file; give the config file in it`);
    const locked = await file('tags: [a=b]\n');
    await chmod(locked, 0o000);
    // root reads whatever the mode says: the refusal is checked only where the mode is enforced.
    if (process.getuid?.() !== 0) await expect(loadConfig(locked, KNOWN)).rejects.toThrow(`--config ${locked}: cannot be read (permission denied); check its mode`);
    await expect(loadConfig('', KNOWN)).rejects.toThrow('--config: give the file name');
  });
});

/** A command whose options are these, given on the command line where `cli` says. */
const command = (names: readonly string[], cli: readonly string[]): OptionSources => ({
  options: names.map((n) => ({ attributeName: () => n })),
  getOptionValueSource: (k) => (cli.includes(k) ? 'cli' : 'default'),
});
const ALL = ['config', 'tag', 'region', 'allRegions', 'discovery', 'waitTimeout', 'protectName', 'protectArn', 'maxResources'];

describe('mergeConfig: a flag wins over the file, the file over the default', () => {
  const config = { path: 'c.yaml', values: { tag: ['project=file'], region: ['eu-west-1'], discovery: 'list', protectName: ['prod-*'], maxResources: '5' } };

  it('takes the file’s keys for what the command line did not give, and says where each came from', () => {
    const { raw, sources } = mergeConfig({ tag: ['project=flag'], discovery: 'tagging', waitTimeout: '1800' }, command(ALL, ['tag']), config);
    expect(raw).toMatchObject({ tag: ['project=flag'], region: ['eu-west-1'], discovery: 'list', waitTimeout: '1800', protectName: ['prod-*'], protectFrom: { names: 'config' }, maxResources: '5' });
    expect(sources).toEqual({ tag: 'flag', region: 'file', allRegions: 'default', discovery: 'file', waitTimeout: 'default', protectName: 'file', protectArn: 'default', maxResources: 'file' });
  });

  it('a repeatable flag replaces the file’s whole list', () => {
    const { raw } = mergeConfig({ protectName: ['dev-*'] }, command(ALL, ['protectName']), config);
    expect(raw.protectName).toEqual(['dev-*']);
    expect(raw.protectFrom).toBeUndefined();
  });

  it('--all-regions on the command line sets the file’s regions aside (and --region its allRegions)', () => {
    expect(mergeConfig({ allRegions: true }, command(ALL, ['allRegions']), config).raw.region).toBeUndefined();
    const other = { path: 'c.yaml', values: { allRegions: true } };
    expect(mergeConfig({ region: ['us-east-1'] }, command(ALL, ['region']), other).raw.allRegions).toBeUndefined();
  });

  it('sets only the options the command has, less those it sets aside (apply: --region checks the plan)', () => {
    const { raw, sources } = mergeConfig({}, command(['config', 'region', 'maxResources'], []), config, ['region']);
    expect(raw).toEqual({ maxResources: '5' });
    expect(Object.keys(sources)).toEqual(['maxResources']);
  });

  it('no file: the command line alone, every other setting a default', () => {
    const { raw, sources } = mergeConfig({ tag: ['a=b'] }, command(ALL, ['tag']), undefined);
    expect(raw).toEqual({ tag: ['a=b'] });
    expect(sources.tag).toBe('flag');
    expect(sources.region).toBe('default');
  });
});

describe('protections and concurrency, as options', () => {
  it('--protect-arn and --protect-name are checked as the file’s keys are', () => {
    expect(() => parseAwsOptions({ protectArn: ['role/x'] })).toThrow('--protect-arn "role/x": must be an ARN (arn:partition:service:region:account:resource)');
    expect(() => parseAwsOptions({ protectName: [' prod'] })).toThrow('--protect-name " prod": must have no surrounding whitespace and no control character');
    expect(parseAwsOptions({ protectName: ['a', 'a'] }).protect).toEqual({ arns: [], names: ['a'], from: { arns: '--protect-arn', names: '--protect-name' } });
  });

  it('--concurrency is a whole number from 1 to 64 for every lane', () => {
    expect(parseAwsOptions({ concurrency: '3' }).concurrency).toEqual({ all: 3, services: {} });
    expect(() => parseAwsOptions({ concurrency: '0' })).toThrow('--concurrency "0": must be at least 1');
    expect(() => parseAwsOptions({ concurrency: 'lots' })).toThrow('--concurrency "lots": must be a number of operations');
  });

  it('concurrency lowers the table’s bounds, a service’s own over all, and never raises one', () => {
    const t = cappedLimits({ all: 3, services: { lambda: 1, sts: 50 } });
    expect(t.iam).toMatchObject({ read: 3, write: 3 });
    expect(t.lambda).toMatchObject({ read: 1, write: 1 });
    expect(t.sts).toMatchObject({ read: LIMITS.sts?.read, write: LIMITS.sts?.write });
    expect(t.ec2).toMatchObject({ read: 3, write: 1 });
    expect(cappedLimits(undefined)).toBe(LIMITS);
  });
});

describe('the scope keeps what the user protects', () => {
  const role = 'arn:aws:iam::123456789012:role/app-role';
  const fn = 'arn:aws:lambda:us-east-1:123456789012:function:prod-api';
  const other = 'arn:aws:lambda:us-east-1:123456789012:function:dev-api';
  const base = { users: [], holds: [], isGlobal: (t: string) => t === 'iam:role', lastUsed: new Map<string, string>(), examinedRegions: ['us-east-1'] };
  const found = [
    { ref: refOf(fn, 'lambda:function'), uses: [role] },
    { ref: refOf(other, 'lambda:function'), uses: [] },
    { ref: refOf(role, 'iam:role'), uses: [] },
  ];

  it('a name that matches a pattern: protected with the reason, and what it uses stays in use', () => {
    const d = decideScope({ ...base, found, protect: { arns: [], names: ['prod-*'], from: { arns: '--protect-arn', names: 'config' } } });
    const by = (arn: string) => d.find((x) => x.ref.arn === arn);
    expect(by(fn)).toMatchObject({ delete: false, status: 'skipped', rule: 'protected', reason: 'protected by config: name matches "prod-*"' });
    expect(by(role)).toMatchObject({ delete: false, rule: 'in-use', reason: 'used by lambda:function prod-api (us-east-1), which stays' });
    expect(by(other)).toMatchObject({ delete: true, rule: 'delete' });
  });

  it('an owner of a protected resource stays too (its delete would take it), and a protected owner keeps what it owns', () => {
    const stack = 'arn:aws:cloudformation:us-east-1:123456789012:stack/app/0f1e2d3c';
    const bucket = 'arn:aws:s3:::app-data';
    const stackRef = { ...refOf(stack, 'cloudformation:stack'), name: 'app' };
    const owned = [
      { ref: stackRef, uses: [] },
      { ref: refOf(bucket, 's3:bucket', 'us-east-1'), uses: [] },
    ];
    const owners = new Map([[bucket, stackRef]]);
    const byBucket = decideScope({ ...base, found: owned, owners, protect: { arns: [bucket], names: [] } });
    expect(byBucket.find((x) => x.ref.arn === bucket)).toMatchObject({ delete: false, rule: 'protected', reason: 'protected by config: its ARN is listed' });
    expect(byBucket.find((x) => x.ref.arn === stack)).toMatchObject({ delete: false, rule: 'held-back' });
    expect(byBucket.find((x) => x.ref.arn === stack)?.reason).toContain('which must stay (protected by config: its ARN is listed)');
    const byStack = decideScope({ ...base, found: owned, owners, protect: { arns: [], names: ['app'] } });
    expect(byStack.find((x) => x.ref.arn === stack)).toMatchObject({ delete: false, rule: 'protected' });
    expect(byStack.find((x) => x.ref.arn === bucket)).toMatchObject({ delete: false, rule: 'owned', reason: 'owned by cloudformation:stack app (us-east-1), which stays: left alone (never deleted behind its owner\'s back)' });
  });

  it('a listed ARN (IAM: whatever its path and case) is protected; without rules nothing is', () => {
    expect(protectedBy(refOf(role, 'iam:role'), { arns: ['arn:aws:iam::123456789012:role/team/APP-ROLE'], names: [] })).toBe('protected by config: its ARN is listed');
    expect(protectedBy(refOf(role, 'iam:role'), { arns: [], names: ['app-rol?'], from: { arns: '--protect-arn', names: '--protect-name' } })).toBe('protected by --protect-name: name matches "app-rol?"');
    expect(protectedBy(refOf(role, 'iam:role'), { arns: [], names: ['app', 'app-role.x', 'a+p-role'] })).toBeUndefined();
    expect(decideScope({ ...base, found }).every((x) => x.delete)).toBe(true);
  });
});

describe('config --explain', () => {
  it('says each setting’s value and source, as text and as JSON', () => {
    const raw = { tag: ['project=nova'], region: ['us-east-1'], protectName: ['prod-*'], protectFrom: { names: 'config' }, concurrency: { all: 2 } };
    const opts = parseCleanOptions(raw, KNOWN);
    const settings = effectiveSettings(opts, { tag: 'flag', region: 'file', protectName: 'file', concurrency: 'file' });
    const text = explainLines(settings, 'c.yaml', false);
    expect(text[0]).toContain('config file c.yaml; a flag wins over the file, the file over the default');
    expect(text.find((l) => l.trim().startsWith('tags '))).toMatch(/project=nova\s+flag$/);
    expect(text.find((l) => l.trim().startsWith('regions '))).toMatch(/us-east-1\s+file$/);
    expect(text.find((l) => l.trim().startsWith('protect.names '))).toMatch(/"prod-\*"\s+file$/);
    expect(text.find((l) => l.trim().startsWith('waitTimeout '))).toMatch(/1800 s\s+default$/);
    const json = JSON.parse(explainLines(settings, 'c.yaml', true)[0] as string) as { config: string; settings: Record<string, { value: unknown; source: string }> };
    expect(json.config).toBe('c.yaml');
    expect(json.settings.tags).toEqual({ value: [{ key: 'project', values: ['nova'] }], source: 'flag' });
    expect(json.settings.concurrency).toEqual({ value: { all: 2, services: {} }, source: 'file' });
    expect(json.settings.maxResources).toEqual({ value: null, source: 'default' });
  });
});
