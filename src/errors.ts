/** Exit codes, documented in README.md. `cli.ts` is the only place that turns them into an exit. */
export const ExitCode = {
  Ok: 0,
  Failed: 1,
  Usage: 2,
  Aborted: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error meant for the user: one line, and the exit code it ends the run with. */
export class NovaError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.Usage,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NovaError';
  }
}

/** The user said no, or pressed Ctrl-C at a prompt. */
export class AbortedError extends NovaError {
  constructor(message = 'aborted by the user; nothing was deleted') {
    super(message, ExitCode.Aborted);
    this.name = 'AbortedError';
  }
}
