/** What `restore` did (or would do) to each resource of the backup. */
export type RestoreStatus = 'planned' | 'restored' | 'exists' | 'failed' | 'not-restorable';

export interface RestoreOutcome {
  readonly arn: string;
  readonly type: string;
  readonly region: string;
  readonly name: string;
  readonly status: RestoreStatus;
  /** Why it was not restored (exists, failed, not restorable). */
  readonly reason?: string;
  /** What of it the backup cannot bring back, even when it was restored. */
  readonly notRestored: readonly string[];
}

export interface RestoreReport {
  readonly version: 1;
  readonly tool: { readonly name: string; readonly version: string };
  readonly command: 'restore';
  readonly dryRun: boolean;
  readonly backupPath: string;
  readonly runId: string;
  readonly account: string;
  readonly resources: readonly RestoreOutcome[];
  readonly summary: Readonly<Record<RestoreStatus, number>>;
  readonly exitCode: number;
}

export function summarizeRestore(outcomes: readonly RestoreOutcome[]): Record<RestoreStatus, number> {
  const s: Record<RestoreStatus, number> = { planned: 0, restored: 0, exists: 0, failed: 0, 'not-restorable': 0 };
  for (const o of outcomes) s[o.status] += 1;
  return s;
}

/** The text report: one line per resource, then what was not brought back, then the summary. Pure. */
export function renderRestoreReport(r: RestoreReport): string[] {
  const width = Math.max(0, ...r.resources.map((o) => o.type.length));
  const lines = [`Restore from ${r.backupPath} (run ${r.runId}, account ${r.account})${r.dryRun ? ': dry run, nothing was changed' : ''}`];
  for (const o of r.resources) {
    lines.push(`  ${o.status.padEnd(14)} ${o.type.padEnd(width)}  ${o.name}${o.reason ? `: ${o.reason}` : ''}`);
    for (const n of o.notRestored) lines.push(`  ${''.padEnd(14)} ${''.padEnd(width)}    not restored: ${n}`);
  }
  const s = r.summary;
  lines.push(
    `Summary: ${r.dryRun ? `${s.planned} to restore` : `${s.restored} restored`}, ${s.exists} exist already (left as they are), ${s.failed} failed, ${s['not-restorable']} not restorable`,
  );
  return lines;
}
