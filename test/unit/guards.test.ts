import { describe, expect, it } from 'vitest';
import { ExitCode, NovaError } from '../../src/errors.js';
import { checkAccountLists, checkLimits, checkProdAlias, looksLikeProd, needsAlias, type AccountPolicy } from '../../src/run/guards.js';

const items = (counts: Record<string, number>) => Object.entries(counts).flatMap(([type, n]) => Array.from({ length: n }, () => ({ ref: { type } })));

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(NovaError);
    expect((err as NovaError).exitCode).toBe(ExitCode.Usage);
    return (err as Error).message;
  }
  throw new Error('expected a NovaError, nothing was thrown');
}

describe('checkLimits', () => {
  it('passes without limits, and within them', () => {
    expect(() => checkLimits(items({ 's3:bucket': 200 }), undefined)).not.toThrow();
    expect(() => checkLimits(items({ 's3:bucket': 100 }), { maxResources: 100 })).not.toThrow();
    expect(() => checkLimits(items({ 's3:bucket': 2, 'sagemaker:endpoint': 3 }), { expectTotal: 5, expectByType: { 'sagemaker:endpoint': 3, 'iam:role': 0 } })).not.toThrow();
  });

  it('refuses more than --max-resources', () => {
    expect(messageOf(() => checkLimits(items({ 's3:bucket': 120 }), { maxResources: 100 }))).toBe('the plan deletes 120 resources, more than --max-resources 100; nothing was changed');
    expect(messageOf(() => checkLimits(items({ 's3:bucket': 2 }), { maxResources: 1 }))).toBe('the plan deletes 2 resources, more than --max-resources 1; nothing was changed');
  });

  it('refuses a count by type that differs, saying by how much, each type in one line', () => {
    expect(messageOf(() => checkLimits(items({ 'sagemaker:endpoint': 5 }), { expectByType: { 'sagemaker:endpoint': 3 } }))).toBe(
      '--expect-count: expected 3 sagemaker:endpoint, the plan has 5 (2 more); nothing was changed',
    );
    expect(messageOf(() => checkLimits(items({ 'sagemaker:endpoint': 1, 'iam:role': 1 }), { expectByType: { 'sagemaker:endpoint': 3, 's3:bucket': 1, 'iam:role': 1 } }))).toBe(
      '--expect-count: expected 3 sagemaker:endpoint, the plan has 1 (2 fewer); expected 1 s3:bucket, the plan has 0 (1 fewer); nothing was changed',
    );
  });

  it('refuses a total that differs', () => {
    expect(messageOf(() => checkLimits(items({ 's3:bucket': 4 }), { expectTotal: 1 }))).toBe('--expect-count: expected 1 resource in all, the plan has 4 (3 more); nothing was changed');
    expect(messageOf(() => checkLimits([], { expectTotal: 2 }))).toBe('--expect-count: expected 2 resources in all, the plan has 0 (2 fewer); nothing was changed');
  });

  it('checks --max-resources first', () => {
    expect(messageOf(() => checkLimits(items({ 's3:bucket': 4 }), { maxResources: 3, expectTotal: 2 }))).toMatch(/^the plan deletes 4 resources, more than --max-resources 3/);
  });
});

describe('account guards', () => {
  const policy = (p: Partial<AccountPolicy> = {}): AccountPolicy => ({ allow: [], block: [], allowProdAlias: false, ...p });
  const ACCOUNT = '123456789012';

  it('checks nothing without a policy (a caller that did not parse CLI options)', () => {
    expect(() => checkAccountLists(ACCOUNT, undefined)).not.toThrow();
    expect(() => checkProdAlias(ACCOUNT, 'prod', undefined)).not.toThrow();
    expect(needsAlias(undefined, ACCOUNT)).toBe(false);
  });

  it('refuses a blocked account, and one not allowed', () => {
    expect(messageOf(() => checkAccountLists(ACCOUNT, policy({ block: [ACCOUNT] })))).toBe(`account guard: account ${ACCOUNT} is blocked (--block-account); nothing was done`);
    expect(messageOf(() => checkAccountLists(ACCOUNT, policy({ allow: ['111122223333', '444455556666'] })))).toBe(
      `account guard: account ${ACCOUNT} is not one of --allow-account 111122223333, 444455556666; nothing was done`,
    );
    expect(() => checkAccountLists(ACCOUNT, policy({ allow: [ACCOUNT], block: ['111122223333'] }))).not.toThrow();
    expect(() => checkAccountLists(ACCOUNT, policy())).not.toThrow();
  });

  it.each([
    ['prod', true],
    ['nova-PROD-eu', true],
    ['Production', true],
    ['myproduct-dev', true],
    ['nova-dev', false],
    [undefined, false],
  ])('reads alias %j as production: %s', (alias, prod) => {
    expect(looksLikeProd(alias)).toBe(prod);
  });

  it('refuses a prod alias unless --allow-prod-alias or the account is allowed by name', () => {
    expect(messageOf(() => checkProdAlias(ACCOUNT, 'acme-Prod', policy()))).toBe(
      `account guard: account ${ACCOUNT} has the alias "acme-Prod", which looks like production; pass --allow-prod-alias (or --allow-account ${ACCOUNT}) if you mean it; nothing was done`,
    );
    expect(() => checkProdAlias(ACCOUNT, 'acme-prod', policy({ allowProdAlias: true }))).not.toThrow();
    expect(() => checkProdAlias(ACCOUNT, 'acme-prod', policy({ allow: [ACCOUNT] }))).not.toThrow();
    expect(() => checkProdAlias(ACCOUNT, 'acme-dev', policy())).not.toThrow();
    expect(() => checkProdAlias(ACCOUNT, undefined, policy())).not.toThrow();
  });

  it('needs the alias only when it can decide', () => {
    expect(needsAlias(policy(), ACCOUNT)).toBe(true);
    expect(needsAlias(policy({ allowProdAlias: true }), ACCOUNT)).toBe(false);
    expect(needsAlias(policy({ allow: [ACCOUNT] }), ACCOUNT)).toBe(false);
  });
});
