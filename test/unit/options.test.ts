import { describe, expect, it } from 'vitest';
import { ExitCode, NovaError } from '../../src/errors.js';
import { EMPTY_VALUE, parseAwsOptions, parseCleanOptions, parseConfirmOptions, parseLimits, parseSelection, parseTag } from '../../src/options.js';

const KNOWN = ['sagemaker:endpoint', 'sagemaker:model', 'lambda:function', 's3:bucket', 'iam:role'];
const parse = (raw: Record<string, unknown>) => parseCleanOptions({ tag: ['project=nova'], ...raw }, KNOWN);
const select = (raw: Record<string, unknown>) => parseSelection({ tag: ['project=nova'], ...raw }, KNOWN);

/** The NovaError `fn` throws (failing the test when it throws something else, or nothing). */
function novaErrorOf(fn: () => unknown): NovaError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(NovaError);
    return err as NovaError;
  }
  throw new Error('expected a NovaError, nothing was thrown');
}

/** The message of the Error `fn` throws. */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return (err as Error).message;
  }
  throw new Error('expected an error, nothing was thrown');
}

describe('parseTag', () => {
  it.each([
    ['project=nova', { key: 'project', values: ['nova'] }],
    ['env=dev,prod', { key: 'env', values: ['dev', 'prod'] }],
    ['project', { key: 'project', values: [] }],
    ['expr=a=b', { key: 'expr', values: ['a=b'] }],
    ['url=k=v,x=y', { key: 'url', values: ['k=v', 'x=y'] }],
    ['inner=a b', { key: 'inner', values: ['a b'] }],
    ['aws:cloudformation:stack-name=nova', { key: 'aws:cloudformation:stack-name', values: ['nova'] }],
    ['unicode=ñøvå', { key: 'unicode', values: ['ñøvå'] }],
  ])('%j', (raw, expected) => {
    expect(parseTag(raw)).toEqual(expected);
  });

  describe('empty values', () => {
    it('refuses Key= (an empty value), saying how to ask for it and how to match any value', () => {
      const msg = messageOf(() => parseTag('project='));
      expect(msg).toBe(`tag project has an empty value; to match resources whose project is empty, write project=${EMPTY_VALUE}; to match any value, write project alone`);
    });

    it.each(['env=dev,', 'env=,dev', 'env=dev,,prod', 'env=,'])('refuses %j: a stray comma', (raw) => {
      const msg = messageOf(() => parseTag(raw));
      expect(msg).toMatch(/^tag env: ".*" has an empty value \(a stray comma\?\); to match an empty value, write ""$/);
      expect(msg).toContain(`"${raw.slice(4)}"`);
    });

    it('takes Key="" as the explicit empty value', () => {
      expect(EMPTY_VALUE).toBe('""');
      expect(parseTag('flag=""')).toEqual({ key: 'flag', values: [''] });
    });

    it('takes "" beside other values', () => {
      expect(parseTag('env=dev,""')).toEqual({ key: 'env', values: ['dev', ''] });
    });
  });

  describe('whitespace', () => {
    it.each([' project=nova', 'project =nova', '\u00a0project=nova', ' project'])('refuses whitespace around the key in %j', (raw) => {
      expect(messageOf(() => parseTag(raw))).toMatch(/^tag key ".*" has whitespace around it; remove it/);
    });

    it.each([
      ['project= nova', ' nova'],
      ['project=nova ', 'nova '],
      ['env=dev, prod', ' prod'],
    ])('refuses whitespace around the value in %j, quoting the value', (raw, value) => {
      expect(messageOf(() => parseTag(raw))).toBe(`tag ${raw.split('=')[0]}: value "${value}" has whitespace around it; remove it (tag values rarely do)`);
    });

    it('refuses a value that is only spaces (it is not the empty value)', () => {
      expect(messageOf(() => parseTag('project=  '))).toMatch(/whitespace around it/);
    });
  });

  it.each(['project=no\nva', 'proj\tect=nova', 'project=nova\u0000', 'project=\u007f'])('refuses the control character in %j, showing it escaped', (raw) => {
    const msg = messageOf(() => parseTag(raw));
    expect(msg).toMatch(/contains a control character; type the tag again without it$/);
    expect(msg).toMatch(/\\x(0a|09|00|7f)/);
    expect([...msg].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)).toBe(false);
  });

  it('refuses a value given twice', () => {
    expect(messageOf(() => parseTag('env=dev,prod,dev'))).toBe('tag env: value "dev" is given twice');
  });

  // src/options.ts: the explicit empty value skips the duplicate check (`continue` before `out.includes`),
  // so `env="",""` gives values ['', ''] instead of being refused like any other repeated value.
  it('refuses the explicit empty value given twice, like any other value', () => {
    expect(messageOf(() => parseTag('env="",""'))).toMatch(/^tag env: value .* is given twice$/);
  });

  it.each(['=nova', '', '  =x', '='])('refuses %j: no key', (raw) => {
    expect(messageOf(() => parseTag(raw))).toMatch(/has no tag key/);
  });

  it('enforces the Tagging API limits, and accepts what is within them', () => {
    expect(messageOf(() => parseTag(`${'k'.repeat(129)}=v`))).toMatch(/longer than 128/);
    expect(messageOf(() => parseTag(`k=${Array.from({ length: 21 }, (_, i) => `v${i}`).join(',')}`))).toMatch(/more than 20 values/);
    expect(messageOf(() => parseTag(`k=${'v'.repeat(257)}`))).toMatch(/longer than 256/);
    expect(parseTag(`${'k'.repeat(128)}=${'v'.repeat(256)}`).values).toHaveLength(1);
    expect(parseTag(`k=${Array.from({ length: 20 }, (_, i) => `v${i}`).join(',')}`).values).toHaveLength(20);
  });
});

describe('parseSelection', () => {
  it('parses the tags, regions and types', () => {
    expect(select({ tag: ['project=nova', 'env=dev,prod', 'owner'], region: ['us-east-1'], includeType: ['sagemaker:*'], excludeType: ['sagemaker:model'] })).toEqual({
      tags: [
        { key: 'project', values: ['nova'] },
        { key: 'env', values: ['dev', 'prod'] },
        { key: 'owner', values: [] },
      ],
      regions: ['us-east-1'],
      allRegions: false,
      discovery: 'tagging',
      settings: { deleteSharedLogGroups: false, deleteStudioEfs: false, deleteOwnedLogGroups: false, assumeAbsent: [] },
      includeTypes: ['sagemaker:*'],
      excludeTypes: ['sagemaker:model'],
    });
  });

  it('--all-regions: every enabled region, read later (no region named here)', () => {
    expect(select({ allRegions: true })).toMatchObject({ allRegions: true, regions: [] });
    expect(select({}).allRegions).toBe(false);
  });

  it('--all-regions with --region is refused (exit 2), whatever the regions', () => {
    for (const region of [['us-east-1'], ['us-east-1,eu-west-1'], ['eu-west-1', 'us-west-2']]) {
      const err = novaErrorOf(() => select({ allRegions: true, region }));
      expect(err.exitCode).toBe(ExitCode.Usage);
      expect(err.message).toBe('--all-regions and --region contradict each other; choose one');
    }
  });

  it('--region all is refused, pointing at --all-regions (alone or among other regions)', () => {
    for (const region of [['all'], ['us-east-1,all'], ['us-east-1', 'all']]) {
      const err = novaErrorOf(() => select({ region }));
      expect(err.exitCode).toBe(ExitCode.Usage);
      expect(err.message).toBe('--region all is not a region; use --all-regions for every region enabled for the account');
    }
  });

  it('--discovery: tagging (the default), list or both; anything else is refused naming the flag', () => {
    expect(select({}).discovery).toBe('tagging');
    for (const mode of ['tagging', 'list', 'both'] as const) expect(select({ discovery: mode }).discovery).toBe(mode);
    const err = novaErrorOf(() => select({ discovery: 'lists' }));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toBe('--discovery "lists": must be tagging, list or both');
  });

  it('the explicit settings are off unless their flag is given', () => {
    expect(select({}).settings).toEqual({ deleteSharedLogGroups: false, deleteStudioEfs: false, deleteOwnedLogGroups: false, assumeAbsent: [] });
    expect(select({ deleteSharedLogGroups: true }).settings).toEqual({ deleteSharedLogGroups: true, deleteStudioEfs: false, deleteOwnedLogGroups: false, assumeAbsent: [] });
    expect(select({ deleteStudioEfs: true }).settings).toEqual({ deleteSharedLogGroups: false, deleteStudioEfs: true, deleteOwnedLogGroups: false, assumeAbsent: [] });
    expect(select({ deleteOwnedLogGroups: true }).settings.deleteOwnedLogGroups).toBe(true);
  });

  it('--assume-absent takes known types (or service:*) only', () => {
    expect(select({ assumeAbsent: ['sagemaker:*', 'iam:role'] }).settings.assumeAbsent).toEqual(['sagemaker:*', 'iam:role']);
    const err = novaErrorOf(() => select({ assumeAbsent: ['sagemaker:mlflow'] }));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toMatch(/^unknown type "sagemaker:mlflow"/);
    expect(novaErrorOf(() => select({ assumeAbsent: ['mlflow'] })).message).toMatch(/^--assume-absent "mlflow": must look like service:type/);
  });

  it('requires at least one --tag', () => {
    const err = novaErrorOf(() => parseSelection({}, KNOWN));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toMatch(/^at least one --tag Key=Value is required/);
    expect(novaErrorOf(() => parseSelection({ tag: [] }, KNOWN)).message).toMatch(/at least one --tag/);
  });

  it('turns a bad tag into a --tag error (exit 2)', () => {
    const err = novaErrorOf(() => select({ tag: ['project=nova,'] }));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toMatch(/^--tag: tag project: "nova," has an empty value/);
    expect(novaErrorOf(() => select({ tag: ['=nova'] })).message).toMatch(/^--tag: .*no tag key/);
  });

  it('refuses a key given twice, suggesting Key=v1,v2', () => {
    const err = novaErrorOf(() => select({ tag: ['env=dev', 'env=prod'] }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/^--tag: key "env" given twice/);
    expect(err.message).toContain('env=v1,v2');
  });

  it('refuses more than 50 tag keys', () => {
    const tag = Array.from({ length: 51 }, (_, i) => `k${i}=v`);
    expect(novaErrorOf(() => select({ tag })).message).toMatch(/^--tag: at most 50/);
    expect(select({ tag: tag.slice(0, 50) }).tags).toHaveLength(50);
  });

  it('splits comma-separated regions, trims them, and drops repeats keeping the order', () => {
    expect(select({ region: ['eu-west-1,us-east-1', 'us-west-2', 'eu-west-1'] }).regions).toEqual(['eu-west-1', 'us-east-1', 'us-west-2']);
    expect(select({ region: ['eu-west-1, us-east-1'] }).regions).toEqual(['eu-west-1', 'us-east-1']);
    expect(select({}).regions).toEqual([]);
  });

  it.each([['us-east-1,'], [',us-east-1'], ['us-east-1,,eu-west-1'], ['us-east-1, ']])('refuses an empty region in %j', (region) => {
    const err = novaErrorOf(() => select({ region: [region] }));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toBe('--region: an empty region (a stray comma?)');
  });

  it('refuses an empty --region, naming the flag', () => {
    expect(novaErrorOf(() => select({ region: [''] })).message).toBe('--region "": must not be empty');
  });

  it('accepts known types and service:* when the service has types', () => {
    const o = select({ includeType: ['sagemaker:*', 'lambda:function'], excludeType: ['sagemaker:model'] });
    expect(o.includeTypes).toEqual(['sagemaker:*', 'lambda:function']);
    expect(o.excludeTypes).toEqual(['sagemaker:model']);
  });

  it.each([
    [{ includeType: ['sagemaker:notebook'] }, 'unknown type "sagemaker:notebook" (--include-type); sagemaker has no such type; `nova-cleanup types` lists every type'],
    [{ excludeType: ['ec2:*'] }, 'unknown type "ec2:*" (--exclude-type); no supported type is of service ec2 (the services: sagemaker, lambda, s3, iam); `nova-cleanup types` lists every type'],
    [{ includeType: ['sage:*'] }, 'unknown type "sage:*" (--include-type); no supported type is of service sage (the services: sagemaker, lambda, s3, iam); `nova-cleanup types` lists every type'],
    [{ includeType: ['sagemaker:endpont'] }, 'unknown type "sagemaker:endpont" (--include-type); did you mean sagemaker:endpoint? `nova-cleanup types` lists every type'],
    [{ assumeAbsent: ['lamda:function'] }, 'unknown type "lamda:function" (--assume-absent); did you mean lambda:function? `nova-cleanup types` lists every type'],
    [{ excludeType: ['s3:buckets'] }, 'unknown type "s3:buckets" (--exclude-type); did you mean s3:bucket? `nova-cleanup types` lists every type'],
  ])('refuses the unknown type in %j, naming the flag and the closest type or the services', (raw, message) => {
    const err = novaErrorOf(() => select(raw));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(message);
  });

  it.each([
    [{ includeType: ['Sagemaker:Endpoint'] }, '--include-type "Sagemaker:Endpoint"'],
    [{ excludeType: ['endpoint'] }, '--exclude-type "endpoint"'],
  ])('refuses a malformed type in %j, naming the flag and the value', (raw, prefix) => {
    expect(novaErrorOf(() => select(raw)).message).toBe(`${prefix}: must look like service:type or service:*`);
  });
});

describe('parseConfirmOptions', () => {
  it('fills the defaults', () => {
    expect(parseConfirmOptions({})).toEqual({ interactive: false, yes: false, backupDir: './nova-cleanup-backups' });
  });

  it('refuses --interactive with --yes', () => {
    const err = novaErrorOf(() => parseConfirmOptions({ interactive: true, yes: true }));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toBe('--interactive and --yes contradict each other; choose one');
  });

  it('takes either alone', () => {
    expect(parseConfirmOptions({ interactive: true })).toMatchObject({ interactive: true, yes: false });
    expect(parseConfirmOptions({ yes: true })).toMatchObject({ interactive: false, yes: true });
  });

  it('refuses an empty --backup-dir', () => {
    expect(novaErrorOf(() => parseConfirmOptions({ backupDir: '' })).message).toBe('--backup-dir "": must not be empty');
    expect(parseConfirmOptions({ backupDir: '/tmp/b' }).backupDir).toBe('/tmp/b');
  });
});

describe('parseAwsOptions', () => {
  it('fills the defaults', () => {
    expect(parseAwsOptions({})).toEqual({
      profile: undefined,
      endpointUrl: undefined,
      account: undefined,
      json: false,
      waitTimeout: 1800,
      debug: false,
      accountPolicy: { allow: [], block: [], allowProdAlias: false },
    });
  });

  it.each([
    [{ waitTimeout: 'soon' }, '--wait-timeout "soon": must be a number of seconds'],
    [{ waitTimeout: '0' }, '--wait-timeout "0": must be at least 1'],
    [{ waitTimeout: '-5' }, '--wait-timeout "-5": must be at least 1'],
    [{ waitTimeout: '2.5' }, '--wait-timeout "2.5": must be a whole number of seconds'],
    [{ waitTimeout: '86401' }, '--wait-timeout "86401": must be at most 86400 (a day)'],
    [{ account: '12345' }, '--account "12345": must be a 12-digit AWS account id'],
    [{ account: '1234567890123' }, '--account "1234567890123": must be a 12-digit AWS account id'],
    [{ endpointUrl: 'not a url' }, '--endpoint-url "not a url": must be an http(s) URL'],
    [{ endpointUrl: 'ftp://localhost:5000' }, '--endpoint-url "ftp://localhost:5000": must be an http(s) URL'],
  ])('refuses %j in words, naming the flag and the value', (raw, message) => {
    const err = novaErrorOf(() => parseAwsOptions(raw));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toBe(message);
  });

  it.each([
    ['30', 30],
    [45, 45],
    ['1', 1],
    ['86400', 86_400],
  ])('coerces --wait-timeout %j to %d', (raw, seconds) => {
    expect(parseAwsOptions({ waitTimeout: raw }).waitTimeout).toBe(seconds);
  });

  it('accepts http and https endpoints and a 12-digit account', () => {
    expect(parseAwsOptions({ endpointUrl: 'http://localhost:5000' }).endpointUrl).toBe('http://localhost:5000');
    expect(parseAwsOptions({ endpointUrl: 'https://example.com' }).endpointUrl).toBe('https://example.com');
    expect(parseAwsOptions({ account: '123456789012' }).account).toBe('123456789012');
  });
});

describe('parseCleanOptions', () => {
  it('joins selection, AWS and confirmation options, with the defaults', () => {
    expect(parse({})).toEqual({
      tags: [{ key: 'project', values: ['nova'] }],
      regions: [],
      profile: undefined,
      endpointUrl: undefined,
      dryRun: false,
      interactive: false,
      yes: false,
      json: false,
      backupDir: './nova-cleanup-backups',
      includeTypes: [],
      excludeTypes: [],
      allRegions: false,
      discovery: 'tagging',
      settings: { deleteSharedLogGroups: false, deleteStudioEfs: false, deleteOwnedLogGroups: false, assumeAbsent: [] },
      account: undefined,
      waitTimeout: 1800,
      debug: false,
      accountPolicy: { allow: [], block: [], allowProdAlias: false },
      limits: { maxResources: undefined, expectTotal: undefined, expectByType: {} },
    });
  });

  it('carries --all-regions, --discovery and the settings through', () => {
    expect(parse({ allRegions: true, discovery: 'both', deleteStudioEfs: true })).toMatchObject({
      allRegions: true,
      regions: [],
      discovery: 'both',
      settings: { deleteSharedLogGroups: false, deleteStudioEfs: true, deleteOwnedLogGroups: false, assumeAbsent: [] },
    });
    expect(novaErrorOf(() => parse({ allRegions: true, region: ['us-east-1'] })).message).toMatch(/--all-regions and --region contradict/);
  });

  it('is a dry run only when asked with true', () => {
    expect(parse({ dryRun: true }).dryRun).toBe(true);
    expect(parse({ dryRun: 'yes' }).dryRun).toBe(false);
  });

  it('checks every part: a conflict, a bad timeout, a bad tag', () => {
    expect(novaErrorOf(() => parse({ interactive: true, yes: true })).message).toMatch(/--interactive and --yes/);
    expect(novaErrorOf(() => parse({ waitTimeout: 'x' })).message).toMatch(/^--wait-timeout "x": must be a number of seconds$/);
    expect(novaErrorOf(() => parse({ tag: ['project= nova'] })).message).toMatch(/^--tag: tag project: value " nova" has whitespace around it/);
  });
});

describe('account guards (--allow-account, --block-account, --allow-prod-alias)', () => {
  it('collects the lists, without repeats, and the switch', () => {
    expect(parseAwsOptions({ allowAccount: ['123456789012', '123456789012', '210987654321'], blockAccount: ['111122223333'], allowProdAlias: true }).accountPolicy).toEqual({
      allow: ['123456789012', '210987654321'],
      block: ['111122223333'],
      allowProdAlias: true,
    });
  });

  it.each([
    [{ allowAccount: ['12345'] }, '--allow-account "12345": must be a 12-digit AWS account id'],
    [{ allowAccount: ['123456789012', 'abc'] }, '--allow-account "abc": must be a 12-digit AWS account id'],
    [{ blockAccount: ['1234567890123'] }, '--block-account "1234567890123": must be a 12-digit AWS account id'],
    [{ allowAccount: ['123456789012'], blockAccount: ['123456789012'] }, '--allow-account and --block-account both name 123456789012; choose one'],
  ])('refuses %j in one line', (raw, message) => {
    const err = novaErrorOf(() => parseAwsOptions(raw));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toBe(message);
  });
});

describe('parseLimits (--max-resources, --expect-count)', () => {
  const limits = (raw: Record<string, unknown>) => parseLimits(raw, KNOWN);

  it('has no limit by default', () => {
    expect(limits({})).toEqual({ maxResources: undefined, expectTotal: undefined, expectByType: {} });
  });

  it('reads a maximum, a total and counts by type (0 included)', () => {
    expect(limits({ maxResources: '100', expectCount: ['12', 'sagemaker:endpoint=3', 'iam:role=0'] })).toEqual({
      maxResources: 100,
      expectTotal: 12,
      expectByType: { 'sagemaker:endpoint': 3, 'iam:role': 0 },
    });
  });

  it.each([
    [{ maxResources: '0' }, '--max-resources "0": must be a whole number of resources, at least 1 (use --dry-run to delete nothing)'],
    [{ maxResources: '-3' }, '--max-resources "-3": must be a whole number of resources, at least 1 (use --dry-run to delete nothing)'],
    [{ maxResources: '2.5' }, '--max-resources "2.5": must be a whole number of resources, at least 1 (use --dry-run to delete nothing)'],
    [{ maxResources: 'ten' }, '--max-resources "ten": must be a whole number of resources, at least 1 (use --dry-run to delete nothing)'],
    [{ maxResources: '' }, '--max-resources "": must be a whole number of resources, at least 1 (use --dry-run to delete nothing)'],
    [{ expectCount: ['three'] }, '--expect-count "three": must be N (the total) or service:type=N, N a whole number'],
    [{ expectCount: ['sagemaker:endpoint=-1'] }, '--expect-count "sagemaker:endpoint=-1": must be N (the total) or service:type=N, N a whole number'],
    [{ expectCount: ['sagemaker:endpoint'] }, '--expect-count "sagemaker:endpoint": must be N (the total) or service:type=N, N a whole number'],
    [{ expectCount: ['sagemaker:*=2'] }, '--expect-count "sagemaker:*=2": must be N (the total) or service:type=N, N a whole number'],
    [{ expectCount: ['ec2:instance=2'] }, '--expect-count "ec2:instance=2": unknown type "ec2:instance"; see `nova-cleanup types`'],
    [{ expectCount: ['3', '4'] }, '--expect-count "4": the total is given twice'],
    [{ expectCount: ['s3:bucket=1', 's3:bucket=2'] }, '--expect-count "s3:bucket=2": s3:bucket is given twice'],
    [{ maxResources: '5', expectCount: ['6'] }, '--expect-count 6 is more than --max-resources 5: no plan could pass both'],
  ])('refuses %j in one line', (raw, message) => {
    const err = novaErrorOf(() => limits(raw));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toBe(message);
  });

  it('is part of the clean options', () => {
    expect(parse({ maxResources: '7' }).limits?.maxResources).toBe(7);
  });
});
