import { httpStatus, isNotFound } from '../aws/errors.js';
import { GONE, type Gone } from './handler.js';

/** Small helpers the handlers share (one file per type; this is not a type). */

/** Drops the SDK's `$metadata` from a response before it goes into the backup. */
export function withoutMetadata(out: object): Record<string, unknown> {
  const { $metadata: _ignored, ...rest } = out as { $metadata?: unknown };
  return rest;
}

/** Runs a Describe/Get call; a not-found answer becomes GONE. */
export async function describeOrGone<T>(call: () => Promise<T>): Promise<T | Gone> {
  try {
    return await call();
  } catch (err) {
    if (isNotFound(err)) return GONE;
    throw err;
  }
}

/**
 * Runs a Get call for an optional sub-configuration (a policy, a URL config...): when `absent(err)` says
 * it is simply not configured, null; any other error is thrown.
 */
export async function optional<T extends object>(
  call: () => Promise<T>,
  absent: (err: unknown) => boolean = (err) => isNotFound(err) || httpStatus(err) === 404,
): Promise<Record<string, unknown> | null> {
  try {
    return withoutMetadata(await call());
  } catch (err) {
    if (absent(err)) return null;
    throw err;
  }
}

/** A JSON policy document as the service returns it (optionally URL-encoded): parsed, or the text as it came. */
export function parseDocument(text: string | undefined, { urlEncoded = false } = {}): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(urlEncoded ? decodeURIComponent(text) : text) as unknown;
  } catch {
    return text;
  }
}
