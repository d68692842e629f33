import { z } from 'zod';
import type { AwsClients } from '../aws/clients.js';
import { isErrorNamed } from '../aws/errors.js';
import type { BackupEntry } from '../backup/backup.js';
import type { Tags } from '../model.js';

/** One resource of the backup, as restore reads it (validated: see `entrySchema`). */
export interface RestoreEntry extends Omit<BackupEntry, 'artifacts'> {
  /** Files saved beside the backup, with their absolute paths (a Lambda package), or why one was not saved. */
  readonly files: readonly SavedFile[];
}

export type SavedFile = { readonly name: string; readonly path: string; readonly sha256: string } | { readonly name: string; readonly error: string };

export interface RestoreContext {
  readonly aws: AwsClients;
}

/**
 * Attempts for the calls a resource just re-created can refuse for some seconds (Lambda and a role just
 * made, IAM and a policy just made): the SDK's retry strategy retries them (src/aws/clients.ts marks the
 * errors), with its exponential backoff, up to about a minute.
 */
export const SETTLE_ATTEMPTS = 10;

/**
 * How one type is brought back. `exists` only reads (it runs in a dry run, on read-only clients);
 * `restore` re-creates the resource and returns what of it was NOT brought back, in words.
 */
export interface Restorer<C = Record<string, unknown>> {
  readonly type: string;
  /** Lower first: what is used is re-created before its users. */
  readonly order: number;
  /** The part of `config` restore needs; a backup whose config does not fit is refused as corrupted. */
  readonly schema: z.ZodType<C>;
  exists(entry: RestoreEntry, config: C, ctx: RestoreContext): Promise<boolean>;
  /** What restore will not bring back, known before it runs (S3 data, log events...). */
  lost(entry: RestoreEntry, config: C): string[];
  restore(entry: RestoreEntry, config: C, ctx: RestoreContext): Promise<void>;
}

/** Any restorer, its config type erased: the command parses `config` with its schema and hands it back. */
export type AnyRestorer = Restorer<unknown>;

/** Declares a restorer with its config type inferred from its schema. */
export const restorer = <C>(r: Restorer<C>): AnyRestorer => r as unknown as AnyRestorer;

/** True when `call` answers, false on one of the not-found errors. */
export async function found(notFound: readonly string[], call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (err) {
    if (isErrorNamed(err, ...notFound)) return false;
    throw err;
  }
}

/** A policy document as the backup keeps it (parsed JSON, or the text as it came) back to text. */
export const documentText = (doc: unknown): string => (typeof doc === 'string' ? doc : JSON.stringify(doc));

export const tagList = (tags: Tags) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** Drops the keys whose value is null or undefined (the backup keeps absent fields as null). */
export function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as { [K in keyof T]: Exclude<T[K], null> };
}


/** Loose object schemas: the backup holds more than restore reads. */
export const obj = <S extends z.ZodRawShape>(shape: S) => z.object(shape).loose();
export const optStr = z.string().nullish();
export const optNum = z.number().nullish();
