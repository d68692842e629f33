import pLimit, { type LimitFunction } from 'p-limit';
import { DOWNLOADS_AT_ONCE } from './throughput.js';

/** One download's limit. */
export const DOWNLOAD_TIMEOUT_MS = 60_000;

/** A link read earlier is used again only if it stays valid this much longer (a download's own limit). */
export const LINK_MARGIN_MS = DOWNLOAD_TIMEOUT_MS;

/** A download the server answered with an HTTP error (403 is how S3 answers an expired link). */
export class DownloadRefused extends Error {
  constructor(
    readonly status: number,
    statusText: string,
  ) {
    super(`HTTP ${status}${statusText ? ` ${statusText}` : ''}`);
    this.name = 'DownloadRefused';
  }
}

/**
 * Whether a link AWS handed out earlier can still be used at `now` (ms), judged by the link alone: a
 * pre-signed S3 URL names its own expiry (SigV4 X-Amz-Date + X-Amz-Expires; SigV2 Expires), which must
 * be at least `marginMs` away. A link that carries no signature cannot expire; a signed one whose expiry
 * cannot be read, or anything that is not an http(s) URL (a redacted plan's placeholder), is not used.
 */
export function linkUsable(url: string | undefined, now: number, marginMs = LINK_MARGIN_MS): boolean {
  let u: URL;
  try {
    u = new URL(url ?? '');
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return false;
  const q = u.searchParams;
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(q.get('X-Amz-Date') ?? '');
  const expires = Number(q.get('X-Amz-Expires') ?? NaN);
  let until: number | undefined;
  if (date && Number.isFinite(expires)) {
    const [, y, mo, d, h, mi, se] = date.map(Number) as [number, number, number, number, number, number, number];
    until = Date.UTC(y, mo - 1, d, h, mi, se) + expires * 1000;
  } else if (q.has('Expires') && Number.isFinite(Number(q.get('Expires')))) until = Number(q.get('Expires')) * 1000;
  else if (q.has('X-Amz-Signature') || q.has('Signature') || q.has('X-Amz-Date') || q.has('X-Amz-Expires')) return false;
  else return true;
  return until - now >= marginMs;
}

/**
 * The run's downloads of files AWS hands out by link (a Lambda function's deployment package, from a
 * pre-signed S3 URL): at most DOWNLOADS_AT_ONCE at a time for the whole run, so that the bytes in memory
 * are a few packages, not all of them, and reused connections spare a name lookup per download. A host
 * whose name does not exist (ENOTFOUND) is not looked up again in the same run: every later download
 * from it fails at once with the same reason (each lookup holds one of Node's four threads for file and
 * name work, for up to seconds).
 */
export class Downloads {
  private readonly limit: LimitFunction;
  private readonly unresolvable = new Map<string, string>();

  constructor(atOnce = DOWNLOADS_AT_ONCE) {
    this.limit = pLimit(atOnce);
  }

  /**
   * Runs `work` once a download slot is free, with the one function that downloads: what `work` reads
   * first (a link that expires in minutes) is read only then.
   */
  run<T>(work: (download: (url: string, signal?: AbortSignal) => Promise<Uint8Array>) => Promise<T>): Promise<T> {
    return this.limit(() => work((url, signal) => this.fetchBytes(url, signal)));
  }

  private async fetchBytes(url: string, signal?: AbortSignal): Promise<Uint8Array> {
    const host = hostOf(url);
    const known = host === undefined ? undefined : this.unresolvable.get(host);
    if (known) throw new Error(`${host} could not be resolved (${known}), as for an earlier download in this run`);
    signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS);
    try {
      const res = await fetch(url, { signal: signal ? AbortSignal.any([timeout, signal]) : timeout });
      if (!res.ok) throw new DownloadRefused(res.status, res.statusText);
      return new Uint8Array(await res.arrayBuffer());
    } catch (err) {
      const code = (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
      if (host !== undefined && code === 'ENOTFOUND') this.unresolvable.set(host, code);
      throw err;
    }
  }
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host || undefined;
  } catch {
    return undefined;
  }
}
