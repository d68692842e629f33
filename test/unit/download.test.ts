import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadRefused, Downloads, LINK_MARGIN_MS, linkUsable } from '../../src/aws/download.js';
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
    await expect(new Downloads().run((download) => download(`${base}/denied`))).rejects.toMatchObject({ name: 'DownloadRefused', status: 403, message: 'HTTP 403 Forbidden' });
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

describe('linkUsable', () => {
  const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
  const v4 = (date: string, expires: number) => `https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/snapshots/1/fn?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=${date}&X-Amz-Expires=${expires}&X-Amz-Signature=abc`;

  it('reads a SigV4 link expiry from X-Amz-Date + X-Amz-Expires, and wants the margin left', () => {
    expect(linkUsable(v4('20261203T115500Z', 600), NOW)).toBe(true); // 5 minutes left
    expect(linkUsable(v4('20261203T115000Z', 600), NOW)).toBe(false); // expires now
    expect(linkUsable(v4('20261203T115100Z', 600), NOW)).toBe(true); // exactly the margin left
    expect(LINK_MARGIN_MS).toBe(60_000);
    expect(linkUsable(v4('20261203T115101Z', 600), NOW, 120_000)).toBe(false);
  });

  it('reads a SigV2 link expiry from Expires (seconds since 1970)', () => {
    expect(linkUsable(`https://b.s3.amazonaws.com/k?AWSAccessKeyId=A&Expires=${NOW / 1000 + 300}&Signature=s`, NOW)).toBe(true);
    expect(linkUsable(`https://b.s3.amazonaws.com/k?AWSAccessKeyId=A&Expires=${NOW / 1000 + 30}&Signature=s`, NOW)).toBe(false);
  });

  it('takes an unsigned link as one that cannot expire, and refuses a signed one whose expiry it cannot read', () => {
    expect(linkUsable('https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/snapshots/1/fn-abc', NOW)).toBe(true);
    expect(linkUsable('https://b.s3.amazonaws.com/k?X-Amz-Signature=abc', NOW)).toBe(false);
    expect(linkUsable('https://b.s3.amazonaws.com/k?X-Amz-Date=20261203T115500Z&X-Amz-Signature=abc', NOW)).toBe(false);
    expect(linkUsable('https://b.s3.amazonaws.com/k?X-Amz-Date=soon&X-Amz-Expires=600&X-Amz-Signature=abc', NOW)).toBe(false);
  });

  it('refuses what is not an http(s) URL: a redacted placeholder, an s3:// URI, nothing', () => {
    expect(linkUsable('<redacted>', NOW)).toBe(false);
    expect(linkUsable('s3://awslambda-us-east-1-tasks/x.zip', NOW)).toBe(false);
    expect(linkUsable(undefined, NOW)).toBe(false);
    expect(linkUsable('', NOW)).toBe(false);
  });
});

describe('DownloadRefused', () => {
  it('carries the HTTP status and says it in one line', () => {
    const e = new DownloadRefused(403, 'Forbidden');
    expect([e.status, e.message, e.name, e instanceof Error]).toEqual([403, 'HTTP 403 Forbidden', 'DownloadRefused', true]);
    expect(new DownloadRefused(500, '').message).toBe('HTTP 500');
  });
});
