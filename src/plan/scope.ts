import { arnKey } from '../aws/arn.js';
import type { ResourceRef, Rule, Status } from '../model.js';
import { byCodePoint } from './order.js';

/** A live resource that may use candidates: found by the tags, reached by reference, or listed by the usage check. */
export interface User {
  readonly ref: ResourceRef;
  readonly uses: readonly string[];
}

/**
 * A resource that could not be read, or is of an unsupported type, may use resources of `types`:
 * candidates of those types stay. `region` undefined: in every region. A global type (IAM) is held
 * whatever region the hold names.
 */
export interface Hold {
  readonly types: readonly string[];
  readonly region: string | undefined;
  /** What holds them back (an ARN, or a listing). */
  readonly by: string;
  /** Said of each resource it holds back. */
  readonly reason: string;
  /** The read that failed, when the hold comes from one the run has not reported otherwise (the usage check's). */
  readonly failure?: { readonly arn: string; readonly type: string; readonly region: string; readonly name: string; readonly error: string } | undefined;
}

/**
 * What the user says must never be deleted (`--protect-arn`, `--protect-name`, the config file's
 * `protect`): a resource whose ARN is listed or whose name matches a glob (`*` any run of characters,
 * `?` one) stays, shown as `protected`, and keeps what it uses. `from` names where each list came from.
 */
export interface ProtectRules {
  readonly arns: readonly string[];
  readonly names: readonly string[];
  readonly from?: { readonly arns: string; readonly names: string } | undefined;
}

/** A name glob as a regular expression over the whole name. */
export function globToRegExp(glob: string): RegExp {
  const body = [...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 's');
}

/** Why `ref` is protected by the rules (the first listed ARN, else the first matching glob), or undefined. Pure. */
export function protectedBy(ref: ResourceRef, rules: ProtectRules | undefined): string | undefined {
  if (!rules) return undefined;
  const key = arnKey(ref.arn);
  if (rules.arns.some((a) => arnKey(a) === key)) return `protected by ${rules.from?.arns ?? 'config'}: its ARN is listed`;
  const glob = rules.names.find((g) => globToRegExp(g).test(ref.name));
  return glob === undefined ? undefined : `protected by ${rules.from?.names ?? 'config'}: name matches "${glob}"`;
}

/** Everything the scope decision needs, as data. */
export interface ScopeInput {
  /** Resources found by the tags or by reference: `stays` set when one is left alone on its own account. */
  readonly found: readonly { readonly ref: ResourceRef; readonly uses: readonly string[]; readonly stays?: { readonly status: Status; readonly rule: Rule; readonly reason: string } | undefined }[];
  /** Every other live resource that may use a candidate (untagged, other regions, excluded types...). */
  readonly users: readonly User[];
  readonly holds: readonly Hold[];
  /** Global types (IAM): held wherever a hold applies. */
  readonly isGlobal: (type: string) => boolean;
  /** IAM's RoleLastUsed region of a candidate, by arnKey. */
  readonly lastUsed: ReadonlyMap<string, string>;
  /** The regions where users were looked for. */
  readonly examinedRegions: readonly string[];
  /**
   * Ownership (a CloudFormation stack's resources, a provisioned product's stack), by arnKey of the owned
   * resource: its owner. An owned resource is never deleted on its own: it goes with its owner, and
   * whatever uses it holds its owner back.
   */
  readonly owners?: ReadonlyMap<string, ResourceRef>;
  /** The user's protections: a found resource they name stays (`protected`), like one its type protects. */
  readonly protect?: ProtectRules | undefined;
}

/** A resource's own reasons to stay that must hold back its owner too: its owner's delete would remove it. */
const HOLDS_OWNER: ReadonlySet<Rule> = new Set<Rule>(['protected', 'caller-role', 'blocked', 'unreadable', 'held-back', 'unsupported']);

export interface Decision {
  readonly ref: ResourceRef;
  readonly delete: boolean;
  readonly status: Status;
  readonly rule: Rule;
  readonly reason: string;
}

const describeUser = (r: ResourceRef): string => `${r.type} ${r.name} (${r.region})`;

/**
 * Which candidates may be deleted: those that match, are in scope, and that nothing that stays uses,
 * directly or through other resources. It is the largest set closed under "everything that uses a
 * member is a member", so it does not depend on the order resources were found in, nor on the path
 * that led to them; reasons name the first staying user in code-point order. Pure.
 */
export function decideScope(input: ScopeInput): Decision[] {
  const decisions = new Map<string, Decision>();
  const candidates = new Map<string, ResourceRef>();
  const owners = input.owners ?? new Map<string, ResourceRef>();
  /** The outermost owner of a resource (a product's stack's bucket: the product), or the resource itself. */
  const top = (key: string): string => {
    let k = key;
    for (let hops = 0; hops < 16; hops += 1) {
      const owner = owners.get(k);
      if (!owner) break;
      k = arnKey(owner.arn);
    }
    return k;
  };
  const ownedFound: { key: string; ref: ResourceRef; stays?: { readonly status: Status; readonly rule: Rule; readonly reason: string } | undefined }[] = [];
  // A candidate the user protects stays for that reason (what it uses is kept, its owner held back).
  const found = input.found.map((f) => {
    const why = f.stays ? undefined : protectedBy(f.ref, input.protect);
    return why ? { ...f, stays: { status: 'skipped' as const, rule: 'protected' as const, reason: why } } : f;
  });
  for (const f of [...found].sort((a, b) => byCodePoint(arnKey(a.ref.arn), arnKey(b.ref.arn)))) {
    const key = arnKey(f.ref.arn);
    if (owners.has(key)) ownedFound.push({ key, ref: f.ref, stays: f.stays });
    else if (f.stays) decisions.set(key, { ref: f.ref, delete: false, status: f.stays.status, rule: f.stays.rule, reason: f.stays.reason });
    else candidates.set(key, f.ref);
  }

  // Who uses whom, among every live resource known (each user once, by arnKey). A use of an owned
  // resource is a use of its owner; uses within one owner are its own business.
  const usesOf = new Map<string, { ref: ResourceRef; uses: Set<string> }>();
  const addUser = (ref: ResourceRef, uses: readonly string[]): void => {
    const key = arnKey(ref.arn);
    const entry = usesOf.get(key) ?? { ref, uses: new Set<string>() };
    for (const u of uses) if (top(arnKey(u)) !== top(key)) entry.uses.add(top(arnKey(u)));
    usesOf.set(key, entry);
  };
  for (const f of found) addUser(f.ref, f.uses);
  for (const u of input.users) addUser(u.ref, u.uses);
  const usersOf = new Map<string, string[]>();
  for (const [userKey, { uses }] of usesOf) for (const target of uses) usersOf.set(target, [...(usersOf.get(target) ?? []), userKey]);
  for (const list of usersOf.values()) list.sort(byCodePoint);

  // Start from the candidates; take out what is held back or was last used where the run did not look.
  const keep = new Map<string, { rule: Rule; reason: string }>();
  const holds = [...input.holds].sort((a, b) => byCodePoint(a.by, b.by) || byCodePoint(a.reason, b.reason));
  for (const [key, ref] of candidates) {
    const hold = holds.find((h) => h.types.includes(ref.type) && (h.region === undefined || input.isGlobal(ref.type) || h.region === ref.region));
    if (hold) {
      keep.set(key, { rule: 'held-back', reason: `held back: ${hold.reason}` });
      continue;
    }
    const region = input.lastUsed.get(key);
    if (region && !input.examinedRegions.includes(region)) {
      keep.set(key, { rule: 'last-used-elsewhere', reason: `IAM reports it was last used in ${region}, a region this run did not examine; left alone` });
    }
  }
  // An owner whose delete would take a resource that must stay (protected, blocked, unreadable...) stays.
  for (const o of ownedFound) {
    const owner = top(o.key);
    if (!candidates.has(owner) || keep.has(owner) || !o.stays || !HOLDS_OWNER.has(o.stays.rule)) continue;
    keep.set(owner, { rule: 'held-back', reason: `held back: it owns ${describeUser(o.ref)}, which must stay (${o.stays.reason}), and deleting it would delete that too` });
  }

  // Fixed point: a candidate with a user outside the deletion set stays; repeat until nothing changes.
  // A user that an owner owns goes exactly when its owner goes.
  const deletable = (key: string): boolean => {
    const k = top(key);
    return candidates.has(k) && !keep.has(k);
  };
  const inUse = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const key of candidates.keys()) {
      if (!deletable(key)) continue;
      if ((usersOf.get(key) ?? []).some((u) => !deletable(u))) {
        keep.set(key, { rule: 'in-use', reason: '' });
        inUse.add(key);
        changed = true;
      }
    }
  }
  // Reasons once the set is settled: every user that stays, the first (in code-point order) by name.
  for (const key of inUse) {
    const staying = (usersOf.get(key) ?? []).filter((u) => !deletable(u));
    const first = staying[0] as string;
    const user = usesOf.get(first)?.ref;
    const more = staying.length > 1 ? ` (and ${staying.length - 1} more)` : '';
    keep.set(key, { rule: 'in-use', reason: `used by ${user ? describeUser(user) : first}, which stays${more}` });
  }

  for (const [key, ref] of candidates) {
    const k = keep.get(key);
    decisions.set(
      key,
      k
        ? { ref, delete: false, status: 'skipped', rule: k.rule, reason: k.reason }
        : { ref, delete: true, status: 'planned', rule: 'delete', reason: 'matches the tags, is in scope, and nothing that stays uses it' },
    );
  }
  // Owned resources: never on their own. One that must stay for its own reasons says so.
  for (const o of ownedFound) {
    const owner = owners.get(o.key) as ResourceRef;
    if (o.stays && HOLDS_OWNER.has(o.stays.rule)) {
      decisions.set(o.key, { ref: o.ref, delete: false, status: o.stays.status, rule: o.stays.rule, reason: o.stays.reason });
      continue;
    }
    const goes = deletable(o.key);
    decisions.set(o.key, {
      ref: o.ref,
      delete: false,
      status: 'skipped',
      rule: 'owned',
      reason: goes
        ? `owned by ${describeUser(owner)}: deleted with it, never on its own`
        : `owned by ${describeUser(owner)}, which stays: left alone (never deleted behind its owner's back)`,
    });
  }
  return [...decisions.values()];
}
