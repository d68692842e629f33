import { httpStatus, isErrorNamed } from '../aws/errors.js';
import { GONE, type ActionNeed, type Gone } from './handler.js';

/** Small helpers the handlers share (one file per type; this is not a type). */

/** Drops the SDK's `$metadata` from a response before it goes into the plan and the backup. */
export function withoutMetadata(out: object): Record<string, unknown> {
  const { $metadata: _ignored, ...rest } = out as { $metadata?: unknown };
  return rest;
}

/** Runs a Describe/Get call; an error named in `notFound` (the type's own codes) becomes GONE. */
export async function describeOrGone<T>(notFound: readonly string[], call: () => Promise<T>): Promise<T | Gone> {
  try {
    return await call();
  } catch (err) {
    if (isErrorNamed(err, ...notFound)) return GONE;
    throw err;
  }
}

/** Runs a call whose target may already be removed (a detach, a child delete): not-found is nothing left to do. */
export async function unlessGone(notFound: readonly string[], call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (!isErrorNamed(err, ...notFound)) throw err;
  }
}

/**
 * Runs a Get call for an optional sub-configuration (a policy, a URL config...): when the error is one
 * of `absent` (it is simply not configured), null; any other error is thrown.
 */
export async function optional<T extends object>(absent: readonly string[], call: () => Promise<T>): Promise<Record<string, unknown> | null> {
  try {
    return withoutMetadata(await call());
  } catch (err) {
    if (isErrorNamed(err, ...absent)) return null;
    throw err;
  }
}

/** True for an HTTP 404 answer whose error has no modelled name (S3 HEAD requests). */
export const isBare404 = (err: unknown): boolean => httpStatus(err) === 404;

/** A JSON policy document as the service returns it (optionally URL-encoded): parsed, or the text as it came. */
export function parseDocument(text: string | undefined, { urlEncoded = false } = {}): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(urlEncoded ? decodeURIComponent(text) : text) as unknown;
  } catch {
    return text;
  }
}

/** The same resource for every action: the common case of `actions()`. */
export function onResource(resource: string, actions: readonly string[]): ActionNeed[] {
  return actions.map((action) => ({ action, resource }));
}
