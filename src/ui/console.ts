/** The few lines the CLI itself prints outside a run (the `types` list, a fatal error, Ctrl-C notices). */

export function printLines(lines: readonly string[]): void {
  process.stdout.write(lines.join('\n') + '\n');
}

/** One line on stderr, prefixed with the program's name unless it is a notice. */
export function printError(message: string, { notice = false } = {}): void {
  process.stderr.write(notice ? `\n${message}\n` : `nova-cleanup: ${message}\n`);
}

export function terminalAttached(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/**
 * Output piped into `head` (a reader that closes early): no EPIPE stack trace. The run goes on to its
 * end (deletes in flight are never cut short by a closed pipe); what it would still print is dropped.
 */
export function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      stream.write = (() => true) as typeof stream.write;
    });
  }
}
