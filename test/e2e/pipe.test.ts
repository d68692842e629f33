import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './harness.js';

/** `nova-cleanup types | head -1`: the reader closes the pipe after one line. */
function firstLineThenClose(args: readonly string[]): Promise<{ code: number | null; stderr: string; first: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'nova-cleanup.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    let first = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', (d: Buffer) => {
      first = d.toString().split('\n')[0] ?? '';
      child.stdout.destroy();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, first }));
  });
}

describe('output piped into a reader that closes early', () => {
  it('ends quietly: no EPIPE stack trace, the usual exit code', async () => {
    for (const args of [['types'], ['--help']]) {
      const r = await firstLineThenClose(args);
      expect(r.first.length).toBeGreaterThan(0);
      expect(r.stderr).not.toMatch(/EPIPE|Error|at /);
      expect(r.code, args.join(' ')).toBe(0);
    }
  });
});
