import type { AwsClients } from '../aws/clients.js';
import { prepareFolder } from '../backup/files.js';
import { writePlanFile } from '../backup/plan-file.js';
import { NovaError, withCode } from '../errors.js';
import type { CleanOptions } from '../options.js';
import { applyPhase, refuseDenied, reportPlanOnly } from '../run/apply.js';
import { gather } from '../run/gather.js';
import { checkLimits } from '../run/guards.js';
import { openSession } from '../run/session.js';
import type { Registry } from '../resources/registry.js';
import { describeFilters } from '../tags.js';
import type { Ui } from '../ui/ui.js';

export interface CommandDeps {
  readonly ui: Ui;
  /** Is a person at a terminal who can answer a question? */
  readonly interactiveTerminal: boolean;
  /** Ctrl-C / SIGTERM. */
  readonly signal: AbortSignal;
  readonly registry: Registry;
  readonly aws?: AwsClients;
}

/** Nobody can confirm: refuse before any AWS call. */
export function refuseWithoutConfirmation(o: { yes: boolean; interactiveTerminal: boolean; verb?: 'delete' | 'tag' | 'restore' }): void {
  if (!o.yes && !o.interactiveTerminal) {
    throw new NovaError(`refusing to ${o.verb ?? 'delete'} without confirmation: no terminal to ask in; pass --yes (or --dry-run to look)`);
  }
}

/**
 * The main job, and `plan`: gather (preflight, discovery, describe, usage check, scope, permissions)
 * into a plan document; `--dry-run` and `plan` stop there (plan may write it with --out); a plain run
 * goes on to confirm, back up, delete and report. Returns the exit code.
 */
export async function runClean(opts: CleanOptions & { readonly out?: string | undefined; readonly command?: 'clean' | 'plan' }, deps: CommandDeps): Promise<number> {
  const command = opts.command ?? 'clean';
  const planOnly = opts.dryRun || command === 'plan';
  if (!planOnly) {
    refuseWithoutConfirmation({ yes: opts.yes, interactiveTerminal: deps.interactiveTerminal });
    await withCode('preflight', () => prepareFolder(opts.backupDir));
  }
  const session = await openSession({
    aws: opts,
    regions: opts.regions,
    readOnly: planOnly,
    ui: deps.ui,
    signal: deps.signal,
    registry: deps.registry,
    clients: deps.aws,
    wantAlias: !planOnly && !opts.yes,
    allRegions: opts.allRegions,
    settings: opts.settings,
  });
  try {
    const { env, who, regions } = session;
    const ui = deps.ui;
    ui.info(`Looking for resources tagged ${describeFilters(opts.tags)} in ${regions.join(', ')}${planOnly ? ' (nothing will be changed)' : ''}`);
    const gathered = await withCode('preflight', () => gather(env, { tags: opts.tags, regions, types: { include: opts.includeTypes, exclude: opts.excludeTypes }, discovery: opts.discovery, settings: opts.settings }, who, { kind: 'discover' }));
    ui.plan(gathered.doc);
    // Before the plan is written: a plan over the user's limits is not one to hand to `apply`.
    await withCode('guard', () => checkLimits(gathered.doc.items, opts.limits));
    if (planOnly) {
      if (opts.out) {
        await writePlanFile(opts.out, gathered.doc);
        ui.info(`Plan written to ${opts.out} (${gathered.doc.items.length} to delete, digest ${gathered.doc.digest.slice(0, 19)}…); run \`nova-cleanup apply ${opts.out}\` to carry it out`);
      }
      refuseDenied(env, gathered.doc);
      return reportPlanOnly(env, gathered.doc, command, opts.out);
    }
    refuseDenied(env, gathered.doc);
    return await applyPhase(env, gathered, { command, yes: opts.yes, interactive: opts.interactive, backupDir: opts.backupDir, redact: opts.redact, tagsForRecheck: gathered.doc.filters });
  } finally {
    await session.close();
  }
}
