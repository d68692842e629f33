/**
 * When this process started and how long it has run: every report (and `--json`'s error document)
 * says both. A CLI run is one process, so its start is the run's.
 */
export function timing(): { readonly startedAt: string; readonly durationMs: number } {
  return { startedAt: new Date(performance.timeOrigin).toISOString(), durationMs: Math.round(performance.now()) };
}
