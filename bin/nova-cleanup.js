#!/usr/bin/env node
// nova-cleanup's launcher. The CLI runs in a child Node process started with V8's memory-saving mode
// (`--optimize-for-size`: a smaller young generation, and a heap that grows less before it is collected;
// a cleanup waits on AWS round trips, not on the CPU): a W1 dry run peaks at about half the memory
// (BENCHMARK.md). A process that already has the flag runs the CLI itself, and so does
// NOVA_CLEANUP_NO_RELAUNCH=1.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FLAGS = ['--optimize-for-size'];
// glibc keeps what is freed in the middle of its heap for the rest of the process: compiling the SDK's
// largest client (EC2, 2 MB of code, for one DescribeRegions) left about 34 MB there for the whole run.
// Blocks of 32 KB and more are mapped on their own instead, and go back to the system when freed: a W1
// dry run's peak went from about 158 to 123 MiB (BENCHMARK.md). Other C libraries ignore the variable;
// a value the user set wins.
const ENV = { MALLOC_MMAP_THRESHOLD_: '32768', ...process.env };
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
// What calls no AWS and holds little runs at once, without a second Node start.
const LIGHT = new Set(['--help', '-h', '--version', '-V', 'help', 'types', 'policy', 'config']);
const light = process.argv.slice(2).some((a) => LIGHT.has(a));

if (light || process.env.NOVA_CLEANUP_NO_RELAUNCH === '1' || FLAGS.every((f) => process.execArgv.includes(f))) {
  if (process.send) {
    // Started by the launcher: when it dies (kill -9 included), so does this process, at once, as the
    // launcher did. The channel alone does not keep this process alive.
    process.channel?.unref();
    process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  }
  await import('../dist/src/cli.js');
} else {
  const child = spawn(process.execPath, [...FLAGS, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: ENV,
  });
  // A signal sent to this process alone (kill <pid>, a supervisor) is passed on. A terminal's Ctrl-C
  // reaches both processes; the CLI takes the two deliveries as one.
  for (const signal of SIGNALS) process.on(signal, () => child.exitCode === null && child.signalCode === null && child.kill(signal));
  child.on('error', (err) => {
    process.stderr.write(`error: could not start the CLI (${err.message}); NOVA_CLEANUP_NO_RELAUNCH=1 runs it in this process\n`);
    process.exitCode = 1;
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      for (const s of SIGNALS) process.removeAllListeners(s);
      process.kill(process.pid, signal);
    } else process.exitCode = code ?? 1;
  });
}
