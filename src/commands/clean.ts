import { AwsClients, defaultRegion } from '../aws/clients.js';
import { describeError } from '../aws/errors.js';
import { Journal, writeBackup, type BackupDocument } from '../backup/backup.js';
import { discover } from '../discovery/discover.js';
import { reconcile, typeSelected } from '../discovery/reconcile.js';
import { AbortedError, ExitCode, NovaError } from '../errors.js';
import { execute } from '../execute/executor.js';
import type { Outcome, Report, Summary } from '../model.js';
import type { CleanOptions } from '../options.js';
import { applySelection, buildPlan, heldByKept, typesUsedBy, type Candidate, type PlanItem } from '../plan/plan.js';
import { renderNotPlanned, renderPlan } from '../plan/render.js';
import { callerIdentity, checkAccount } from '../preflight/identity.js';
import { validateRegions } from '../preflight/regions.js';
import { simulatePlan } from '../preflight/simulate.js';
import type { HandlerContext, ResourceHandler } from '../resources/handler.js';
import { handlers as registry } from '../resources/index.js';
import { describeFilters } from '../tags.js';
import type { Ui } from '../ui/ui.js';

export interface CleanDeps {
  readonly ui: Ui;
  /** Is a person at a terminal who can answer a question? */
  readonly interactiveTerminal: boolean;
  /** Ctrl-C. */
  readonly signal: AbortSignal;
  readonly handlers?: readonly ResourceHandler[];
  readonly aws?: AwsClients;
}

/** The main job: preflight, discovery, reconcile, plan, confirm, backup, execute, report. Returns the exit code. */
export async function runClean(opts: CleanOptions, deps: CleanDeps): Promise<number> {
  const { ui } = deps;
  const handlers = deps.handlers ?? registry;

  // Refuse before any AWS call when nobody can confirm.
  if (!opts.dryRun && !opts.yes && !deps.interactiveTerminal) {
    throw new NovaError('refusing to delete without confirmation: no terminal to ask in; pass --yes (or --dry-run to look)');
  }

  const aws = deps.aws ?? new AwsClients({ profile: opts.profile, endpoint: opts.endpointUrl, readOnly: opts.dryRun });
  try {
    return await clean(opts, deps, handlers, aws, ui);
  } finally {
    if (!deps.aws) await aws.destroy();
  }
}

async function clean(opts: CleanOptions, deps: CleanDeps, handlers: readonly ResourceHandler[], aws: AwsClients, ui: Ui): Promise<number> {
  // ── Preflight: regions (offline), identity, account guard ──
  let regions = opts.regions;
  if (regions.length === 0) {
    const r = await defaultRegion(opts.profile);
    if (!r) throw new NovaError('no region: pass --region, or set AWS_REGION / a region in your AWS profile');
    regions = [r];
  }
  validateRegions(regions);
  const home = regions[0] as string;
  const identity = await callerIdentity(aws, home);
  ui.info(`Account ${identity.account} as ${identity.arn}`);
  checkAccount(identity, opts.account);
  ui.info(`Looking for resources tagged ${describeFilters(opts.tags)} in ${regions.join(', ')}${opts.dryRun ? ' (dry run: nothing will be changed)' : ''}`);

  // Waiters get no abort signal: after the first Ctrl-C the deletes in flight are seen through to the end.
  const ctx: HandlerContext = { aws, waitTimeoutSeconds: opts.waitTimeout };
  const types = { include: opts.includeTypes, exclude: opts.excludeTypes };

  // ── Discovery (all pages first), then a live describe of each hit ──
  const hits = await discover({ aws, ctx, regions, filters: opts.tags, handlers: handlers.filter((h) => typeSelected(h.type, types)) });
  ui.info(`Found ${hits.length} tagged resource${hits.length === 1 ? '' : 's'}; checking each with its service`);
  const { candidates, outcomes: notPlanned, keptUses, unreadableTypes } = await reconcile({
    hits,
    handlers,
    ctx,
    filters: opts.tags,
    types,
    homeRegion: home,
    regions,
  });

  // What stays keeps what it uses. The role this run is using stays, whatever its tags.
  const self = callerRoleName(identity.arn);
  const held = heldByKept(candidates, keptUses);
  // A resource we could not read may use others in the plan: hold back the types it may use.
  const unreadable = new Set([...unreadableTypes, ...notPlanned.filter((o) => o.status === 'failed').map((o) => o.type)]);
  const heldTypes = typesUsedBy(unreadable, (t) => handlers.find((h) => h.type === t)?.dependsOn ?? []);
  const planned: Candidate[] = [];
  for (const c of candidates) {
    const why =
      c.ref.type === 'iam:role' && self !== undefined && c.ref.name.toLowerCase() === self.toLowerCase()
        ? 'the role this run is using; left alone'
        : (held.get(c.ref.arn) ?? (heldTypes.has(c.ref.type) ? 'held back: a resource that could not be read may use it' : undefined));
    if (why) notPlanned.push(outcomeOf(c, 'skipped', { reason: why }));
    else planned.push(c);
  }

  const plan = buildPlan(planned);
  ui.plan([...renderPlan(plan), ...renderNotPlanned(notPlanned)]);

  // ── Preflight: can we do what the plan needs? ──
  const arnsByType = new Map<string, string[]>();
  for (const i of plan.items) arnsByType.set(i.ref.type, [...(arnsByType.get(i.ref.type) ?? []), i.ref.arn]);
  const sim = await simulatePlan({ aws, region: home, identity, handlers, arnsByType });
  if ('note' in sim && sim.note) ui.warn(sim.note);
  if (sim.status === 'unavailable') ui.warn(`permission check skipped: ${sim.reason}`);
  if (sim.status === 'allowed') ui.info(`Permission check: ${sim.checked} action check${sim.checked === 1 ? '' : 's'} allowed`);
  if (sim.status === 'denied') {
    const byType = new Map<string, Set<string>>();
    for (const d of sim.denied) byType.set(d.type, (byType.get(d.type) ?? new Set()).add(`${d.action} (${d.decision})`));
    for (const [type, actions] of byType) ui.error(`${type}: not allowed: ${[...actions].join(', ')}`);
    throw new NovaError(`the caller lacks ${sim.denied.length} permission${sim.denied.length === 1 ? '' : 's'} the plan needs (listed above); nothing was deleted`);
  }

  const base = { account: identity.account, principal: identity.arn, regions, tagFilters: opts.tags };
  const readFailures = notPlanned.some((o) => o.status === 'failed');

  if (opts.dryRun) {
    const resources = [...plan.items.map((i) => outcomeOf(i, 'planned')), ...notPlanned];
    const code = readFailures ? ExitCode.Failed : ExitCode.Ok;
    ui.report(report({ ...base, dryRun: true, resources, interrupted: false, exitCode: code }));
    return code;
  }
  if (plan.items.length === 0) {
    const code = readFailures ? ExitCode.Failed : ExitCode.Ok;
    ui.report(report({ ...base, dryRun: false, resources: notPlanned, interrupted: false, exitCode: code }));
    return code;
  }

  // ── Confirm ──
  const chosen = await choose(plan.items, opts, ui);
  const selection = applySelection(plan, chosen);
  const kept: Outcome[] = plan.items
    .filter((i) => selection.keep.has(i.ref.arn))
    .map((i) => outcomeOf(i, 'skipped', { reason: selection.keep.get(i.ref.arn) ?? 'kept' }));
  if (selection.delete.length === 0) {
    ui.info('Nothing chosen for deletion.');
    const code = readFailures ? ExitCode.Failed : ExitCode.Ok;
    ui.report(report({ ...base, dryRun: false, resources: [...kept, ...notPlanned], interrupted: false, exitCode: code }));
    return code;
  }
  if (deps.signal.aborted) throw new AbortedError('interrupted before the first delete; nothing was deleted');

  // ── Backup, before the first delete ──
  const doc: BackupDocument = {
    format: 'nova-cleanup-backup',
    version: 1,
    createdAt: new Date().toISOString(),
    ...base,
    resources: selection.delete.map((i) => ({ arn: i.ref.arn, type: i.ref.type, region: i.ref.region, name: i.ref.name, tags: i.tags, config: i.config })),
  };
  let backupPath: string;
  let journal: Journal;
  try {
    backupPath = await writeBackup(opts.backupDir, doc);
    journal = await Journal.open(backupPath.replace(/\.json$/, '.journal.ndjson'));
  } catch (err) {
    throw new NovaError(`cannot write the backup in ${opts.backupDir}: ${describeError(err)}; nothing was deleted`, ExitCode.Usage, { cause: err });
  }
  ui.info(`Backup of ${doc.resources.length} resource${doc.resources.length === 1 ? '' : 's'} written to ${backupPath}`);

  // ── Execute ──
  let done = 0;
  const total = selection.delete.length;
  let outcomes: Outcome[];
  try {
    outcomes = await execute(selection.delete, {
      handlerFor: (t) => {
        const h = handlers.find((x) => x.type === t);
        if (!h) throw new Error(`no handler for ${t}`);
        return h;
      },
      ctx,
      filters: opts.tags,
      journal,
      signal: deps.signal,
      onEvent: (e) => {
        if (e.kind === 'start') ui.progress(`  deleting ${e.item.ref.type} ${e.item.ref.name}`);
        else if (e.kind === 'waiting') ui.progress(`  waiting for ${e.item.ref.type} ${e.item.ref.name} to be gone`);
        else {
          done += 1;
          const o = e.outcome;
          ui.progress(`  [${done}/${total}] ${o.status} ${o.type} ${o.name}${o.error ? `: ${o.error}` : o.reason ? ` (${o.reason})` : ''}`);
        }
      },
    });
  } finally {
    await journal.close();
  }

  const interrupted = deps.signal.aborted;
  const all = [...outcomes, ...kept, ...notPlanned];
  const failed = all.some((o) => o.status === 'failed');
  const code = failed ? ExitCode.Failed : interrupted ? ExitCode.Aborted : ExitCode.Ok;
  ui.report(report({ ...base, dryRun: false, resources: all, backupPath, journalPath: journal.path, interrupted, exitCode: code }));
  return code;
}

async function choose(items: readonly PlanItem[], opts: CleanOptions, ui: Ui): Promise<Set<string>> {
  const all = new Set(items.map((i) => i.ref.arn));
  if (opts.yes) return all;
  if (!opts.interactive) {
    const ok = await ui.confirmPlan(`Delete these ${items.length} resources? A backup is written first.`);
    if (!ok) throw new AbortedError();
    return all;
  }
  const chosen = new Set<string>();
  // Declining a resource keeps what it uses too: those are not asked about.
  const forcedKeep = new Set<string>();
  const byArn = new Map(items.map((i) => [i.ref.arn, i]));
  const keepWithUses = (item: PlanItem): void => {
    for (const u of item.usesInPlan) {
      if (forcedKeep.has(u)) continue;
      forcedKeep.add(u);
      const used = byArn.get(u);
      if (used) keepWithUses(used);
    }
  };
  for (const [n, i] of items.entries()) {
    if (forcedKeep.has(i.ref.arn)) continue;
    const a = await ui.confirmResource({ type: i.ref.type, name: i.ref.name, arn: i.ref.arn, region: i.ref.region, index: n + 1, total: items.length });
    if (a === 'quit') throw new AbortedError();
    if (a === 'all') {
      for (const rest of items.slice(n)) if (!forcedKeep.has(rest.ref.arn)) chosen.add(rest.ref.arn);
      break;
    }
    if (a === 'yes') chosen.add(i.ref.arn);
    else keepWithUses(i);
  }
  return chosen;
}

/** The role name of an assumed-role session (`arn:…:sts::…:assumed-role/NAME/SESSION`), if that is what the caller is. */
function callerRoleName(callerArn: string): string | undefined {
  const m = /:assumed-role\/([^/]+)\//.exec(callerArn) ?? /:iam::\d{12}:role\/(?:.*\/)?([^/]+)$/.exec(callerArn);
  return m?.[1];
}

function outcomeOf(c: Candidate, status: Outcome['status'], extra: { reason?: string } = {}): Outcome {
  return { arn: c.ref.arn, type: c.ref.type, region: c.ref.region, name: c.ref.name, status, ...extra };
}

function report(r: Omit<Report, 'version' | 'summary'>): Report {
  const count = (s: Outcome['status']) => r.resources.filter((o) => o.status === s).length;
  const summary: Summary = {
    deleted: count('deleted'),
    failed: count('failed'),
    skipped: count('skipped'),
    gone: count('gone'),
    unsupported: count('unsupported'),
    planned: count('planned'),
  };
  return { version: 1, ...r, summary };
}
