import { z } from 'zod';
import { NovaError } from './errors.js';
import type { TagFilter } from './model.js';

/** Options of the main command, validated once at the edge; everything inside gets this typed shape. */
export interface CleanOptions {
  readonly tags: TagFilter[];
  readonly regions: string[];
  readonly profile?: string | undefined;
  readonly endpointUrl?: string | undefined;
  readonly dryRun: boolean;
  readonly interactive: boolean;
  readonly yes: boolean;
  readonly json: boolean;
  readonly backupDir: string;
  readonly includeTypes: string[];
  readonly excludeTypes: string[];
  readonly account?: string | undefined;
  readonly waitTimeout: number;
}

/** `Key=v1,v2` → {key, values: [v1, v2]}; `Key` → any value. Split on the first `=`. */
export function parseTag(raw: string): TagFilter {
  const eq = raw.indexOf('=');
  const key = (eq === -1 ? raw : raw.slice(0, eq)).trim();
  if (!key) throw new Error(`"${raw}" has no tag key (use Key=Value, Key=v1,v2 or Key)`);
  if (key.length > 128) throw new Error(`tag key "${key.slice(0, 20)}..." is longer than 128 characters`);
  if (eq === -1) return { key, values: [] };
  const values = raw.slice(eq + 1).split(',');
  if (values.length > 20) throw new Error(`tag ${key} has more than 20 values (the Tagging API's limit)`);
  for (const v of values) if (v.length > 256) throw new Error(`a value of tag ${key} is longer than 256 characters`);
  return { key, values };
}

const typePattern = /^[a-z0-9-]+:([a-z0-9-]+|\*)$/;

const schema = z.object({
  tag: z.array(z.string()).default([]),
  region: z.array(z.string().min(1)).default([]),
  profile: z.string().min(1).optional(),
  endpointUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  dryRun: z.boolean().default(false),
  interactive: z.boolean().default(false),
  yes: z.boolean().default(false),
  json: z.boolean().default(false),
  backupDir: z.string().min(1).default('./nova-cleanup-backups'),
  includeType: z.array(z.string().regex(typePattern, 'must look like service:type or service:*')).default([]),
  excludeType: z.array(z.string().regex(typePattern, 'must look like service:type or service:*')).default([]),
  account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id').optional(),
  waitTimeout: z.coerce.number().int().min(1).max(86_400).default(1800),
});

const flagNames: Record<string, string> = {
  tag: '--tag', region: '--region', profile: '--profile', endpointUrl: '--endpoint-url', backupDir: '--backup-dir',
  includeType: '--include-type', excludeType: '--exclude-type', account: '--account', waitTimeout: '--wait-timeout',
};

/** Validates commander's raw options; bad input becomes one NovaError line (exit 2). */
export function parseCleanOptions(raw: Record<string, unknown>, knownTypes: readonly string[]): CleanOptions {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = flagNames[String(issue?.path[0] ?? '')] ?? String(issue?.path[0] ?? 'option');
    const value = issue?.path.length ? pick(raw, issue.path) : undefined;
    throw new NovaError(`${flag}${value !== undefined ? ` "${String(value)}"` : ''}: ${issue?.message ?? 'invalid'}`);
  }
  const o = parsed.data;
  if (o.tag.length === 0) throw new NovaError('at least one --tag Key=Value is required: nova-cleanup never deletes untagged resources');
  const tags: TagFilter[] = [];
  for (const raw of o.tag) {
    let f: TagFilter;
    try {
      f = parseTag(raw);
    } catch (err) {
      throw new NovaError(`--tag: ${(err as Error).message}`);
    }
    if (tags.some((t) => t.key === f.key)) throw new NovaError(`--tag: key "${f.key}" given twice; list its values once, as ${f.key}=v1,v2`);
    tags.push(f);
  }
  if (tags.length > 50) throw new NovaError('--tag: at most 50 tag keys (the Tagging API\'s limit)');
  for (const t of [...o.includeType, ...o.excludeType]) {
    const known = t.endsWith(':*') ? knownTypes.some((k) => k.startsWith(t.slice(0, -1))) : knownTypes.includes(t);
    if (!known) throw new NovaError(`unknown type "${t}"; see \`nova-cleanup types\` (known: ${knownTypes.join(', ')})`);
  }
  if (o.interactive && o.yes) throw new NovaError('--interactive and --yes contradict each other; choose one');
  return {
    tags,
    regions: [...new Set(o.region)],
    profile: o.profile,
    endpointUrl: o.endpointUrl,
    dryRun: o.dryRun,
    interactive: o.interactive,
    yes: o.yes,
    json: o.json,
    backupDir: o.backupDir,
    includeTypes: o.includeType,
    excludeTypes: o.excludeType,
    account: o.account,
    waitTimeout: o.waitTimeout,
  };
}

function pick(raw: Record<string, unknown>, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const k of path) v = (v as Record<PropertyKey, unknown> | undefined)?.[k];
  return v;
}
