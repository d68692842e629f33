import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Downloads } from '../../src/aws/download.js';
import { DOWNLOADS_AT_ONCE } from '../../src/aws/throughput.js';

describe('Downloads', () => {
  let server: Server;
  let base: string;
  let open = 0;
  let most = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      open += 1;
      most = Math.max(most, open);
      setTimeout(() => {
        open -= 1;
        if (req.url === '/denied') res.writeHead(403, 'Forbidden').end();
        else res.writeHead(200).end(`bytes of ${req.url}`);
      }, 20);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('runs at most DOWNLOADS_AT_ONCE at a time, each download with its bytes', async () => {
    most = 0;
    const downloads = new Downloads();
    const n = DOWNLOADS_AT_ONCE * 3;
    const got = await Promise.all(Array.from({ length: n }, (_, i) => downloads.run((download) => download(`${base}/p${i}`))));
    expect(got.map((b) => Buffer.from(b).toString())).toEqual(Array.from({ length: n }, (_, i) => `bytes of /p${i}`));
    expect(most).toBe(DOWNLOADS_AT_ONCE);
  });

  it('holds the slot for the whole of the work (the link is read inside it)', async () => {
    const downloads = new Downloads(1);
    const order: string[] = [];
    await Promise.all(
      ['a', 'b'].map((k) =>
        downloads.run(async (download) => {
          order.push(`start ${k}`);
          await download(`${base}/${k}`);
          order.push(`end ${k}`);
        }),
      ),
    );
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('says an HTTP refusal with its status', async () => {
    await expect(new Downloads().run((download) => download(`${base}/denied`))).rejects.toThrow('HTTP 403 Forbidden');
  });

  it('does not look up again, in the same run, a host whose name does not exist', async () => {
    const downloads = new Downloads();
    const url = 'http://no-such-host.nova-cleanup.invalid/package.zip';
    const first = (await downloads.run((download) => download(url)).catch((e: unknown) => e)) as Error;
    expect((first.cause as { code?: string } | undefined)?.code).toBe('ENOTFOUND');
    await expect(downloads.run((download) => download(url))).rejects.toThrow(
      'no-such-host.nova-cleanup.invalid could not be resolved (ENOTFOUND), as for an earlier download in this run',
    );
    // Another run looks it up again.
    const again = (await new Downloads().run((download) => download(url)).catch((e: unknown) => e)) as Error;
    expect(again.message).toBe('fetch failed');
  });

  it('stops when the signal is aborted', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(new Downloads().run((download) => download(`${base}/x`, abort.signal))).rejects.toThrow(/abort/i);
  });
});
