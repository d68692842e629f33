import type { Outcome, Report } from '../model.js';

const ORDER: Outcome['status'][] = ['failed', 'deleted', 'gone', 'skipped', 'unsupported', 'planned'];

/** The human report: every resource with its status, then the counts. Pure. */
export function renderReport(r: Report, paint: Paint = plain): string[] {
  const lines: string[] = [''];
  lines.push(r.dryRun ? paint.bold('Dry run: nothing was changed.') : paint.bold('Result'));
  const sorted = [...r.resources].sort(
    (a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status) || a.type.localeCompare(b.type) || a.arn.localeCompare(b.arn),
  );
  for (const o of sorted) {
    const label = paint.status(o.status, (r.dryRun && o.status === 'planned' ? 'would delete' : o.status).padEnd(12));
    const why = o.error ?? o.reason;
    lines.push(`  ${label} ${o.type.padEnd(28)} ${o.name}${why ? `  — ${why}` : ''}`);
  }
  const s = r.summary;
  const parts = r.dryRun
    ? [`${s.planned} would be deleted`, `${s.gone} already gone`, `${s.skipped} skipped`, `${s.unsupported} unsupported`, `${s.failed} failed`]
    : [`${s.deleted} deleted`, `${s.failed} failed`, `${s.skipped} skipped`, `${s.gone} already gone`, `${s.unsupported} unsupported`];
  lines.push('');
  lines.push(`Summary: ${parts.join(', ')}${r.interrupted ? ' (interrupted)' : ''}`);
  if (r.backupPath) lines.push(`Backup: ${r.backupPath}`);
  if (r.journalPath) lines.push(`Journal: ${r.journalPath}`);
  return lines;
}

export interface Paint {
  bold(s: string): string;
  status(status: Outcome['status'], s: string): string;
}

export const plain: Paint = { bold: (s) => s, status: (_st, s) => s };
