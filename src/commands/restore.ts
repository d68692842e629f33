import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { describeError } from '../aws/errors.js';
import { readBackup } from '../backup/backup.js';
import { AbortedError, ExitCode, NovaError, withCode } from '../errors.js';
import type { AwsOptions } from '../options.js';
import { RESTORERS } from '../restore/index.js';
import { summarizeRestore, type RestoreOutcome, type RestoreReport } from '../restore/report.js';
import type { AnyRestorer, RestoreContext, RestoreEntry } from '../restore/restorer.js';
import { openSession } from '../run/session.js';
import { timing } from '../timing.js';
import { TOOL } from '../version.js';
import { refuseWithoutConfirmation, type CommandDeps } from './clean.js';

export interface RestoreOptions extends AwsOptions {
  readonly file: string;
  /** `--only <arn>`: these resources of the backup alone (empty: all). */
  readonly only: readonly string[];
  readonly dryRun: boolean;
  readonly yes: boolean;
}

const entrySchema = z.object({
  arn: z.string().min(1),
  type: z.string().min(1),
  region: z.string().min(1),
  name: z.string().min(1),
  tags: z.record(z.string(), z.string()),
  config: z.record(z.string(), z.unknown()),
  artifacts: z.array(z.union([z.object({ name: z.string(), path: z.string(), sha256: z.string(), bytes: z.number() }), z.object({ name: z.string(), error: z.string() })])),
});

interface Item {
  readonly entry: RestoreEntry;
  readonly restorer: AnyRestorer | undefined;
  readonly config: unknown;
}

/** The backup's resources, each checked against the shape restore relies on (exit 2 on any mismatch: a corrupted backup). */
function validate(path: string, resources: readonly unknown[]): Item[] {
  return resources.map((raw, i) => {
    const parsed = entrySchema.safeParse(raw);
    const bad = (where: string, issue: z.core.$ZodIssue | undefined) =>
      new NovaError(`${path} is corrupted (resources.${i}${where}${issue ? `.${issue.path.join('.')}: ${issue.message}` : ''}); nothing was restored`, ExitCode.Usage, { code: 'input' });
    if (!parsed.success) throw bad('', parsed.error.issues[0]);
    const e = parsed.data;
    const entry: RestoreEntry = {
      ...e,
      files: e.artifacts.map((a) => ('error' in a ? a : { name: a.name, path: resolve(dirname(path), a.path), sha256: a.sha256 })),
    };
    const restorer = RESTORERS.get(e.type);
    if (!restorer) return { entry, restorer, config: undefined };
    const config = restorer.schema.safeParse(e.config);
    if (!config.success) throw bad('.config', config.error.issues[0]);
    return { entry, restorer, config: config.data };
  });
}

const outcome = (e: RestoreEntry, status: RestoreOutcome['status'], notRestored: readonly string[], reason?: string): RestoreOutcome => ({
  arn: e.arn,
  type: e.type,
  region: e.region,
  name: e.name,
  status,
  ...(reason ? { reason } : {}),
  notRestored,
});

/**
 * `restore <backup>`: re-creates what the backup can bring back, what is used first (policies, roles,
 * log groups and buckets; then functions and models; endpoint configs; endpoints). What exists already is
 * left as it is, never overwritten; what cannot be re-created is listed with why. `--dry-run` only reads.
 * Exit 0 when everything restorable was restored (or exists), 1 when something failed.
 */
export async function runRestore(opts: RestoreOptions, deps: CommandDeps): Promise<number> {
  const backup = await withCode('input', () => readBackup(opts.file));
  let items = validate(opts.file, backup.resources);
  if (opts.only.length) {
    const missing = opts.only.filter((arn) => !items.some((i) => i.entry.arn === arn));
    if (missing.length) throw new NovaError(`--only ${missing.join(', ')}: not in the backup ${opts.file}`, ExitCode.Usage, { code: 'input' });
    items = items.filter((i) => opts.only.includes(i.entry.arn));
  }
  if (!opts.dryRun) refuseWithoutConfirmation({ yes: opts.yes, interactiveTerminal: deps.interactiveTerminal, verb: 'restore' });
  const plan = backup.plan;
  const session = await openSession({
    aws: opts,
    regions: plan.regions,
    readOnly: opts.dryRun,
    ui: deps.ui,
    signal: deps.signal,
    registry: deps.registry,
    clients: deps.aws,
    wantAlias: !opts.dryRun && !opts.yes,
  });
  try {
    const { env, who } = session;
    if (who.identity.account !== plan.account) {
      throw new NovaError(`${opts.file} is a backup of account ${plan.account}; these credentials belong to ${who.identity.account}; refused`, ExitCode.Usage, { code: 'preflight' });
    }
    const ctx: RestoreContext = { aws: env.aws };
    const ordered = [...items].sort((a, b) => (a.restorer?.order ?? 99) - (b.restorer?.order ?? 99));
    const done = new Map<string, RestoreOutcome>();
    const todo: Item[] = [];
    for (const item of ordered) {
      const { entry: e, restorer: r } = item;
      if (!r) {
        done.set(e.arn, outcome(e, 'not-restorable', [], `restore does not handle ${e.type}; its configuration is in the backup`));
        continue;
      }
      try {
        if (await r.exists(e, item.config, ctx)) done.set(e.arn, outcome(e, 'exists', [], 'exists; left as it is'));
        else todo.push(item);
      } catch (err) {
        done.set(e.arn, outcome(e, 'failed', [], `could not check whether it exists: ${describeError(err)}`));
      }
    }
    if (!opts.dryRun && !opts.yes && todo.length) {
      const counts = new Map<string, number>();
      for (const i of todo) counts.set(i.entry.type, (counts.get(i.entry.type) ?? 0) + 1);
      const lost = todo.flatMap((i) => i.restorer?.lost(i.entry, i.config).map((l) => `${i.entry.type} ${i.entry.name}: ${l}`) ?? []);
      const ok = await deps.ui.confirmPlan({ account: who.identity.account, alias: who.alias, regions: plan.regions, counts: [...counts], total: todo.length, lost, verb: 'restore' });
      if (!ok) throw new AbortedError('aborted by the user; nothing was restored');
    }
    // What each resource used among the backup's (the plan says), so that a user of one that failed is not tried.
    const uses = new Map(plan.items.map((i) => [i.ref.arn, i.usesInPlan]));
    const resource = (e: RestoreEntry) => ({ arn: e.arn, type: e.type, name: e.name, region: e.region });
    if (!opts.dryRun && todo.length) deps.ui.progress({ kind: 'begin', verb: 'restore', resources: todo.map((i) => resource(i.entry)) });
    for (const item of todo) {
      const { entry: e, restorer: r } = item;
      if (!r) continue;
      const lost = r.lost(e, item.config);
      if (opts.dryRun) {
        done.set(e.arn, outcome(e, 'planned', lost));
        continue;
      }
      const failedDep = (uses.get(e.arn) ?? []).map((arn) => done.get(arn)).find((o) => o?.status === 'failed');
      if (failedDep) {
        done.set(e.arn, outcome(e, 'failed', lost, `not tried: it uses ${failedDep.type} ${failedDep.name}, which could not be restored`));
        deps.ui.progress({ kind: 'done', resource: resource(e), status: 'failed', reason: 'not tried: what it uses could not be restored' });
        continue;
      }
      if (deps.signal.aborted) {
        done.set(e.arn, outcome(e, 'failed', lost, 'not started: stopped by the user'));
        deps.ui.progress({ kind: 'done', resource: resource(e), status: 'skipped', reason: 'not started: stopped by the user' });
        continue;
      }
      try {
        deps.ui.progress({ kind: 'start', resource: resource(e) });
        await r.restore(e, item.config, ctx);
        deps.ui.progress({ kind: 'done', resource: resource(e), status: 'restored' });
        done.set(e.arn, outcome(e, 'restored', lost));
      } catch (err) {
        deps.ui.progress({ kind: 'done', resource: resource(e), status: 'failed', error: describeError(err) });
        done.set(e.arn, outcome(e, 'failed', lost, describeError(err)));
      }
    }
    if (!opts.dryRun && todo.length) deps.ui.progress({ kind: 'end' });
    const resources = ordered.flatMap((i) => done.get(i.entry.arn) ?? []);
    const summary = summarizeRestore(resources);
    const exitCode = summary.failed > 0 ? ExitCode.Failed : ExitCode.Ok;
    const report: RestoreReport & ReturnType<typeof timing> = {
      version: 1,
      tool: { ...TOOL },
      command: 'restore',
      dryRun: opts.dryRun,
      backupPath: opts.file,
      runId: backup.runId,
      account: plan.account,
      resources,
      summary,
      exitCode,
      ...timing(),
    };
    deps.ui.restoreReport(report);
    return exitCode;
  } finally {
    await session.close();
  }
}
