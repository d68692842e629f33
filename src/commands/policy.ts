import { CORE_READS } from '../aws/clients.js';
import { NovaError } from '../errors.js';
import type { TagFilter } from '../model.js';
import { parseTagFilters } from '../options.js';
import { formatPolicy, leastPrivilegePolicy, type PolicyDocument } from '../plan/policy.js';
import type { ResourceHandler } from '../resources/handler.js';

/** `nova-cleanup policy`: the tags its deletes are held to, and the bucket names S3 is narrowed to. */
export interface PolicyOptions {
  readonly tags: readonly TagFilter[];
  /** Bucket name globs (`nova-demo-*`); empty: every bucket. */
  readonly buckets: readonly string[];
}

/** A bucket name glob: what a bucket name may hold (lowercase letters, digits, dots, hyphens), `*` and `?`. */
const BUCKET_GLOB = /^[a-z0-9.*?-]{1,63}$/;

/** `--tag` (as every command reads it) and `--s3-bucket`; a bad one is one line, exit 2. */
export function parsePolicyOptions(raw: { readonly tag?: unknown; readonly s3Bucket?: unknown }): PolicyOptions {
  const given = (raw.tag as string[] | undefined) ?? [];
  if (given.length === 0) throw new NovaError('policy: give the tags its deletes are held to, with --tag Key=Value (as for the cleanup)');
  const tags = parseTagFilters(given);
  const buckets = (raw.s3Bucket as string[] | undefined) ?? [];
  for (const b of buckets) {
    if (!BUCKET_GLOB.test(b)) throw new NovaError(`--s3-bucket "${b}": a bucket name glob holds only lowercase letters, digits, dots, hyphens, * and ? (at most 63)`);
  }
  return { tags, buckets: [...new Set(buckets)] };
}

/** The policy for these options, from the registry's types and the core's reads. */
export function policyFor(handlers: readonly ResourceHandler[], options: PolicyOptions): PolicyDocument {
  return leastPrivilegePolicy({ coreReads: CORE_READS, handlers, tags: options.tags, buckets: options.buckets });
}

/** What `nova-cleanup policy` prints on stdout: the policy document, JSON whatever the flags. */
export function policyText(handlers: readonly ResourceHandler[], options: PolicyOptions): string {
  return formatPolicy(policyFor(handlers, options));
}
