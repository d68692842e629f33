import { parseArn } from '../aws/arn.js';
import type { ServiceName } from '../aws/clients.js';
import { clientOf, serviceOf, type ResourceHandler } from './handler.js';

/**
 * The supported types, indexed once: by type id, by ARN (service first, then the type's pattern), and by
 * who may use whom. Built and validated when the registry module loads; a broken registry is a bug in
 * the tool and stops it before any AWS call.
 */
export interface Registry {
  readonly handlers: readonly ResourceHandler[];
  byType(type: string): ResourceHandler | undefined;
  forArn(arn: string): ResourceHandler | undefined;
  /** Types whose resources may use resources of `type` (from their `references`). */
  usersOf(type: string): readonly ResourceHandler[];
  /** Types some other type may use: the ones whose candidates need a usage check. */
  readonly referenceable: ReadonlySet<string>;
  /**
   * What a resource of `service` may use when its type is unsupported (or its reported uses cannot be trusted): what
   * that service's supported types may reference, and IAM roles (any AWS resource may run as one).
   */
  mayUse(service: string): readonly string[];
  /** Per client, the read operations the types declare: the dry-run allow list. */
  readonly reads: readonly { readonly client: ServiceName; readonly reads: readonly string[] }[];
}

/** Any AWS resource may run as a role: what an unreadable or unsupported resource always holds back. */
const ALWAYS_MAY_USE = ['iam:role'];

export function buildRegistry(list: readonly ResourceHandler[]): Registry {
  validate(list);
  const byType = new Map(list.map((h) => [h.type, h]));
  const byService = new Map<string, ResourceHandler[]>();
  for (const h of list) {
    for (const service of parseServicesOfPattern(h)) byService.set(service, [...(byService.get(service) ?? []), h]);
  }
  const users = new Map<string, ResourceHandler[]>();
  for (const h of list) for (const r of h.references) users.set(r, [...(users.get(r) ?? []), h]);
  const referenceable = new Set(users.keys());
  const mayUseCache = new Map<string, readonly string[]>();
  return {
    handlers: list,
    byType: (type) => byType.get(type),
    forArn(arn) {
      const service = parseArn(arn)?.service;
      if (!service) return undefined;
      return byService.get(service)?.find((h) => h.arnPattern.test(arn));
    },
    usersOf: (type) => users.get(type) ?? [],
    referenceable,
    mayUse(service) {
      let out = mayUseCache.get(service);
      if (!out) {
        const set = new Set(ALWAYS_MAY_USE.filter((t) => byType.has(t)));
        for (const h of list) if (serviceOf(h.type) === service) for (const r of h.references) set.add(r);
        out = [...set].sort();
        mayUseCache.set(service, out);
      }
      return out;
    },
    reads: list.map((h) => ({ client: clientOf(h), reads: h.reads })),
  };
}

/**
 * The ARN services a type's ARNs carry (its type prefix; Bedrock agents and the like say so in the
 * pattern; a renamed service lists both names, `(?:codeconnections|codestar-connections)`).
 */
export function parseServicesOfPattern(h: Pick<ResourceHandler, 'arnPattern' | 'type'>): string[] {
  const one = /^\^arn:[^:]*:([a-z0-9-]+):/.exec(h.arnPattern.source);
  if (one?.[1]) return [one[1]];
  const alternatives = /^\^arn:[^:]*:\(\?:([a-z0-9|-]+)\):/.exec(h.arnPattern.source);
  return alternatives?.[1] ? alternatives[1].split('|') : [serviceOf(h.type)];
}

/** Registry invariants: unique types, known references, no cycle between types, a listing for every user type. */
export function validate(list: readonly ResourceHandler[]): void {
  const types = new Set<string>();
  for (const h of list) {
    if (!/^[a-z0-9-]+:[a-z0-9-]+$/.test(h.type)) throw new Error(`resource type id "${h.type}" is not service:type`);
    if (types.has(h.type)) throw new Error(`resource type ${h.type} is registered twice`);
    types.add(h.type);
  }
  for (const h of list) {
    for (const d of h.references) if (!types.has(d)) throw new Error(`${h.type} references unknown type ${d}`);
    if (h.references.length > 0 && !h.list) throw new Error(`${h.type} references other types but has no list(): its users cannot be found`);
    if (h.reads.length === 0) throw new Error(`${h.type} declares no read operations`);
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const find = (t: string) => list.find((h) => h.type === t);
  const visit = (t: string, path: string[]): void => {
    if (state.get(t) === 'done') return;
    if (state.get(t) === 'visiting') throw new Error(`dependency cycle between types: ${[...path, t].join(' -> ')}`);
    state.set(t, 'visiting');
    for (const d of find(t)?.references ?? []) visit(d, [...path, t]);
    state.set(t, 'done');
  };
  for (const h of list) visit(h.type, []);
}
