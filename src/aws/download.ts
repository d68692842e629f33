import pLimit, { type LimitFunction } from 'p-limit';
import { DOWNLOADS_AT_ONCE } from './throughput.js';

/** One download's limit. */
export const DOWNLOAD_TIMEOUT_MS = 60_000;

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
      if (!res.ok) throw new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
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
