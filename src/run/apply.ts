import { randomUUID } from 'node:crypto';
import { describeError } from '../aws/errors.js';
import { runFiles, saveArtifacts, writeBackup, type RunFiles } from '../backup/backup.js';
import { Journal } from '../backup/journal.js';
import { AbortedError, ExitCode, NovaError } from '../errors.js';
import { execute, type ExecEvent } from '../execute/executor.js';
import type { CallTotals, CostTotals, Outcome, Report, Summary } from '../model.js';
import { applySelection, type PlanDocument, type PlanItem } from '../plan/document.js';
import { childPhrases } from '../plan/children.js';
import { savings } from '../plan/cost.js';
import { clientOf, type Artifact } from '../resources/handler.js';
import type { ConfirmSummary, ProgressEvent, ProgressResource } from '../ui/ui.js';
import { timing } from '../timing.js';
import { TOOL } from '../version.js';
import type { Gathered, RunEnv } from './gather.js';

export interface ApplyOptions {
  readonly command: 'clean' | 'apply' | 'resume';
  readonly yes: boolean;
  readonly interactive: boolean;
  readonly backupDir: string;
  /** `--redact`: the backup replaces the secret values of each configuration too. */
  readonly redact?: boolean | undefined;
  readonly tagsForRecheck: PlanDocument['filters'];
  /** `resume`: the run being finished (its id, files, and what it had already deleted). */
  readonly resume?: { readonly runId: string; readonly files: RunFiles; readonly done: readonly Outcome[] } | undefined;
  readonly planPath?: string | undefined;
}

/** What the confirmation shows: account, alias, regions, counts per type, and what cannot be brought back. */
export function confirmSummary(doc: PlanDocument, items: readonly PlanItem[]): ConfirmSummary {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i.ref.type, (counts.get(i.ref.type) ?? 0) + 1);
  const lost: string[] = [];
  for (const i of items) {
    for (const c of i.children) if (c.lost) lost.push(`${childPhrases([c])[0]} of ${i.ref.type} ${i.ref.name}`);
  }
  return { account: doc.account, alias: doc.accountAlias, regions: doc.regions, counts: [...counts], total: items.length, lost };
}

export function summarize(resources: readonly Outcome[]): Summary {
  const count = (s: Outcome['status']) => resources.filter((o) => o.status === s).length;
  return {
    deleted: count('deleted'),
    failed: count('failed'),
    skipped: count('skipped'),
    gone: count('gone'),
    unsupported: count('unsupported'),
    planned: count('planned'),
    blocked: count('blocked'),
    retained: count('retained'),
  };
}

/** 1 when anything failed or could not be handled (a read failure, an unsupported tagged type); 3 when interrupted; else 0. */
export function exitCodeOf(resources: readonly Outcome[], interrupted: boolean): number {
  if (resources.some((o) => o.status === 'failed' || o.status === 'unsupported')) return ExitCode.Failed;
  return interrupted ? ExitCode.Aborted : ExitCode.Ok;
}

export function makeReport(
  doc: PlanDocument,
  command: string,
  r: { dryRun: boolean; resources: Outcome[]; interrupted: boolean; runId?: string; planPath?: string; backupPath?: string; journalPath?: string; calls?: CallTotals },
): Report {
  const items = new Map(doc.items.map((i) => [i.ref.arn, i]));
  const resources = r.resources.map((o) => inReport(o, items.get(o.arn)));
  return {
    version: 2,
    tool: { name: 'nova-cleanup', version: TOOL.version },
    command,
    ...(r.runId ? { runId: r.runId } : {}),
    dryRun: r.dryRun,
    account: doc.account,
    principal: doc.principal,
    regions: doc.regions,
    tagFilters: doc.filters,
    ...(r.planPath ? { planPath: r.planPath } : {}),
    ...(r.backupPath ? { backupPath: r.backupPath } : {}),
    ...(r.journalPath ? { journalPath: r.journalPath } : {}),
    interrupted: r.interrupted,
    summary: summarize(r.resources),
    ...(r.calls ? { calls: r.calls } : {}),
    ...withSavings(doc, r.resources),
    resources,
    exitCode: exitCodeOf(resources, r.interrupted),
    ...timing(),
  };
}

/** A resource as the report gives it: its plan layer and what it uses (when the plan has it), a failure's code apart from its message. */
function inReport(o: Outcome, item: PlanItem | undefined): Outcome {
  const code = o.status === 'failed' && o.error !== undefined && o.errorCode === undefined ? errorCodeOf(o.error) : undefined;
  return { ...o, ...(item && o.layer === undefined ? { layer: item.layer, uses: item.uses } : {}), ...(code ? { errorCode: code } : {}) };
}

/**
 * The code of a failure's error, from its one-line message (`could not read it: AccessDeniedException: ...`,
 * `TimeoutError: ...`, `... (ExpiredToken: ...)`): the first error name in it, else `Error`. Pure.
 */
export function errorCodeOf(error: string): string {
  return /(?:^|: |\()([A-Z][A-Za-z0-9]*)(?::|\)|$)/.exec(error)?.[1] ?? 'Error';
}

/** What the deleted (a dry run: planned) items cost by the hour, when any of them is billed so. */
function withSavings(doc: PlanDocument, resources: readonly Outcome[]): { cost?: CostTotals } {
  const cost = savings(doc.items, resources);
  return cost ? { cost } : {};
}

const planned = (i: PlanItem): Outcome => ({ arn: i.ref.arn, type: i.ref.type, region: i.ref.region, name: i.ref.name, status: 'planned', rule: i.rule, reason: i.reason });

/** A dry run (or `plan`): the plan's items as `planned`, with everything not planned. Returns the exit code. */
export function reportPlanOnly(env: RunEnv, doc: PlanDocument, command: string, planPath?: string): number {
  const resources = [...doc.items.map(planned), ...doc.notPlanned];
  const report = makeReport(doc, command, { dryRun: true, resources, interrupted: false, calls: env.aws.calls.totals(), ...(planPath ? { planPath } : {}) });
  env.ui.report(report);
  return report.exitCode;
}

/** Refuses a plan the caller may not carry out (denied permissions): exit 2 before anything changes. */
export function refuseDenied(env: RunEnv, doc: PlanDocument): void {
  const sim = doc.permissions;
  if (sim.status === 'unavailable') env.ui.warn(`permission check skipped: ${sim.reason}`);
  if (sim.status === 'allowed') env.ui.info(`Permission check: ${sim.checked} action/resource pair${sim.checked === 1 ? '' : 's'} allowed (${sim.calls} call${sim.calls === 1 ? '' : 's'})`);
  if (sim.status !== 'denied') return;
  const byType = new Map<string, Set<string>>();
  for (const d of sim.denied) byType.set(d.type, (byType.get(d.type) ?? new Set()).add(`${d.action} (${d.decision})`));
  for (const [type, actions] of byType) env.ui.error(`${type}: not allowed: ${[...actions].join(', ')}`);
  throw new NovaError(`the caller lacks ${sim.denied.length} permission${sim.denied.length === 1 ? '' : 's'} the plan needs (listed above); nothing was deleted`, ExitCode.Usage, { code: 'permissions' });
}

/**
 * The second half of a run: confirm, back up (before the first delete), execute in dependency order
 * with a journal, and report. Returns the exit code.
 */
export async function applyPhase(env: RunEnv, gathered: Gathered, opts: ApplyOptions): Promise<number> {
  const { ui } = env;
  const { doc } = gathered;
  const base = { dryRun: false, ...(opts.planPath ? { planPath: opts.planPath } : {}) };
  const calls = (): { calls: CallTotals } => ({ calls: env.aws.calls.totals() });
  const earlier = opts.resume?.done ?? [];

  if (doc.items.length === 0) {
    const report = makeReport(doc, opts.command, { ...base, ...calls(), resources: [...earlier, ...doc.notPlanned], interrupted: false });
    ui.report(report);
    return report.exitCode;
  }

  // ── Confirm ──
  const chosen = await choose(doc, opts, env);
  const selection = applySelection(doc.items, chosen);
  const kept: Outcome[] = doc.items
    .filter((i) => selection.keep.has(i.ref.arn))
    .map((i) => ({ arn: i.ref.arn, type: i.ref.type, region: i.ref.region, name: i.ref.name, status: 'skipped', rule: 'declined', reason: selection.keep.get(i.ref.arn) ?? 'kept' }));
  if (selection.delete.length === 0) {
    ui.info('Nothing chosen for deletion.');
    const report = makeReport(doc, opts.command, { ...base, ...calls(), resources: [...earlier, ...kept, ...doc.notPlanned], interrupted: false });
    ui.report(report);
    return report.exitCode;
  }
  if (env.signal.aborted) throw new AbortedError('interrupted before the first delete; nothing was deleted');

  // ── Backup (a new run) or the journal of the run being resumed ──
  let files: RunFiles;
  let runId: string;
  let journal: Journal;
  /** Items whose backup could not be completed (their backup-only configuration unreadable): not deleted. */
  const refused = new Map<string, string>();
  if (opts.resume) {
    ({ files, runId } = opts.resume);
    journal = await Journal.reopen(files.journal, runId);
    await journal.append({ event: 'resumed', command: opts.command, items: selection.delete.length });
  } else {
    runId = randomUUID();
    files = runFiles(opts.backupDir, doc.account, runId, new Date());
    const read = await Promise.all(
      selection.delete.map(async (i) => {
        // Each file is written as soon as it is downloaded, not once the item's other reads are done: the
        // run holds a few packages in memory at a time, not every one. (An item then refused keeps its
        // file beside the backup, unnamed in it.)
        const [details, saved] = await Promise.all([detailsOf(env, gathered, i), artifactsOf(env, gathered, i).then((a) => saveArtifacts(files, i.ref, a))]);
        if ('error' in details) {
          refused.set(i.ref.arn, details.error);
          return undefined;
        }
        return {
          arn: i.ref.arn,
          type: i.ref.type,
          region: i.ref.region,
          name: i.ref.name,
          tags: i.tags,
          // As read live: the plan's copy has its secret values replaced, the backup needs them.
          config: { ...(gathered.live.get(i.ref.arn)?.described.config ?? i.config), ...details.config },
          artifacts: saved,
        };
      }),
    );
    const resources = read.filter((r) => r !== undefined);
    const written = await writeBackup(files, { format: 'nova-cleanup-backup', version: 2, runId, createdAt: new Date().toISOString(), plan: doc }, resources, { redact: opts.redact });
    ui.info(`Backup of ${written.resources.length} resource${written.resources.length === 1 ? '' : 's'} written to ${files.backup}`);
    journal = await Journal.create(files.journal, runId);
    await journal.append({ event: 'run-started', command: opts.command, items: selection.delete.length });
  }

  // ── Execute ──
  const resource = (i: PlanItem): ProgressResource => ({ arn: i.ref.arn, type: i.ref.type, name: i.ref.name, region: i.ref.region, layer: i.layer });
  ui.progress({ kind: 'begin', verb: 'delete', resources: selection.delete.map(resource) });
  let outcomes: Outcome[];
  try {
    outcomes = await execute(selection.delete, {
      handlerFor: (t) => {
        const h = env.registry.byType(t);
        if (!h) throw new Error(`no handler for ${t}`);
        return h;
      },
      ctx: env.ctx,
      throughput: env.throughput,
      filters: opts.tagsForRecheck,
      journal,
      refused,
      signal: env.signal,
      onEvent: (e) => ui.progress(progressOf(e, resource)),
    });
  } catch (err) {
    await journal.close().catch(() => undefined);
    throw err;
  } finally {
    // The status block is cleared before anything else is printed (the report, the error).
    ui.progress({ kind: 'end' });
  }

  const interrupted = env.signal.aborted;
  const report = makeReport(doc, opts.command, {
    ...base,
    ...calls(),
    resources: [...earlier, ...outcomes, ...kept, ...doc.notPlanned],
    interrupted,
    runId,
    backupPath: files.backup,
    journalPath: files.journal,
  });
  await journal.append({ event: 'run-ended', exitCode: report.exitCode, interrupted }).catch(() => ui.warn(`the journal ${files.journal} could not record the end of the run`));
  await journal.close().catch(() => undefined);
  ui.report(report);
  return report.exitCode;
}

/** An executor event as the Ui's progress event. */
export function progressOf(e: ExecEvent, resource: (i: PlanItem) => ProgressResource): ProgressEvent {
  switch (e.kind) {
    case 'start':
      return { kind: 'start', resource: resource(e.item) };
    case 'step':
      return { kind: 'step', resource: resource(e.item), step: e.step.name, ...(e.step.child ? { child: `${e.step.child.kind} ${e.step.child.id}` } : {}) };
    case 'waiting':
      return { kind: 'waiting', resource: resource(e.item), timeoutSeconds: e.timeoutSeconds };
    case 'counter':
      return { kind: 'counter', resource: resource(e.item), unit: e.unit, done: e.done, total: e.total, final: e.final };
    case 'done': {
      const o = e.outcome;
      return {
        kind: 'done',
        resource: { arn: o.arn, type: o.type, name: o.name, region: o.region },
        status: o.status,
        ...(o.error ? { error: o.error } : {}),
        ...(o.reason ? { reason: o.reason } : {}),
        ...(o.removed?.length ? { removed: o.removed } : {}),
      };
    }
  }
}

/**
 * The configuration only the backup needs (`backupDetails`), read now that the item is to be deleted, in
 * its service's read lane; or why it could not be read (then the item is not deleted).
 */
async function detailsOf(env: RunEnv, gathered: Gathered, item: PlanItem): Promise<{ config: Record<string, unknown> } | { error: string }> {
  const handler = env.registry.byType(item.ref.type);
  const lr = gathered.live.get(item.ref.arn);
  if (!handler?.backupDetails || !lr) return { config: {} };
  const backupDetails = handler.backupDetails.bind(handler);
  try {
    return { config: await env.throughput.run(clientOf(handler), lr.described.region ?? item.ref.region, 'read', () => backupDetails(lr, env.ctx)) };
  } catch (err) {
    return { error: `not deleted: its configuration for the backup could not be read (${describeError(err)})` };
  }
}

/** The files the backup keeps for an item (a deployment package), or why they could not be had. */
async function artifactsOf(env: RunEnv, gathered: Gathered, item: PlanItem): Promise<(Artifact | { name: string; error: string })[]> {
  const handler = env.registry.byType(item.ref.type);
  const lr = gathered.live.get(item.ref.arn);
  if (!handler?.artifacts || !lr) return [];
  try {
    return await handler.artifacts(lr, env.ctx);
  } catch (err) {
    const why = err instanceof Error ? err.message : describeError(err);
    env.ui.warn(`${item.ref.type} ${item.ref.name}: its files could not be saved with the backup (${why}); the backup holds its configuration only`);
    return [{ name: '*', error: why }];
  }
}

async function choose(doc: PlanDocument, opts: ApplyOptions, env: RunEnv): Promise<Set<string>> {
  const items = doc.items;
  const all = new Set(items.map((i) => i.ref.arn));
  if (opts.yes) return all;
  if (!opts.interactive) {
    const ok = await env.ui.confirmPlan(confirmSummary(doc, items));
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
    const a = await env.ui.confirmResource({ type: i.ref.type, name: i.ref.name, arn: i.ref.arn, region: i.ref.region, index: n + 1, total: items.length, removes: childPhrases(i.children) });
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
