import { supportsColorStderr } from 'chalk';

export type ColorLevel = 0 | 1 | 2 | 3;

/**
 * Whether (and how richly) to colour a stream. In order: `--no-color` (never) and `--color` (always)
 * win; then FORCE_COLOR (`0`/`false` never, `1`-`3`, empty or `true` always), as Node reads it; then
 * NO_COLOR (any non-empty value: never, https://no-color.org); else colour only on a terminal. Pure.
 */
export function colorLevel(o: { readonly flag?: boolean | undefined; readonly env: NodeJS.ProcessEnv; readonly isTTY: boolean; readonly ttyLevel?: ColorLevel }): ColorLevel {
  const forced = forceColor(o.env.FORCE_COLOR);
  if (o.flag === false) return 0;
  if (o.flag === true) return forced !== undefined && forced > 0 ? forced : (Math.max(1, o.isTTY ? (o.ttyLevel ?? terminalLevel()) : 1) as ColorLevel);
  if (forced !== undefined) return forced;
  if (o.env.NO_COLOR) return 0;
  return o.isTTY ? (o.ttyLevel ?? terminalLevel()) : 0;
}

function forceColor(v: string | undefined): ColorLevel | undefined {
  if (v === undefined) return undefined;
  if (v === '' || v === 'true') return 1;
  if (v === 'false') return 0;
  const n = Number.parseInt(v, 10);
  if (!Number.isFinite(n)) return undefined;
  return Math.max(0, Math.min(3, n)) as ColorLevel;
}

/** What the terminal supports (TERM, COLORTERM): none on a `dumb` one. */
function terminalLevel(): ColorLevel {
  return supportsColorStderr ? supportsColorStderr.level : 0;
}
