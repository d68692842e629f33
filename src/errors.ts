import type { ErrorCode } from './model.js';

/** Exit codes, documented in README.md. `cli.ts` is the only place that turns them into an exit. */
export const ExitCode = {
  Ok: 0,
  Failed: 1,
  Usage: 2,
  Aborted: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error meant for the user: one line, the exit code it ends the run with, and its kind (`--json`'s `error.code`). */
export class NovaError extends Error {
  readonly code: ErrorCode;
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.Usage,
    options?: { cause?: unknown; code?: ErrorCode },
  ) {
    super(message, options);
    this.name = 'NovaError';
    this.code = options?.code ?? (exitCode === ExitCode.Aborted ? 'aborted' : exitCode === ExitCode.Failed ? 'failed' : 'usage');
  }
}

/** Runs `body`; a NovaError it throws without a code of its own is given `code` (a preflight, a guard...). */
export async function withCode<T>(code: ErrorCode, body: () => T | Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof NovaError && err.code === 'usage' && err.exitCode === ExitCode.Usage) throw new NovaError(err.message, err.exitCode, { cause: err.cause, code });
    throw err;
  }
}

/** The user said no, or pressed Ctrl-C at a prompt. */
export class AbortedError extends NovaError {
  constructor(message = 'aborted by the user; nothing was deleted') {
    super(message, ExitCode.Aborted);
    this.name = 'AbortedError';
  }
}

/** The CLI's commands, for the hint of a usage error (`nova-cleanup <command> --help`). */
const COMMANDS = ['plan', 'apply', 'resume', 'restore', 'tag', 'types', 'policy', 'config', 'help'];

/**
 * commander's own error (`error: unknown option '--tga'\n(Did you mean --tag?)`) as one line without its
 * `error: ` prefix, ending with where to look: `see \`nova-cleanup apply --help\``.
 */
export function usageLine(message: string, argv: readonly string[]): string {
  const command = argv.find((a) => COMMANDS.includes(a));
  let line = message
    .replace(/^error:\s*/, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/\(Did you mean (.*)\?\)/, '(did you mean $1?)')
    .replace(/[.\s]+$/, '');
  if (!command && /^too many arguments(?! for)/.test(line)) {
    const word = argv.find((a) => !a.startsWith('-'));
    const close = word === undefined ? undefined : COMMANDS.find((c) => nearlyEqual(c, word));
    line = `unexpected argument${word === undefined ? '' : ` "${word}"`}: not a command (${COMMANDS.join(', ')})${close ? `; did you mean ${close}?` : ''}`;
  }
  return `${line}${line.endsWith('?') || line.endsWith('?)') ? ' ' : '; '}see \`nova-cleanup${command ? ` ${command}` : ''} --help\``;
}

/** One edit apart at most (a typo: a letter missing, extra, or wrong). */
function nearlyEqual(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i += 1;
  return a.slice(i + 1) === b.slice(i + 1) || a.slice(i) === b.slice(i + 1) || a.slice(i + 1) === b.slice(i);
}
