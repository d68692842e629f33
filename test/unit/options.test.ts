import { describe, expect, it } from 'vitest';
import { ExitCode, NovaError } from '../../src/errors.js';
import { parseCleanOptions, parseTag } from '../../src/options.js';

const KNOWN = ['sagemaker:endpoint', 'sagemaker:model', 'lambda:function', 's3:bucket', 'iam:role'];
const parse = (raw: Record<string, unknown>) => parseCleanOptions({ tag: ['project=nova'], ...raw }, KNOWN);

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

describe('parseTag', () => {
  it.each([
    ['project=nova', { key: 'project', values: ['nova'] }],
    ['env=dev,prod', { key: 'env', values: ['dev', 'prod'] }],
    ['project', { key: 'project', values: [] }],
    ['project=', { key: 'project', values: [''] }],
    ['expr=a=b', { key: 'expr', values: ['a=b'] }],
    ['url=k=v,x=y', { key: 'url', values: ['k=v', 'x=y'] }],
    [' project =nova', { key: 'project', values: ['nova'] }],
  ])('%j', (raw, expected) => {
    expect(parseTag(raw)).toEqual(expected);
  });

  it.each(['=nova', '', '  =x'])('rejects %j: no key', (raw) => {
    expect(() => parseTag(raw)).toThrow(/no tag key/);
  });

  it('enforces the Tagging API limits', () => {
    expect(() => parseTag(`${'k'.repeat(129)}=v`)).toThrow(/longer than 128/);
    expect(() => parseTag(`k=${Array.from({ length: 21 }, (_, i) => `v${i}`).join(',')}`)).toThrow(/more than 20 values/);
    expect(() => parseTag(`k=${'v'.repeat(257)}`)).toThrow(/longer than 256/);
    expect(parseTag(`${'k'.repeat(128)}=${'v'.repeat(256)}`).values).toHaveLength(1);
  });
});

describe('parseCleanOptions', () => {
  it('fills the defaults', () => {
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
      account: undefined,
      waitTimeout: 1800,
    });
  });

  it('requires at least one --tag', () => {
    const err = novaErrorOf(() => parseCleanOptions({}, KNOWN));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toMatch(/--tag/);
    expect(novaErrorOf(() => parseCleanOptions({ tag: [] }, KNOWN)).message).toMatch(/at least one --tag/);
  });

  it('parses several tags: values, key only, empty value, values with "="', () => {
    expect(parse({ tag: ['project=nova', 'env=dev,prod', 'owner', 'flag=', 'expr=a=b'] }).tags).toEqual([
      { key: 'project', values: ['nova'] },
      { key: 'env', values: ['dev', 'prod'] },
      { key: 'owner', values: [] },
      { key: 'flag', values: [''] },
      { key: 'expr', values: ['a=b'] },
    ]);
  });

  it('rejects a key given twice, suggesting Key=v1,v2', () => {
    const err = novaErrorOf(() => parse({ tag: ['env=dev', 'env=prod'] }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/^--tag: key "env" given twice/);
    expect(err.message).toContain('env=v1,v2');
  });

  it('turns a bad tag into a --tag error', () => {
    const err = novaErrorOf(() => parse({ tag: ['=nova'] }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/^--tag: .*no tag key/);
  });

  it('rejects more than 50 tag keys', () => {
    const tag = Array.from({ length: 51 }, (_, i) => `k${i}=v`);
    expect(novaErrorOf(() => parse({ tag })).message).toMatch(/--tag: at most 50/);
    expect(parse({ tag: tag.slice(0, 50) }).tags).toHaveLength(50);
  });

  it.each([
    [{ account: '12345' }, '--account "12345"', /12-digit/],
    [{ account: '1234567890123' }, '--account "1234567890123"', /12-digit/],
    [{ endpointUrl: 'not a url' }, '--endpoint-url "not a url"', /http\(s\) URL/],
    [{ endpointUrl: 'ftp://localhost:5000' }, '--endpoint-url "ftp://localhost:5000"', /http\(s\) URL/],
    [{ waitTimeout: 'soon' }, '--wait-timeout "soon"', /expected number/],
    [{ waitTimeout: '0' }, '--wait-timeout "0"', />=\s*1\b/],
    [{ waitTimeout: '2.5' }, '--wait-timeout "2.5"', /int/i],
    [{ waitTimeout: '86401' }, '--wait-timeout "86401"', /86400/],
    [{ includeType: ['Sagemaker:Endpoint'] }, '--include-type "Sagemaker:Endpoint"', /service:type/],
    [{ excludeType: ['endpoint'] }, '--exclude-type "endpoint"', /service:type/],
    [{ region: [''] }, '--region ""', /too small/i],
    [{ backupDir: '' }, '--backup-dir ""', /too small/i],
  ])('rejects %j naming the flag and the value', (raw, prefix, why) => {
    const err = novaErrorOf(() => parse(raw));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message.startsWith(`${prefix}: `)).toBe(true);
    expect(err.message.slice(prefix.length)).toMatch(why);
  });

  it.each([
    ['30', 30],
    [45, 45],
    ['86400', 86_400],
  ])('coerces --wait-timeout %j to %d', (raw, seconds) => {
    expect(parse({ waitTimeout: raw }).waitTimeout).toBe(seconds);
  });

  it('accepts http and https endpoints', () => {
    expect(parse({ endpointUrl: 'http://localhost:5000' }).endpointUrl).toBe('http://localhost:5000');
    expect(parse({ endpointUrl: 'https://example.com' }).endpointUrl).toBe('https://example.com');
  });

  it('accepts a 12-digit account', () => {
    expect(parse({ account: '123456789012' }).account).toBe('123456789012');
  });

  it('accepts known types and service:* when the service has types', () => {
    const o = parse({ includeType: ['sagemaker:*', 'lambda:function'], excludeType: ['sagemaker:model'] });
    expect(o.includeTypes).toEqual(['sagemaker:*', 'lambda:function']);
    expect(o.excludeTypes).toEqual(['sagemaker:model']);
  });

  it.each([
    [{ includeType: ['sagemaker:notebook'] }, 'sagemaker:notebook'],
    [{ excludeType: ['ec2:*'] }, 'ec2:*'],
    [{ includeType: ['sage:*'] }, 'sage:*'],
  ])('rejects the unknown type in %j, listing the known ones', (raw, type) => {
    const err = novaErrorOf(() => parse(raw));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`unknown type "${type}"`);
    expect(err.message).toContain('sagemaker:endpoint');
  });

  it('rejects --interactive with --yes', () => {
    const err = novaErrorOf(() => parse({ interactive: true, yes: true }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/--interactive and --yes/);
    expect(parse({ interactive: true }).interactive).toBe(true);
    expect(parse({ yes: true }).yes).toBe(true);
  });

  it('drops repeated regions, keeping the order', () => {
    expect(parse({ region: ['eu-west-1', 'us-east-1', 'eu-west-1'] }).regions).toEqual(['eu-west-1', 'us-east-1']);
  });
});
