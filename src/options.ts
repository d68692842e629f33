import { z } from 'zod';
import { parseArn } from './aws/arn.js';
import { LIMITS, type ConcurrencyCaps } from './aws/throughput.js';
import { NovaError } from './errors.js';
import type { TagFilter } from './model.js';
import type { ProtectRules } from './plan/scope.js';
import type { AccountPolicy, Limits } from './run/guards.js';

/** How the run reaches AWS: shared by every command that calls it. */
export interface AwsOptions {
  readonly profile?: string | undefined;
  readonly endpointUrl?: string | undefined;
  readonly account?: string | undefined;
  readonly json: boolean;
  readonly waitTimeout: number;
  /** `--debug`: log each AWS call attempt. */
  readonly debug?: boolean | undefined;
  /** `--allow-account`, `--block-account`, `--allow-prod-alias`: always set by the CLI's parser; absent, no check. */
  readonly accountPolicy?: AccountPolicy | undefined;
  /** `--protect-arn`, `--protect-name` (or the config file's `protect`): never deleted, shown as `protected`. */
  readonly protect?: ProtectRules | undefined;
  /** `--concurrency` (or the config file's `concurrency`): lowers the throughput table's in-flight bounds. */
  readonly concurrency?: ConcurrencyCaps | undefined;
}

/** What to look for: `clean` and `plan`. */
export interface SelectionOptions {
  readonly tags: TagFilter[];
  readonly regions: string[];
  /** `--all-regions`: every region enabled for the account (read after the identity check). */
  readonly allRegions: boolean;
  readonly discovery: 'tagging' | 'list' | 'both';
  /** Explicit options some types honour (off by default). */
  readonly settings: { readonly deleteSharedLogGroups: boolean; readonly deleteStudioEfs: boolean; readonly deleteOwnedLogGroups: boolean; readonly assumeAbsent: string[] };
  readonly includeTypes: string[];
  readonly excludeTypes: string[];
}

/** How to confirm and where to back up: `clean`, `apply`, `resume`. */
export interface ConfirmOptions {
  readonly interactive: boolean;
  readonly yes: boolean;
  readonly backupDir: string;
  /** `--redact`: the backup replaces the secret values of each configuration (environment values...), keeping the keys. */
  readonly redact?: boolean;
}

export interface CleanOptions extends AwsOptions, SelectionOptions, ConfirmOptions {
  readonly dryRun: boolean;
  /** `--max-resources`, `--expect-count`. */
  readonly limits?: Limits | undefined;
}

/** The explicit way to ask for an empty tag value: `--tag 'Key=""'`. */
export const EMPTY_VALUE = '""';

/**
 * `Key=v1,v2` → {key, values: [v1, v2]}; `Key` → any value. Split on the first `=`. A trailing comma or
 * an empty value is an error unless the empty value is asked for explicitly (`Key=""`); whitespace
 * around a key or a value is refused (it would silently match nothing).
 */
/** A control character (C0 or DEL): never part of a tag anyone means to type. */
const hasControl = (s: string): boolean => [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

export function parseTag(raw: string): TagFilter {
  if (hasControl(raw)) throw new Error(`"${printable(raw)}" contains a control character; type the tag again without it`);
  const eq = raw.indexOf('=');
  const key = eq === -1 ? raw : raw.slice(0, eq);
  if (!key.trim()) throw new Error(`"${raw}" has no tag key (use Key=Value, Key=v1,v2 or Key)`);
  if (key !== key.trim()) throw new Error(`tag key "${key}" has whitespace around it; remove it (tag keys rarely do)`);
  if (key.length > 128) throw new Error(`tag key "${key.slice(0, 20)}..." is longer than 128 characters, AWS's limit for a tag key`);
  if (eq === -1) return { key, values: [] };
  const values = raw.slice(eq + 1).split(',');
  const out: string[] = [];
  for (const v of values) {
    if (v === '') {
      throw new Error(
        values.length === 1
          ? `tag ${key} has an empty value; to match resources whose ${key} is empty, write ${key}=${EMPTY_VALUE}; to match any value, write ${key} alone`
          : `tag ${key}: "${raw.slice(eq + 1)}" has an empty value (a stray comma?); to match an empty value, write ${EMPTY_VALUE}`,
      );
    }
    const value = v === EMPTY_VALUE ? '' : v;
    if (value !== value.trim()) throw new Error(`tag ${key}: value "${v}" has whitespace around it; remove it (tag values rarely do)`);
    if (value.length > 256) throw new Error(`a value of tag ${key} is longer than 256 characters, AWS's limit for a tag value`);
    if (out.includes(value)) throw new Error(`tag ${key}: value "${v}" is given twice`);
    out.push(value);
  }
  if (out.length > 20) throw new Error(`tag ${key} has more than 20 values (the Tagging API's limit)`);
  return { key, values: out };
}

const printable = (s: string): string =>
  [...s].map((c) => (hasControl(c) ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c)).join('');

const typePattern = /^[a-z0-9-]+:([a-z0-9-]+|\*)$/;

const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');

/** The services of the throughput table (src/aws/throughput.ts): what `concurrency` may name besides `all`. */
export const CONCURRENCY_SERVICES: readonly string[] = Object.keys(LIMITS).filter((s) => s !== 'default');
const inFlight = z.coerce.number({ error: 'must be a number of operations' }).int('must be a whole number of operations').min(1, 'must be at least 1').max(64, 'must be at most 64');
/**
 * `--concurrency N` (every lane), or the config file's `concurrency: N` / `concurrency: { all: N, lambda: M }`:
 * the most operations at once per (service, region) lane, reads and writes alike. It only lowers the table.
 */
const concurrencySchema = z.preprocess(
  (v) => (typeof v === 'number' || typeof v === 'string' ? { all: v } : v),
  z.strictObject({ all: inFlight.optional(), ...Object.fromEntries(CONCURRENCY_SERVICES.map((s) => [s, inFlight.optional()])) }, { error: (i) => (i.code === 'invalid_type' ? 'must be a number, or a mapping of all and service names to numbers' : undefined) }),
);
/** A glob of resource names: `*` any run of characters, `?` one. */
const nameGlob = z
  .string()
  .min(1, 'must not be empty')
  .refine((s) => s === s.trim() && !hasControl(s), 'must have no surrounding whitespace and no control character');
const protectSchema = {
  protectArn: z.array(z.string().refine((s) => parseArn(s) !== undefined, 'must be an ARN (arn:partition:service:region:account:resource)')).default([]),
  protectName: z.array(nameGlob).default([]),
};
const awsSchema = {
  profile: z.string().min(1).optional(),
  endpointUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  account: accountId.optional(),
  allowAccount: z.array(accountId).default([]),
  blockAccount: z.array(accountId).default([]),
  allowProdAlias: z.boolean().default(false),
  json: z.boolean().default(false),
  waitTimeout: z.coerce.number({ error: 'must be a number of seconds' }).int('must be a whole number of seconds').min(1, 'must be at least 1').max(86_400, 'must be at most 86400 (a day)').default(1800),
  concurrency: concurrencySchema.optional(),
  ...protectSchema,
};
const selectionSchema = {
  tag: z.array(z.string()).default([]),
  region: z.array(z.string().min(1, 'must not be empty')).default([]),
  includeType: z.array(z.string().regex(typePattern, 'must look like service:type or service:*')).default([]),
  excludeType: z.array(z.string().regex(typePattern, 'must look like service:type or service:*')).default([]),
  discovery: z.enum(['tagging', 'list', 'both'], { error: 'must be tagging, list or both' }).default('tagging'),
  allRegions: z.boolean().default(false),
  deleteSharedLogGroups: z.boolean().default(false),
  deleteStudioEfs: z.boolean().default(false),
  deleteOwnedLogGroups: z.boolean().default(false),
  assumeAbsent: z.array(z.string().regex(typePattern, 'must look like service:type or service:*')).default([]),
};
const limitSchema = {
  maxResources: z
    .string()
    .regex(/^[1-9]\d{0,8}$/, 'must be a whole number of resources, at least 1 (use --dry-run to delete nothing)')
    .transform(Number)
    .optional(),
  expectCount: z.array(z.string().regex(/^(?:[a-z0-9-]+:[a-z0-9-]+=)?\d{1,9}$/, 'must be N (the total) or service:type=N, N a whole number')).default([]),
};
const confirmSchema = {
  interactive: z.boolean().default(false),
  yes: z.boolean().default(false),
  backupDir: z.string().min(1, 'must not be empty').default('./nova-cleanup-backups'),
  redact: z.boolean().optional(),
};

const flagNames: Record<string, string> = {
  tag: '--tag',
  region: '--region',
  profile: '--profile',
  endpointUrl: '--endpoint-url',
  backupDir: '--backup-dir',
  includeType: '--include-type',
  excludeType: '--exclude-type',
  account: '--account',
  waitTimeout: '--wait-timeout',
  out: '--out',
  discovery: '--discovery',
  assumeAbsent: '--assume-absent',
  allowAccount: '--allow-account',
  blockAccount: '--block-account',
  maxResources: '--max-resources',
  expectCount: '--expect-count',
  protectArn: '--protect-arn',
  protectName: '--protect-name',
  concurrency: '--concurrency',
};

/**
 * Every option's zod schema, by commander's attribute name: the config file (src/config.ts) validates
 * its keys with these, so that a value is refused the same way whether it comes from a flag or the file.
 */
export const OPTION_SCHEMAS: Readonly<Record<string, z.ZodType>> = { ...awsSchema, ...selectionSchema, ...limitSchema, ...confirmSchema };

/** zod's own messages ("Too small: expected string to have >=1 characters"), said in words for an option's value. */
export function inWords(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'number' ? 'must be a number' : issue.expected === 'array' ? 'must be a list' : `must be ${issue.expected === 'string' ? 'a value' : String(issue.expected)}`;
    case 'too_small':
      return issue.origin === 'string' && Number(issue.minimum) <= 1 ? 'must not be empty' : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    default:
      return 'is not a valid value';
  }
}

function parseWith<S extends z.ZodRawShape>(shape: S, raw: Record<string, unknown>): z.infer<z.ZodObject<S>> {
  const parsed = z.object(shape).safeParse(raw, { error: inWords });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = flagNames[String(issue?.path[0] ?? '')] ?? String(issue?.path[0] ?? 'option');
    const picked = issue?.path.length ? pick(raw, issue.path) : undefined;
    // `--concurrency 0`: the flag's value is the string itself (the schema reads it as { all: 0 }).
    const value = picked ?? (issue?.path.length && typeof raw[issue.path[0] as string] === 'string' ? raw[issue.path[0] as string] : undefined);
    throw new NovaError(`${flag}${value !== undefined ? ` "${String(value)}"` : ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export function parseAwsOptions(raw: Record<string, unknown>): AwsOptions {
  const o = parseWith(awsSchema, raw);
  const both = o.allowAccount.find((a) => o.blockAccount.includes(a));
  if (both) throw new NovaError(`--allow-account and --block-account both name ${both}; choose one`);
  const accountPolicy = { allow: [...new Set(o.allowAccount)], block: [...new Set(o.blockAccount)], allowProdAlias: o.allowProdAlias };
  const from = (raw.protectFrom ?? {}) as { arns?: unknown; names?: unknown };
  const protect: ProtectRules | undefined =
    o.protectArn.length + o.protectName.length === 0
      ? undefined
      : {
          arns: [...new Set(o.protectArn)],
          names: [...new Set(o.protectName)],
          from: { arns: typeof from.arns === 'string' ? from.arns : '--protect-arn', names: typeof from.names === 'string' ? from.names : '--protect-name' },
        };
  const concurrency = o.concurrency ? concurrencyCaps(o.concurrency) : undefined;
  return { profile: o.profile, endpointUrl: o.endpointUrl, account: o.account, json: o.json, waitTimeout: o.waitTimeout, debug: raw.debug === true, accountPolicy, protect, concurrency };
}

function concurrencyCaps(o: Record<string, number | undefined>): ConcurrencyCaps {
  const services: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (k !== 'all' && v !== undefined) services[k] = v;
  return { ...(o.all !== undefined ? { all: o.all } : {}), services };
}

/** `--max-resources N` and `--expect-count N` / `--expect-count service:type=N` (repeatable): `clean`, `plan`, `apply`. */
export function parseLimits(raw: Record<string, unknown>, knownTypes: readonly string[]): Limits {
  const o = parseWith(limitSchema, raw);
  let expectTotal: number | undefined;
  const expectByType: Record<string, number> = {};
  for (const e of o.expectCount) {
    const eq = e.lastIndexOf('=');
    const n = Number(e.slice(eq + 1));
    if (eq === -1) {
      if (expectTotal !== undefined) throw new NovaError(`--expect-count "${e}": the total is given twice`);
      expectTotal = n;
      continue;
    }
    const type = e.slice(0, eq);
    if (!knownTypes.includes(type)) {
      const close = closest(type, knownTypes);
      throw new NovaError(`--expect-count "${e}": unknown type "${type}"; ${close ? `did you mean ${close}? ` : ''}see \`nova-cleanup types\``);
    }
    if (Object.hasOwn(expectByType, type)) throw new NovaError(`--expect-count "${e}": ${type} is given twice`);
    expectByType[type] = n;
  }
  if (o.maxResources !== undefined && expectTotal !== undefined && expectTotal > o.maxResources) {
    throw new NovaError(`--expect-count ${expectTotal} is more than --max-resources ${o.maxResources}: no plan could pass both`);
  }
  return { maxResources: o.maxResources, expectTotal, expectByType };
}

export function parseConfirmOptions(raw: Record<string, unknown>): ConfirmOptions {
  const o = parseWith(confirmSchema, raw);
  if (o.interactive && o.yes) throw new NovaError('--interactive and --yes contradict each other; choose one');
  return o;
}

/** `--tag` values, each as every command reads it; a key given twice is refused. */
export function parseTagFilters(given: readonly string[]): TagFilter[] {
  const tags: TagFilter[] = [];
  for (const raw of given) {
    let f: TagFilter;
    try {
      f = parseTag(raw);
    } catch (err) {
      throw new NovaError(`--tag: ${(err as Error).message}`);
    }
    if (tags.some((t) => t.key === f.key)) throw new NovaError(`--tag: key "${f.key}" given twice; list its values once, as ${f.key}=v1,v2`);
    tags.push(f);
  }
  return tags;
}

export function parseSelection(raw: Record<string, unknown>, knownTypes: readonly string[]): SelectionOptions {
  const o = parseWith(selectionSchema, raw);
  if (o.tag.length === 0) throw new NovaError('at least one --tag Key=Value is required: nova-cleanup never deletes untagged resources');
  const tags = parseTagFilters(o.tag);
  if (tags.length > 50) throw new NovaError("--tag: at most 50 tag keys (the Tagging API's limit)");
  const regions = o.region.flatMap((r) => r.split(',')).map((r) => r.trim());
  if (regions.some((r) => r === '')) throw new NovaError('--region: an empty region (a stray comma?)');
  const given: [string, readonly string[]][] = [['--include-type', o.includeType], ['--exclude-type', o.excludeType], ['--assume-absent', o.assumeAbsent]];
  for (const [flag, list] of given) for (const t of list) checkKnownType(t, flag, knownTypes);
  if (o.allRegions && regions.length > 0) throw new NovaError('--all-regions and --region contradict each other; choose one');
  if (regions.some((r) => r === 'all')) throw new NovaError('--region all is not a region; use --all-regions for every region enabled for the account');
  return {
    tags,
    regions: [...new Set(regions)],
    allRegions: o.allRegions,
    discovery: o.discovery,
    settings: { deleteSharedLogGroups: o.deleteSharedLogGroups, deleteStudioEfs: o.deleteStudioEfs, deleteOwnedLogGroups: o.deleteOwnedLogGroups, assumeAbsent: o.assumeAbsent },
    includeTypes: o.includeType,
    excludeTypes: o.excludeType,
  };
}

/** A `service:type` (or `service:*`) that no handler declares: one line with the closest known type, or the known services. */
function checkKnownType(t: string, flag: string, knownTypes: readonly string[]): void {
  const hint = unknownTypeHint(t, knownTypes);
  if (hint !== undefined) throw new NovaError(`unknown type "${t}" (${flag}); ${hint}`);
}

/** Undefined for a known `service:type` (or `service:*`); else what to do: the closest type, or the known services. */
export function unknownTypeHint(t: string, knownTypes: readonly string[]): string | undefined {
  const known = t.endsWith(':*') ? knownTypes.some((k) => k.startsWith(t.slice(0, -1))) : knownTypes.includes(t);
  if (known) return undefined;
  const services = [...new Set(knownTypes.map((k) => k.split(':')[0] as string))];
  const close = t.endsWith(':*') ? undefined : closest(t, knownTypes);
  const service = t.split(':')[0] ?? '';
  const hint = close ? `did you mean ${close}?` : services.includes(service) ? `${service} has no such type;` : `no supported type is of service ${service} (the services: ${services.join(', ')});`;
  return `${hint} \`nova-cleanup types\` lists every type`;
}

/** The candidate nearest to `s` by edit distance, if it is near enough to be a typo. */
export function closest(s: string, candidates: readonly string[]): string | undefined {
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = editDistance(s.toLowerCase(), c.toLowerCase());
    if (!best || d < best.d) best = { c, d };
  }
  return best && best.d <= Math.max(2, Math.floor(s.length / 5)) ? best.c : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const cur = [i];
    for (let j = 1; j <= b.length; j += 1) cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length] as number;
}

export function parseCleanOptions(raw: Record<string, unknown>, knownTypes: readonly string[]): CleanOptions {
  const selection = parseSelection(raw, knownTypes);
  const aws = parseAwsOptions(raw);
  const confirm = parseConfirmOptions(raw);
  const limits = parseLimits(raw, knownTypes);
  return { ...selection, ...aws, ...confirm, dryRun: raw.dryRun === true, limits };
}

function pick(raw: Record<string, unknown>, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const k of path) v = (v as Record<PropertyKey, unknown> | undefined)?.[k];
  return v;
}

export interface TagOptions extends AwsOptions {
  readonly prefixes: readonly string[];
  readonly preset?: 'nova' | undefined;
  readonly tags: Readonly<Record<string, string>>;
  readonly regions: readonly string[];
  readonly allRegions: boolean;
  readonly includeTypes: readonly string[];
  /** `--assume-absent`: types not listed (none of them is looked for). */
  readonly assumeAbsent: readonly string[];
  readonly dryRun: boolean;
  readonly interactive: boolean;
  readonly yes: boolean;
  readonly backupDir: string;
}

/** `nova-cleanup tag`: prefixes (or a preset), the tags to add (each with a value), where, and how to confirm. */
export function parseTagCommand(raw: Record<string, unknown>, knownTypes: readonly string[]): TagOptions {
  const aws = parseAwsOptions(raw);
  const confirm = parseConfirmOptions(raw);
  const prefixes = Array.isArray(raw.namePrefix) ? raw.namePrefix.map(String) : [];
  for (const p of prefixes) {
    if (p.trim() === '' || p !== p.trim() || hasControl(p)) throw new NovaError(`--name-prefix "${printable(p)}": give a non-empty prefix without surrounding whitespace`);
  }
  if (raw.preset !== undefined && raw.preset !== 'nova') throw new NovaError(`--preset "${String(raw.preset)}": the only preset is nova`);
  const preset = raw.preset === undefined ? undefined : ('nova' as const);
  if (prefixes.length === 0 && !preset) throw new NovaError('tag: give at least one --name-prefix, or --preset nova');
  const tagList = raw.tag as string[] | undefined;
  if (!tagList || tagList.length === 0) throw new NovaError('tag: give the tag to add with --tag Key=Value');
  const tags: Record<string, string> = {};
  for (const t of tagList) {
    let f: TagFilter;
    try {
      f = parseTag(t);
    } catch (err) {
      throw new NovaError(`--tag: ${(err as Error).message}`);
    }
    if (f.values.length !== 1) throw new NovaError(`--tag ${t}: tag needs exactly one value to add (Key=Value)`);
    if (Object.hasOwn(tags, f.key)) throw new NovaError(`--tag: key "${f.key}" given twice`);
    tags[f.key] = f.values[0] as string;
  }
  const sel = parseSelection({ ...raw, tag: tagList }, knownTypes);
  return {
    ...aws,
    prefixes,
    preset,
    tags,
    regions: sel.regions,
    allRegions: sel.allRegions,
    includeTypes: sel.includeTypes,
    assumeAbsent: sel.settings.assumeAbsent,
    dryRun: raw.dryRun === true,
    interactive: confirm.interactive,
    yes: confirm.yes,
    backupDir: confirm.backupDir,
  };
}
