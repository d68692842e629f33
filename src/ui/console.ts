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
