import { ACCOUNT_LEVEL, HELD_RESOURCE, iamActionsOf, NO_TAG_CONDITION, prefixOfAction } from '../aws/iam-names.js';
import type { TagFilter } from '../model.js';
import type { ResourceHandler } from '../resources/handler.js';

/**
 * The least-privilege IAM policy for running the tool (`nova-cleanup policy`), built from the registry:
 * the core's reads, every type's reads and every type's declared delete actions, by their IAM names.
 * Pure: the same registry and options give the same document, byte for byte.
 *
 * How the statements are cut (SECURITY.md says why):
 * - `IdentifyAndDiscover`: what the core reads (identity, the Tagging API, regions, the permission check);
 * - `ReadWhatMayUseACandidate`: every type's reads, on `*`, without a tag condition (an untagged user of
 *   a candidate must be seen);
 * - `S3ProjectBuckets`: S3's bucket reads and deletes, narrowed by bucket name (S3 takes no
 *   aws:ResourceTag there);
 * - `DeleteTagged`: the deletes authorized on the tagged resource itself, held to the `--tag`s by
 *   `aws:ResourceTag/<key>`;
 * - `DeleteHeld`: the deletes authorized on what a tagged resource holds, which has no tags of its own;
 * - `<Service>Delete`: the deletes of a service that takes no aws:ResourceTag (Service Catalog);
 * - `<Service>DeleteHeld`: held deletes whose Resource can be narrowed (EKS access entries).
 * Few statements, each action once: the whole stays within IAM's 10,240 characters for a role's
 * inline policies (whitespace not counted), as `policyBudget` checks.
 */

type Client = NonNullable<ResourceHandler['client']>;

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

export interface PolicyInput {
  /** What the core reads, per client (CORE_READS). */
  readonly coreReads: { readonly [K in Client]?: readonly string[] };
  /** The registry's types: their reads and declared delete actions. */
  readonly handlers: readonly Pick<ResourceHandler, 'type' | 'client' | 'reads' | 'deleteActions'>[];
  /** The `--tag`s: each one a condition key of the tagged deletes. At least one. */
  readonly tags: readonly TagFilter[];
  /** `--s3-bucket` name globs (default: every bucket, `*`). */
  readonly buckets?: readonly string[] | undefined;
}

/** IAM's limit for all the inline policies of one role, whitespace not counted. */
export const INLINE_POLICY_LIMIT = 10_240;

/** The size IAM counts for a policy: its JSON without whitespace (outside strings). */
export const policySize = (policy: PolicyDocument): number => JSON.stringify(policy).length;

/** Sid names of IAM prefixes (default: the prefix's words, capitalized). */
const SERVICE_NAMES: Readonly<Record<string, string>> = { servicecatalog: 'ServiceCatalog', sagemaker: 'SageMaker' };
const sidName = (prefix: string): string =>
  SERVICE_NAMES[prefix] ??
  prefix
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

const clientOf = (h: Pick<ResourceHandler, 'type' | 'client'>): Client => h.client ?? (h.type.split(':')[0] as Client);

/** `aws:ResourceTag/<key>` for every `--tag`: its values (any may match), or the key's presence alone (`Key`). */
export function tagCondition(tags: readonly TagFilter[]): NonNullable<PolicyStatement['Condition']> {
  const equals: Record<string, string | readonly string[]> = {};
  const present: Record<string, string> = {};
  for (const t of tags) {
    const key = `aws:ResourceTag/${t.key}`;
    if (t.values.length === 0) present[key] = 'false';
    else equals[key] = t.values.length === 1 ? (t.values[0] as string) : [...t.values];
  }
  return { ...(Object.keys(equals).length > 0 ? { StringEquals: equals } : {}), ...(Object.keys(present).length > 0 ? { Null: present } : {}) };
}

const sorted = (items: Iterable<string>): string[] => [...new Set(items)].sort();

export function leastPrivilegePolicy(input: PolicyInput): PolicyDocument {
  if (input.tags.length === 0) throw new Error('internal: a policy needs at least one tag');
  const buckets = input.buckets && input.buckets.length > 0 ? input.buckets : ['*'];

  const core = new Set(Object.entries(input.coreReads).flatMap(([client, ops]) => (ops ?? []).flatMap((op) => iamActionsOf(client as Client, op))));
  const reads = new Set(input.handlers.flatMap((h) => h.reads.flatMap((op) => iamActionsOf(clientOf(h), op))).filter((a) => !core.has(a)));
  const held = new Set(input.handlers.flatMap((h) => h.deleteActions?.held ?? []));
  // A read the delete repeats (the tag re-check, a waiter's poll) is allowed with the reads; an action
  // authorized on something untagged for one type (the profile a role leaves) has no condition for any.
  const deletes = sorted(input.handlers.flatMap((h) => [...(h.deleteActions?.tagged ?? []), ...(h.deleteActions?.held ?? [])])).filter((a) => !core.has(a) && !reads.has(a));
  const onBucket = (a: string): boolean => prefixOfAction(a) === 's3' && !ACCOUNT_LEVEL.has(a);
  // Per service: the deletes scoped otherwise than by tag, and the held ones on a narrower Resource.
  const special = new Set(deletes.filter((a) => !onBucket(a) && (Object.hasOwn(NO_TAG_CONDITION, prefixOfAction(a)) || Object.hasOwn(HELD_RESOURCE, a))));
  const common = deletes.filter((a) => !onBucket(a) && !special.has(a));

  const statements: PolicyStatement[] = [
    { Sid: 'IdentifyAndDiscover', Effect: 'Allow', Action: sorted(core), Resource: '*' },
    { Sid: 'ReadWhatMayUseACandidate', Effect: 'Allow', Action: sorted([...reads].filter((a) => !onBucket(a))), Resource: '*' },
    {
      Sid: 'S3ProjectBuckets',
      Effect: 'Allow',
      Action: sorted([...reads, ...deletes].filter(onBucket)),
      Resource: buckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]),
    },
    { Sid: 'DeleteTagged', Effect: 'Allow', Action: common.filter((a) => !held.has(a)), Resource: '*', Condition: tagCondition(input.tags) },
    { Sid: 'DeleteHeld', Effect: 'Allow', Action: common.filter((a) => held.has(a)), Resource: '*' },
  ];
  for (const prefix of sorted([...special].map(prefixOfAction))) {
    const own = [...special].filter((a) => prefixOfAction(a) === prefix);
    const plain = own.filter((a) => !Object.hasOwn(HELD_RESOURCE, a));
    if (plain.length > 0) statements.push({ Sid: `${sidName(prefix)}Delete`, Effect: 'Allow', Action: plain, Resource: '*' });
    for (const resource of sorted(own.flatMap((a) => HELD_RESOURCE[a] ?? []))) {
      statements.push({ Sid: `${sidName(prefix)}DeleteHeld`, Effect: 'Allow', Action: own.filter((a) => HELD_RESOURCE[a] === resource), Resource: resource });
    }
  }
  return { Version: '2012-10-17', Statement: statements.filter((s) => s.Action.length > 0) };
}

type Json = string | readonly Json[] | { readonly [key: string]: Json };

/** One line of JSON with a space after each comma and colon, and inside braces. */
function inline(value: Json): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  return `{ ${Object.entries(value as { readonly [key: string]: Json }).map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`).join(', ')} }`;
}

/**
 * The policy as JSON, two-space indented, each statement's actions a service to a line (wrapped at
 * `width` characters): readable in the README, and valid JSON for `aws iam put-role-policy`.
 */
export function formatPolicy(policy: PolicyDocument, width = 110): string {
  const indent = '        ';
  const pack = (actions: readonly string[]): string => {
    const lines: string[] = [];
    let line = '';
    let prefix = '';
    for (const action of actions) {
      const item = JSON.stringify(action);
      const samePrefix = prefixOfAction(action) === prefix;
      prefix = prefixOfAction(action);
      if (line && samePrefix && indent.length + line.length + 2 + item.length + 1 <= width) line = `${line}, ${item}`;
      else {
        if (line) lines.push(`${line},`);
        line = item;
      }
    }
    if (line) lines.push(line);
    return `[\n${lines.map((l) => `${indent}${l}`).join('\n')}\n      ]`;
  };
  const statement = (s: PolicyStatement): string => {
    const fields = [
      `"Sid": ${inline(s.Sid)}`,
      `"Effect": ${inline(s.Effect)}`,
      `"Action": ${pack(s.Action)}`,
      `"Resource": ${inline(s.Resource)}`,
      ...(s.Condition ? [`"Condition": ${inline(s.Condition)}`] : []),
    ];
    return `    {\n${fields.map((f) => `      ${f}`).join(',\n')}\n    }`;
  };
  return `{\n  "Version": ${inline(policy.Version)},\n  "Statement": [\n${policy.Statement.map(statement).join(',\n')}\n  ]\n}`;
}
