import { existsSync } from 'node:fs';
import { backupOf, journalOf, readBackup, type RunFiles } from '../backup/backup.js';
import { readJournal } from '../backup/journal.js';
import { ExitCode, NovaError, withCode } from '../errors.js';
import type { Outcome } from '../model.js';
import type { AwsOptions } from '../options.js';
import { applyPhase, refuseDenied } from '../run/apply.js';
import { gather } from '../run/gather.js';
import { openSession } from '../run/session.js';
import { refuseWithoutConfirmation, type CommandDeps } from './clean.js';

export interface ResumeOptions extends AwsOptions {
  readonly file: string;
  readonly yes: boolean;
}

/**
 * `resume <journal-or-backup>`: finishes a run that stopped (Ctrl-C, SIGTERM, SIGKILL, a crash, a
 * failure). Items journalled as deleted are skipped; every other item of the run is re-read and
 * re-verified (tags, the usage check) and deleted in dependency order, half-deleted ones included.
 * The journal is appended to under the same run id.
 */
export async function runResume(opts: ResumeOptions, deps: CommandDeps): Promise<number> {
  const journalPath = opts.file.endsWith('.journal.ndjson') ? opts.file : journalOf(opts.file);
  const backupPath = opts.file.endsWith('.journal.ndjson') ? backupOf(opts.file) : opts.file;
  if (!existsSync(backupPath)) throw new NovaError(`no backup beside the journal (${backupPath}); resume needs both`);
  if (!existsSync(journalPath)) throw new NovaError(`no journal beside the backup (${journalPath}); resume needs both`);
  const backup = await withCode('input', () => readBackup(backupPath));
  const journal = await withCode('input', () => readJournal(journalPath));
  if (journal.runId !== backup.runId) throw new NovaError(`${journalPath} belongs to run ${journal.runId}, the backup to ${backup.runId}; they do not go together`, ExitCode.Usage, { code: 'input' });
  refuseWithoutConfirmation({ yes: opts.yes, interactiveTerminal: deps.interactiveTerminal });
  if (journal.truncatedTail) deps.ui.warn(`the journal's last line was cut short (the run was killed while writing it); ignored`);

  const plan = backup.plan;
  const inRun = new Set(backup.resources.map((r) => r.arn));
  const done: Outcome[] = [];
  const items = plan.items.filter((i) => {
    if (!inRun.has(i.ref.arn)) return false;
    if (!journal.deleted.has(i.ref.arn)) return true;
    done.push({ arn: i.ref.arn, type: i.ref.type, region: i.ref.region, name: i.ref.name, status: 'deleted', rule: 'delete', reason: 'deleted by the run being resumed', layer: i.layer, uses: i.uses });
    return false;
  });
  const files: RunFiles = { backup: backupPath, journal: journalPath, files: backupPath.replace(/\.json$/, '.files') };

  const session = await openSession({
    aws: opts,
    regions: plan.regions,
    readOnly: false,
    ui: deps.ui,
    signal: deps.signal,
    registry: deps.registry,
    clients: deps.aws,
    wantAlias: !opts.yes,
    settings: plan.settings,
  });
  try {
    const { env, who } = session;
    if (who.identity.account !== plan.account) {
      throw new NovaError(`${backupPath} is a run in account ${plan.account}; these credentials belong to ${who.identity.account}; refused`, ExitCode.Usage, { code: 'preflight' });
    }
    deps.ui.info(
      `Resuming run ${backup.runId}: ${done.length} deleted before, ${items.length} to re-check${journal.inFlight.size ? ` (${journal.inFlight.size} had a step in flight)` : ''}`,
    );
    const gathered = await withCode('preflight', () => gather(env, { tags: plan.filters, regions: plan.regions, types: plan.types, discovery: plan.discovery, settings: plan.settings }, who, { kind: 'plan', items }));
    deps.ui.plan(gathered.doc);
    refuseDenied(env, gathered.doc);
    return await applyPhase(env, gathered, {
      command: 'resume',
      yes: opts.yes,
      interactive: false,
      backupDir: '',
      tagsForRecheck: plan.filters,
      resume: { runId: backup.runId, files, done },
    });
  } finally {
    await session.close();
  }
}
