import { NovaError } from '../errors.js';

/**
 * Guards the user sets on a run (`--max-resources`, `--expect-count`, `--allow-account`,
 * `--block-account`, `--allow-prod-alias`). Each refuses with exit 2 before any change. Pure: no AWS call.
 */

/** `--max-resources` and `--expect-count`: checked against the plan's items, before anything is confirmed. */
export interface Limits {
  readonly maxResources?: number | undefined;
  /** `--expect-count N`: the plan deletes exactly N resources. */
  readonly expectTotal?: number | undefined;
  /** `--expect-count service:type=N`, by type. */
  readonly expectByType?: Readonly<Record<string, number>> | undefined;
}

/** Which accounts a run may touch. Present on options the CLI parsed; absent, no check is made. */
export interface AccountPolicy {
  /** `--allow-account`: only these (empty: any). */
  readonly allow: readonly string[];
  /** `--block-account`: never these. */
  readonly block: readonly string[];
  /** `--allow-prod-alias`: run in an account whose alias contains "prod". */
  readonly allowProdAlias: boolean;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const difference = (expected: number, actual: number): string => (actual > expected ? `${actual - expected} more` : `${expected - actual} fewer`);

/** Throws when the plan's items break a limit; one line naming each difference. */
export function checkLimits(items: readonly { readonly ref: { readonly type: string } }[], limits: Limits | undefined): void {
  if (!limits) return;
  const total = items.length;
  if (limits.maxResources !== undefined && total > limits.maxResources) {
    throw new NovaError(`the plan deletes ${plural(total, 'resource')}, more than --max-resources ${limits.maxResources}; nothing was changed`);
  }
  const wrong: string[] = [];
  if (limits.expectTotal !== undefined && total !== limits.expectTotal) {
    wrong.push(`expected ${plural(limits.expectTotal, 'resource')} in all, the plan has ${total} (${difference(limits.expectTotal, total)})`);
  }
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i.ref.type, (counts.get(i.ref.type) ?? 0) + 1);
  for (const [type, expected] of Object.entries(limits.expectByType ?? {})) {
    const actual = counts.get(type) ?? 0;
    if (actual !== expected) wrong.push(`expected ${expected} ${type}, the plan has ${actual} (${difference(expected, actual)})`);
  }
  if (wrong.length > 0) throw new NovaError(`--expect-count: ${wrong.join('; ')}; nothing was changed`);
}

/** Does an account alias look like production (as aws-nuke reads it: "prod" anywhere, any case)? */
export const looksLikeProd = (alias: string | undefined): boolean => alias !== undefined && alias.toLowerCase().includes('prod');

/** Does the policy need the account's alias to decide? (Not when prod aliases are allowed, or the account is named.) */
export function needsAlias(policy: AccountPolicy | undefined, account: string): boolean {
  return policy !== undefined && !policy.allowProdAlias && !policy.allow.includes(account);
}

/** `--block-account` / `--allow-account`: right after STS GetCallerIdentity. */
export function checkAccountLists(account: string, policy: AccountPolicy | undefined): void {
  if (!policy) return;
  if (policy.block.includes(account)) throw new NovaError(`account guard: account ${account} is blocked (--block-account); nothing was done`);
  if (policy.allow.length > 0 && !policy.allow.includes(account)) {
    throw new NovaError(`account guard: account ${account} is not one of --allow-account ${policy.allow.join(', ')}; nothing was done`);
  }
}

/** An alias containing "prod" is refused unless --allow-prod-alias, or the account is named in --allow-account. */
export function checkProdAlias(account: string, alias: string | undefined, policy: AccountPolicy | undefined): void {
  if (!policy || !looksLikeProd(alias) || !needsAlias(policy, account)) return;
  throw new NovaError(`account guard: account ${account} has the alias "${alias}", which looks like production; pass --allow-prod-alias (or --allow-account ${account}) if you mean it; nothing was done`);
}
