import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest's global setup: every temporary folder of the run (the tests' backups, AWS config files,
 * worlds' packages, and whatever the CLIs they start create) goes under one folder of the system's
 * temporary directory, removed when the run ends, so that a run leaves nothing behind.
 * `os.tmpdir()` reads TMPDIR on every call, and the test workers and the CLIs they spawn inherit it.
 * KEEP_TEST_TMP=1 keeps the folder (its path is printed) to look at after a failure.
 */
export default function setup(): () => void {
  // Each test project runs the global setup: the first one makes the folder.
  if (process.env.NOVA_TEST_TMP) return () => undefined;
  const root = mkdtempSync(join(tmpdir(), 'nova-cleanup-tests-'));
  process.env.TMPDIR = root;
  process.env.NOVA_TEST_TMP = root;
  return () => {
    if (process.env.KEEP_TEST_TMP === '1') process.stderr.write(`test temporary files kept in ${root}\n`);
    else rmSync(root, { recursive: true, force: true });
  };
}
