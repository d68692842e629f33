import { mkdtemp, open, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Journal } from '../../src/backup/journal.js';

describe('journal group commit', () => {
  it('writes concurrent lines in order, each resolved only after a sync, with fewer syncs than lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nova-journal-'));
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    const syncs = vi.spyOn(proto, 'datasync');
    const journal = await Journal.create(join(dir, 'run.journal.ndjson'), 'run-1');
    let synced = 0;
    syncs.mockImplementation(async () => {
      synced += 1;
    });
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        journal.append({ event: 'step-started', arn: `arn:aws:iam::123456789012:role/r${i}`, type: 'iam:role', step: 'delete' }).then(() => {
          // a line is never reported written before a sync has happened
          expect(synced).toBeGreaterThan(0);
          order.push(i);
        }),
      ),
    );
    await journal.close();
    const lines = (await readFile(join(dir, 'run.journal.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { arn: string });
    expect(lines.map((l) => l.arn)).toEqual(Array.from({ length: 50 }, (_, i) => `arn:aws:iam::123456789012:role/r${i}`));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(synced).toBeGreaterThan(0);
    expect(synced).toBeLessThan(50);
  });

  it('a failed flush rejects the lines it held, and later lines are still written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nova-journal-'));
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    const journal = await Journal.create(join(dir, 'run.journal.ndjson'), 'run-2');
    const syncs = vi.spyOn(proto, 'datasync').mockRejectedValueOnce(Object.assign(new Error('EIO'), { code: 'EIO' }));
    await expect(journal.append({ event: 'run-started', command: 'clean', items: 1 })).rejects.toThrow('EIO');
    syncs.mockResolvedValue(undefined);
    await journal.append({ event: 'run-ended', exitCode: 1, interrupted: false });
    await journal.close();
    const text = await readFile(join(dir, 'run.journal.ndjson'), 'utf8');
    expect(text).toContain('"run-ended"');
  });
});
