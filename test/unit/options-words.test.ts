import { describe, expect, it } from 'vitest';
import { NovaError, usageLine } from '../../src/errors.js';
import { closest, parseAwsOptions, parseConfirmOptions, parseSelection, parseTagCommand } from '../../src/options.js';

const KNOWN = ['sagemaker:endpoint', 'sagemaker:endpoint-config', 'lambda:function', 's3:bucket', 'iam:role'];

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(NovaError);
    return (err as Error).message;
  }
  throw new Error('expected a NovaError, nothing was thrown');
}

describe('option errors are said in words, not in zod’s', () => {
  it.each([
    [() => parseAwsOptions({ profile: '' }), '--profile "": must not be empty'],
    [() => parseAwsOptions({ waitTimeout: 'abc' }), '--wait-timeout "abc": must be a number of seconds'],
    [() => parseAwsOptions({ waitTimeout: '' }), '--wait-timeout "": must be at least 1'],
    [() => parseAwsOptions({ profile: 7 }), '--profile "7": must be a value'],
    [() => parseConfirmOptions({ backupDir: '' }), '--backup-dir "": must not be empty'],
    [() => parseSelection({ tag: ['a=b'], region: [''] }, KNOWN), '--region "": must not be empty'],
    [() => parseSelection({ tag: ['a=b'], discovery: 'sometimes' }, KNOWN), '--discovery "sometimes": must be tagging, list or both'],
    [() => parseTagCommand({ preset: 'forge', tag: ['a=b'] }, KNOWN), '--preset "forge": the only preset is nova'],
  ])('%#: %s', (fn, message) => {
    const m = messageOf(fn);
    expect(m).toBe(message);
    expect(m).not.toMatch(/expected \w+, received|Too small|Invalid input|NaN/);
  });
});

describe('closest', () => {
  it('finds a typo, not a stranger', () => {
    expect(closest('sagemaker:endpont', KNOWN)).toBe('sagemaker:endpoint');
    expect(closest('sagemaker:endpoint-confg', KNOWN)).toBe('sagemaker:endpoint-config');
    expect(closest('Lambda:Function', KNOWN)).toBe('lambda:function');
    expect(closest('ec2:instance', KNOWN)).toBeUndefined();
  });
});

describe("usageLine: commander's errors as one line with a way out", () => {
  it.each([
    ["error: unknown option '--tga'\n(Did you mean --tag?)", ['--tga', 'a=b'], "unknown option '--tga' (did you mean --tag?) see `nova-cleanup --help`"],
    ["error: unknown option '--bogus'", ['apply', 'p.json', '--bogus'], "unknown option '--bogus'; see `nova-cleanup apply --help`"],
    ["error: missing required argument 'plan'", ['apply'], "missing required argument 'plan'; see `nova-cleanup apply --help`"],
    ["error: option '-t, --tag <Key=Value>' argument missing", ['--tag'], "option '-t, --tag <Key=Value>' argument missing; see `nova-cleanup --help`"],
    ['error: too many arguments. Expected 0 arguments but got 1.', ['aply', 'p.json'], 'unexpected argument "aply": not a command (plan, apply, resume, restore, tag, types, policy, config, help); did you mean apply? see `nova-cleanup --help`'],
    ['error: too many arguments. Expected 0 arguments but got 1.', ['--dry-run', 'cleanup'], 'unexpected argument "cleanup": not a command (plan, apply, resume, restore, tag, types, policy, config, help); see `nova-cleanup --help`'],
    ["error: too many arguments for 'apply'. Expected 1 argument but got 2.", ['apply', 'a', 'b'], "too many arguments for 'apply'. Expected 1 argument but got 2; see `nova-cleanup apply --help`"],
  ])('%j', (message, argv, line) => {
    const out = usageLine(message, argv);
    expect(out).toBe(line);
    expect(out).not.toContain('\n');
  });
});
