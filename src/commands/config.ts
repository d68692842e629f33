import { LIMITS } from '../aws/throughput.js';
import type { SettingSource } from '../config.js';
import { EMPTY_VALUE, type CleanOptions } from '../options.js';

/** One effective setting: its name in the config file, its value, and where it came from. */
export interface Setting {
  readonly name: string;
  readonly value: unknown;
  /** As the text output says it. */
  readonly text: string;
  readonly source: SettingSource;
}

const list = (xs: readonly string[], none: string): string => (xs.length === 0 ? none : xs.join(', '));

/**
 * `nova-cleanup config --explain`: the settings a cleanup with these options would use, each with where it
 * came from (`flag`, `file`, `default`), by the config file's key names. Makes no AWS call. Pure.
 */
export function effectiveSettings(o: CleanOptions, sources: Readonly<Record<string, SettingSource>>): Setting[] {
  const src = (...options: string[]): SettingSource => (options.some((k) => sources[k] === 'flag') ? 'flag' : options.some((k) => sources[k] === 'file') ? 'file' : 'default');
  const policy = o.accountPolicy ?? { allow: [], block: [], allowProdAlias: false };
  const protect = o.protect ?? { arns: [], names: [] };
  const tagText = o.tags.map((t) => (t.values.length === 0 ? t.key : `${t.key}=${t.values.map((v) => (v === '' ? EMPTY_VALUE : v)).join(',')}`));
  const caps = o.concurrency;
  const capText = caps ? [...(caps.all !== undefined ? [`all ${caps.all}`] : []), ...Object.entries(caps.services ?? {}).map(([s, n]) => `${s} ${n}`)].join(', ') : `the table's (e.g. lambda ${LIMITS.lambda?.read}/${LIMITS.lambda?.write} reads/writes at once per region)`;
  const limits = o.limits;
  const expect = [...(limits?.expectTotal !== undefined ? [String(limits.expectTotal)] : []), ...Object.entries(limits?.expectByType ?? {}).map(([t, n]) => `${t}=${n}`)];
  const s = (name: string, value: unknown, text: string, ...options: string[]): Setting => ({ name, value, text, source: src(...options) });
  return [
    s('tags', o.tags, tagText.join(' '), 'tag'),
    s('regions', o.regions, o.allRegions ? '(every region enabled for the account)' : list(o.regions, '(from the AWS config chain: AWS_REGION, AWS_DEFAULT_REGION, the profile)'), 'region'),
    s('allRegions', o.allRegions, String(o.allRegions), 'allRegions'),
    s('includeTypes', o.includeTypes, list(o.includeTypes, '(every supported type)'), 'includeType'),
    s('excludeTypes', o.excludeTypes, list(o.excludeTypes, '(none)'), 'excludeType'),
    s('assumeAbsent', o.settings.assumeAbsent, list(o.settings.assumeAbsent, '(none)'), 'assumeAbsent'),
    s('discovery', o.discovery, o.discovery, 'discovery'),
    s('deleteSharedLogGroups', o.settings.deleteSharedLogGroups, String(o.settings.deleteSharedLogGroups), 'deleteSharedLogGroups'),
    s('deleteStudioEfs', o.settings.deleteStudioEfs, String(o.settings.deleteStudioEfs), 'deleteStudioEfs'),
    s('deleteOwnedLogGroups', o.settings.deleteOwnedLogGroups, String(o.settings.deleteOwnedLogGroups), 'deleteOwnedLogGroups'),
    s('account', o.account ?? null, o.account ?? '(any)', 'account'),
    s('allowAccounts', policy.allow, list(policy.allow, '(any)'), 'allowAccount'),
    s('blockAccounts', policy.block, list(policy.block, '(none)'), 'blockAccount'),
    s('allowProdAlias', policy.allowProdAlias, String(policy.allowProdAlias), 'allowProdAlias'),
    s('maxResources', limits?.maxResources ?? null, limits?.maxResources === undefined ? '(no limit)' : String(limits.maxResources), 'maxResources'),
    s('expectCount', expect, list(expect, '(none)'), 'expectCount'),
    s('waitTimeout', o.waitTimeout, `${o.waitTimeout} s`, 'waitTimeout'),
    s('backupDir', o.backupDir, o.backupDir, 'backupDir'),
    s('protect.arns', protect.arns, list(protect.arns, '(none)'), 'protectArn'),
    s('protect.names', protect.names, list(protect.names.map((n) => `"${n}"`), '(none)'), 'protectName'),
    s('concurrency', caps ?? null, capText, 'concurrency'),
    s('profile', o.profile ?? null, o.profile ?? '(AWS_PROFILE, else default)', 'profile'),
    s('endpointUrl', o.endpointUrl ?? null, o.endpointUrl ?? '(the AWS endpoints)', 'endpointUrl'),
  ];
}

/** The explanation as lines: a table (setting, value, source), or one JSON document. */
export function explainLines(settings: readonly Setting[], configPath: string | undefined, json: boolean): string[] {
  if (json) {
    const doc = { config: configPath ?? null, precedence: ['flag', 'file', 'default'], settings: Object.fromEntries(settings.map((x) => [x.name, { value: x.value, source: x.source }])) };
    return [JSON.stringify(doc, null, 2)];
  }
  const width = Math.max(...settings.map((x) => x.name.length));
  const valueWidth = Math.min(60, Math.max(...settings.map((x) => x.text.length)));
  return [
    `Effective settings (${configPath ? `config file ${configPath}` : 'no config file'}; a flag wins over the file, the file over the default):`,
    ...settings.map((x) => `  ${x.name.padEnd(width)}  ${x.text.padEnd(valueWidth)}  ${x.source}`),
  ];
}
