/**
 * `--config <file>`: the settings of a run in a JSON or YAML file, validated with the options' own zod
 * schemas and parsers (src/options.ts), each mistake one line naming the file, its line and the key's path.
 * A flag given on the command line wins over the file's key; the file wins over the default.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { regionInfo } from './aws/regions.js';
import { NovaError } from './errors.js';
import { closest, CONCURRENCY_SERVICES, inWords, OPTION_SCHEMAS, parseLimits, parseTag, unknownTypeHint } from './options.js';

/** What a setting's value came from. */
export type SettingSource = 'flag' | 'file' | 'default';

/** A key of the file: the option (commander's attribute name) it stands for, and how a value reads as that option's. */
interface KeySpec {
  readonly option: string;
  /** The option is repeatable: a list (a single value is read as a list of one). */
  readonly list?: boolean;
}

/** The file's keys, by name; `protect` is the mapping of `arns` and `names`. */
export const CONFIG_KEYS: Readonly<Record<string, KeySpec>> = {
  tags: { option: 'tag', list: true },
  regions: { option: 'region', list: true },
  allRegions: { option: 'allRegions' },
  includeTypes: { option: 'includeType', list: true },
  excludeTypes: { option: 'excludeType', list: true },
  assumeAbsent: { option: 'assumeAbsent', list: true },
  discovery: { option: 'discovery' },
  deleteSharedLogGroups: { option: 'deleteSharedLogGroups' },
  deleteStudioEfs: { option: 'deleteStudioEfs' },
  deleteOwnedLogGroups: { option: 'deleteOwnedLogGroups' },
  account: { option: 'account' },
  allowAccounts: { option: 'allowAccount', list: true },
  blockAccounts: { option: 'blockAccount', list: true },
  allowProdAlias: { option: 'allowProdAlias' },
  maxResources: { option: 'maxResources' },
  expectCount: { option: 'expectCount', list: true },
  waitTimeout: { option: 'waitTimeout' },
  backupDir: { option: 'backupDir' },
  concurrency: { option: 'concurrency' },
};
const PROTECT_KEYS: Readonly<Record<string, KeySpec>> = { arns: { option: 'protectArn', list: true }, names: { option: 'protectName', list: true } };

/** Options set together: one given on the command line sets aside the file's keys of all of them. */
const GROUPS: readonly (readonly string[])[] = [['region', 'allRegions']];

/** A number where the option takes text (`maxResources: 200`, an account id): its digits. */
const asText = (v: unknown): unknown => (typeof v === 'number' ? String(v) : v);

/** `tags:` as a mapping (`project: nova-demo`, `env: [dev, test]`, `owner: ""`) read as the flag's `Key=v1,v2`. */
function tagOf(key: string, v: unknown): unknown {
  const values = Array.isArray(v) ? v : [v];
  if (values.length === 0 || values.some((x) => typeof x !== 'string' && typeof x !== 'number')) return undefined;
  return `${key}=${values.map((x) => (x === '' ? '""' : String(x))).join(',')}`;
}

/** A key's value in the flag's form: what commander would hand over for the same option on the command line. */
function flagForm(spec: KeySpec, v: unknown): unknown {
  if (spec.option === 'concurrency') return v;
  if (!spec.list) return asText(v);
  if (spec.option === 'tag' && v !== null && typeof v === 'object' && !Array.isArray(v)) return Object.entries(v).map(([k, x]) => tagOf(k, x));
  return (Array.isArray(v) ? v : [v]).map(asText);
}

/** The schema of the file: strict (an unknown key is a mistake), each key checked by its option's own schema. */
const valueOf = (spec: KeySpec) => z.preprocess((v) => flagForm(spec, v), OPTION_SCHEMAS[spec.option] as z.ZodType).optional();
export const configSchema = z.strictObject({
  ...Object.fromEntries(Object.entries(CONFIG_KEYS).map(([k, spec]) => [k, valueOf(spec)])),
  protect: z.strictObject(Object.fromEntries(Object.entries(PROTECT_KEYS).map(([k, spec]) => [k, valueOf(spec)]))).optional(),
});

/** A config file, read and checked: its values by option name, in the flags' form. */
export interface LoadedConfig {
  readonly path: string;
  readonly values: Readonly<Record<string, unknown>>;
}

interface Mistake {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** zod's words for a value of the file (a list, a mapping, true or false), else the options' own. */
function fileWords(issue: z.core.$ZodRawIssue): string {
  if (issue.code === 'invalid_type') {
    const expected = String(issue.expected);
    return `must be ${expected === 'array' ? 'a list' : expected === 'boolean' ? 'true or false' : expected === 'object' ? 'a mapping' : expected === 'string' ? 'text' : expected === 'number' ? 'a number' : expected}`;
  }
  return inWords(issue);
}

/**
 * Reads and checks the file (JSON or YAML, by its extension, else by its first character). Every mistake
 * is one line: `file:line: path: what is wrong; the fix`; any of them refuses the run (exit 2) before
 * any AWS call.
 */
export async function loadConfig(path: string, knownTypes: readonly string[]): Promise<LoadedConfig> {
  if (path.trim() === '') throw new NovaError('--config: give the file name');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file; check the path' : code === 'EISDIR' ? 'is a folder, not a file; give the config file in it' : code === 'EACCES' ? 'cannot be read (permission denied); check its mode' : `cannot be read (${(err as Error).message})`;
    throw new NovaError(`--config ${path}: ${why}`);
  }
  const json = /\.json$/i.test(path) || (!/\.ya?ml$/i.test(path) && text.trimStart().startsWith('{'));
  if (json) {
    try {
      JSON.parse(text);
    } catch (err) {
      throw new NovaError(`${path}: not valid JSON (${(err as Error).message}); fix the file`);
    }
  }
  const lines = new LineCounter();
  // JSON is YAML too: the YAML parser gives the line of each key, whichever it is.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const bad = doc.errors[0];
  if (bad) throw new NovaError(`${path}:${lines.linePos(bad.pos[0]).line}: not valid ${json ? 'JSON' : 'YAML'}: ${bad.message.split('\n')[0]}; fix the file`);
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) throw new NovaError(`${path} is empty; give at least one setting (tags, regions...; see README.md, "Configuration file")`);
  if (typeof data !== 'object' || Array.isArray(data)) throw new NovaError(`${path}: must be a mapping of settings (tags: ..., regions: ...), not ${Array.isArray(data) ? 'a list' : 'a single value'}`);

  const raw = data as Record<string, unknown>;
  const mistakes = [...shapeMistakes(raw), ...valueMistakes(raw, knownTypes)];
  if (mistakes.length > 0) {
    // In the file's order: each mistake's line, then the order they were found in.
    const located = mistakes.map((m) => ({ line: lineOf(doc, lines, m.path), text: `${shownPath(raw, m.path)}: ${m.message}` })).sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    const out = [...new Set(located.map((m) => `${path}${m.line === undefined ? '' : `:${m.line}`}: ${m.text}`))];
    throw new NovaError(out.join('\n'));
  }
  const values: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(raw)) {
    if (key === 'protect') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) values[(PROTECT_KEYS[k] as KeySpec).option] = flagForm(PROTECT_KEYS[k] as KeySpec, x);
      continue;
    }
    const spec = CONFIG_KEYS[key] as KeySpec;
    values[spec.option] = flagForm(spec, v);
  }
  return { path, values };
}

/** What the schema refuses: unknown keys (with the closest known one), wrong kinds, values the options refuse. */
function shapeMistakes(raw: Record<string, unknown>): Mistake[] {
  const parsed = configSchema.safeParse(raw, { error: fileWords });
  if (parsed.success) return [];
  const out: Mistake[] = [];
  for (const issue of parsed.error.issues) {
    const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    // `tags:` as a mapping is checked as the list it stands for: its n-th entry is the n-th key.
    const tags = raw.tags;
    if (path[0] === 'tags' && typeof path[1] === 'number' && tags !== null && typeof tags === 'object' && !Array.isArray(tags)) path[1] = Object.keys(tags)[path[1]] ?? path[1];
    if (issue.code === 'unrecognized_keys') {
      const names = path.length === 0 ? [...Object.keys(CONFIG_KEYS), 'protect'] : path[0] === 'protect' ? Object.keys(PROTECT_KEYS) : ['all', ...CONCURRENCY_SERVICES];
      for (const key of issue.keys) {
        // A typo, or a key cut short (`waitTime`).
        const close = closest(key, names) ?? (key.length >= 4 ? names.find((k) => k.toLowerCase().startsWith(key.toLowerCase())) : undefined);
        out.push({ path: [...path, key], message: `unknown key; ${close ? `did you mean ${close}?` : `the keys here are ${names.join(', ')}`}` });
      }
      continue;
    }
    out.push({ path, message: issue.message });
  }
  return out;
}

/** What the options' parsers refuse of each value: a tag, a region, a type, an expected count; and keys that contradict each other. */
function valueMistakes(raw: Record<string, unknown>, knownTypes: readonly string[]): Mistake[] {
  const out: Mistake[] = [];
  const strings = (key: string): [number | string, string][] => {
    const spec = CONFIG_KEYS[key] as KeySpec;
    const v = raw[key];
    if (v === undefined) return [];
    const form = flagForm(spec, v);
    if (!Array.isArray(form)) return [];
    const labels = key === 'tags' && v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : form.map((_, i) => i);
    return form.flatMap((x, i) => (typeof x === 'string' ? [[labels[i] as number | string, x] as [number | string, string]] : []));
  };
  const tagKeys = new Map<string, number | string>();
  for (const [at, t] of strings('tags')) {
    try {
      const f = parseTag(t);
      if (tagKeys.has(f.key)) out.push({ path: ['tags', at], message: `key "${f.key}" given twice; list its values once, as ${f.key}=v1,v2` });
      tagKeys.set(f.key, at);
    } catch (err) {
      out.push({ path: ['tags', at], message: (err as Error).message });
    }
  }
  for (const [at, r] of strings('regions')) {
    for (const one of r.split(',').map((x) => x.trim())) {
      if (one === '') out.push({ path: ['regions', at], message: 'an empty region (a stray comma?)' });
      else if (one === 'all') out.push({ path: ['regions', at], message: '"all" is not a region; write allRegions: true for every region enabled for the account' });
      else if (!regionInfo(one)) out.push({ path: ['regions', at], message: `unknown region "${one}" (not in the AWS SDK's region list); correct it` });
    }
  }
  for (const key of ['includeTypes', 'excludeTypes', 'assumeAbsent']) {
    for (const [at, t] of strings(key)) {
      const hint = /^[a-z0-9-]+:([a-z0-9-]+|\*)$/.test(t) ? unknownTypeHint(t, knownTypes) : undefined;
      if (hint !== undefined) out.push({ path: [key, at], message: `unknown type "${t}"; ${hint}` });
    }
  }
  for (const [at, e] of strings('expectCount')) {
    try {
      parseLimits({ expectCount: [e] }, knownTypes);
    } catch (err) {
      if (err instanceof NovaError) out.push({ path: ['expectCount', at], message: err.message.replace(/^--expect-count "[^"]*": /, '') });
    }
  }
  if (raw.allRegions === true && raw.regions !== undefined) out.push({ path: ['allRegions'], message: 'allRegions and regions contradict each other; keep one' });
  const allow = new Set(strings('allowAccounts').map(([, a]) => a));
  for (const [at, b] of strings('blockAccounts')) if (allow.has(b)) out.push({ path: ['blockAccounts', at], message: `${b} is in allowAccounts too; keep it in one` });
  return out;
}

/** `regions[1]`, `protect.names[0]`, `tags.project`: the path as the file is written (a single value's index left out). */
function shownPath(raw: Record<string, unknown>, path: readonly (string | number)[]): string {
  let s = '';
  let v: unknown = raw;
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (Array.isArray(v)) {
        s += `[${seg}]`;
        v = v[seg];
      }
      continue;
    }
    // `concurrency: 0` is read as { all: 0 }: the key the file has is named, not the one it stands for.
    if (s !== '' && (v === null || typeof v !== 'object')) break;
    s += s === '' ? seg : `.${seg}`;
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
  }
  return s || '(the file)';
}

/** The line (from 1) of the deepest node of `path` the document has. */
function lineOf(doc: Document, lines: LineCounter, path: readonly (string | number)[]): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = (node as { range?: [number] } | null)?.range?.[0];
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown } | null)?.value ?? p.key) === String(seg));
      if (!pair) break;
      const keyRange = (pair.key as { range?: [number] } | null)?.range;
      const valueRange = (pair.value as { range?: [number] } | null)?.range;
      offset = keyRange?.[0] ?? valueRange?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as { range?: [number] } | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

/** What a command needs of commander's Command: its options, and where each value came from. */
export interface OptionSources {
  readonly options: readonly { attributeName(): string }[];
  getOptionValueSource(key: string): string | undefined;
}

/**
 * The options of a run: the command line's, and the file's keys for every option the command has that the
 * command line did not give (a repeatable flag replaces the file's whole list). `except`: options of the
 * command the file does not set (`apply --region` checks the plan, it does not choose). With each
 * setting's source.
 */
export function mergeConfig(raw: Readonly<Record<string, unknown>>, command: OptionSources, config: LoadedConfig | undefined, except: readonly string[] = []): { raw: Record<string, unknown>; sources: Record<string, SettingSource> } {
  const names = command.options.map((o) => o.attributeName()).filter((n) => n !== 'config' && !except.includes(n));
  const fromCli = (k: string): boolean => command.getOptionValueSource(k) === 'cli';
  const setAside = new Set(GROUPS.filter((g) => g.some(fromCli)).flat());
  const out: Record<string, unknown> = { ...raw };
  const sources: Record<string, SettingSource> = {};
  const protectFrom: Record<string, string> = {};
  for (const n of names) {
    if (fromCli(n)) {
      sources[n] = 'flag';
      continue;
    }
    if (config && Object.hasOwn(config.values, n) && !setAside.has(n)) {
      out[n] = config.values[n];
      sources[n] = 'file';
      if (n === 'protectArn') protectFrom.arns = 'config';
      if (n === 'protectName') protectFrom.names = 'config';
      continue;
    }
    sources[n] = 'default';
  }
  if (Object.keys(protectFrom).length > 0) out.protectFrom = protectFrom;
  return { raw: out, sources };
}

/** `--config` of the command, read and merged under its command line (no file: the command line alone). */
export async function withConfig(
  raw: Readonly<Record<string, unknown>>,
  command: OptionSources,
  knownTypes: readonly string[],
  except: readonly string[] = [],
): Promise<{ raw: Record<string, unknown>; sources: Record<string, SettingSource>; path?: string | undefined }> {
  const file = raw.config;
  if (file !== undefined && typeof file !== 'string') throw new NovaError('--config: give the file name');
  const config = file === undefined ? undefined : await loadConfig(file, knownTypes);
  return { ...mergeConfig(raw, command, config, except), path: file };
}
