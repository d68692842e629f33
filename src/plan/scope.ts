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
}

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
  for (const f of [...input.found].sort((a, b) => byCodePoint(arnKey(a.ref.arn), arnKey(b.ref.arn)))) {
    const key = arnKey(f.ref.arn);
    if (f.stays) decisions.set(key, { ref: f.ref, delete: false, status: f.stays.status, rule: f.stays.rule, reason: f.stays.reason });
    else candidates.set(key, f.ref);
  }

  // Who uses whom, among every live resource known (each user once, by arnKey).
  const usesOf = new Map<string, { ref: ResourceRef; uses: Set<string> }>();
  const addUser = (ref: ResourceRef, uses: readonly string[]): void => {
    const key = arnKey(ref.arn);
    const entry = usesOf.get(key) ?? { ref, uses: new Set<string>() };
    for (const u of uses) if (arnKey(u) !== key) entry.uses.add(arnKey(u));
    usesOf.set(key, entry);
  };
  for (const f of input.found) addUser(f.ref, f.uses);
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

  // Fixed point: a candidate with a user outside the deletion set stays; repeat until nothing changes.
  const deletable = (key: string): boolean => candidates.has(key) && !keep.has(key);
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
  return [...decisions.values()];
}
