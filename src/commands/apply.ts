import { prepareFolder } from '../backup/files.js';
import { readPlanFile } from '../backup/plan-file.js';
import { ExitCode, NovaError, withCode } from '../errors.js';
import type { AwsOptions, ConfirmOptions } from '../options.js';
import { applyPhase, refuseDenied } from '../run/apply.js';
import { gather } from '../run/gather.js';
import { checkLimits, type Limits } from '../run/guards.js';
import { openSession } from '../run/session.js';
import { refuseWithoutConfirmation, type CommandDeps } from './clean.js';

export interface ApplyCommandOptions extends AwsOptions, ConfirmOptions {
  readonly file: string;
  /** --region given to apply: each must be one the plan names. */
  readonly regions: readonly string[];
  /** --max-resources / --expect-count given to apply: checked against the plan as re-read. */
  readonly limits?: Limits | undefined;
}

/**
 * `apply <plan>`: carries out a plan made earlier, and nothing else. The plan is refused (exit 2, no
 * mutating call) if its digest does not match, if the credentials belong to another account, or if a
 * region is asked for that the plan does not name. Every item is re-read first (gone → `gone`; tags
 * changed → skipped), and the usage check runs again on the live account.
 */
export async function runApply(opts: ApplyCommandOptions, deps: CommandDeps): Promise<number> {
  const doc = await withCode('input', () => readPlanFile(opts.file));
  const foreign = opts.regions.filter((r) => !doc.regions.includes(r));
  if (foreign.length > 0) {
    throw new NovaError(`--region ${foreign.join(', ')}: the plan covers ${doc.regions.join(', ')} only; make a new plan for other regions`, ExitCode.Usage, { code: 'input' });
  }
  const itemRegions = doc.items.map((i) => i.ref.region).filter((r) => !doc.regions.includes(r));
  if (itemRegions.length > 0) throw new NovaError(`${opts.file} lists resources in ${[...new Set(itemRegions)].join(', ')}, which it does not name as its regions; refused`, ExitCode.Usage, { code: 'input' });
  refuseWithoutConfirmation({ yes: opts.yes, interactiveTerminal: deps.interactiveTerminal });
  await withCode('preflight', () => prepareFolder(opts.backupDir));
  const session = await openSession({
    aws: opts,
    regions: doc.regions,
    readOnly: false,
    ui: deps.ui,
    signal: deps.signal,
    registry: deps.registry,
    clients: deps.aws,
    wantAlias: !opts.yes,
    settings: doc.settings,
  });
  try {
    const { env, who } = session;
    if (who.identity.account !== doc.account) {
      throw new NovaError(`${opts.file} was made for account ${doc.account}; these credentials belong to ${who.identity.account}; refused`, ExitCode.Usage, { code: 'preflight' });
    }
    if (who.partition !== doc.partition) throw new NovaError(`${opts.file} was made in partition ${doc.partition}, not ${who.partition}; refused`, ExitCode.Usage, { code: 'preflight' });
    deps.ui.info(`Applying the plan of ${doc.createdAt} (${doc.items.length} resource${doc.items.length === 1 ? '' : 's'}, ${doc.digest.slice(0, 19)}…)`);
    const gathered = await withCode('preflight', () => gather(env, { tags: doc.filters, regions: doc.regions, types: doc.types, discovery: doc.discovery, settings: doc.settings }, who, { kind: 'plan', items: doc.items }));
    deps.ui.plan(gathered.doc);
    await withCode('guard', () => checkLimits(gathered.doc.items, opts.limits));
    refuseDenied(env, gathered.doc);
    return await applyPhase(env, gathered, { command: 'apply', yes: opts.yes, interactive: opts.interactive, backupDir: opts.backupDir, redact: opts.redact, tagsForRecheck: doc.filters, planPath: opts.file });
  } finally {
    await session.close();
  }
}
