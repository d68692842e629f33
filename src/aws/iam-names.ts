import type { ServiceName } from './clients.js';

/**
 * How IAM names what the tool's clients send: the service prefix of each client's actions, and the few
 * operations whose IAM action is not named after them (Service Authorization Reference). Pure data: the
 * policy that `nova-cleanup policy` prints and the test of it both read it.
 */

/** The IAM service prefixes that authorize a client's operations (default: the client's own name). */
const PREFIXES: Partial<Record<ServiceName, readonly string[]>> = {
  tagging: ['tag'],
  'bedrock-agent': ['bedrock'],
  // One API, two prefixes: a policy must name the prefix of the connection's own ARN (both exist).
  codeconnections: ['codeconnections', 'codestar-connections'],
};

/** The IAM prefixes of a client's operations (one, or both CodeConnections prefixes). */
export const iamPrefixes = (client: ServiceName): readonly string[] => PREFIXES[client] ?? [client];

/**
 * Operations whose IAM action is not named after them ("Actions defined by Amazon S3"; the S3 API
 * reference's "Permissions" of each operation). Every other operation is authorized by `<prefix>:<Operation>`.
 */
const IRREGULAR: Partial<Record<ServiceName, Readonly<Record<string, string>>>> = {
  s3: {
    HeadBucket: 'ListBucket',
    ListBuckets: 'ListAllMyBuckets',
    ListObjectVersions: 'ListBucketVersions',
    ListMultipartUploads: 'ListBucketMultipartUploads',
    GetBucketLifecycleConfiguration: 'GetLifecycleConfiguration',
    GetBucketEncryption: 'GetEncryptionConfiguration',
    GetPublicAccessBlock: 'GetBucketPublicAccessBlock',
    GetBucketCors: 'GetBucketCORS',
    GetObjectLockConfiguration: 'GetBucketObjectLockConfiguration',
    GetBucketNotificationConfiguration: 'GetBucketNotification',
  },
};

/** The IAM actions that authorize one SDK operation (without `Command`) of a client: one per prefix. */
export const iamActionsOf = (client: ServiceName, operation: string): string[] =>
  iamPrefixes(client).map((prefix) => `${prefix}:${IRREGULAR[client]?.[operation] ?? operation}`);

/** The service prefix of an IAM action (`sagemaker:DeleteModel` → `sagemaker`). */
export const prefixOfAction = (action: string): string => action.slice(0, action.indexOf(':'));

/**
 * Services whose delete actions take no `aws:ResourceTag` condition key: a tag condition would deny
 * them. How a policy narrows them instead.
 */
export const NO_TAG_CONDITION: Readonly<Record<string, string>> = {
  s3: 'by bucket name (its Resource)',
  servicecatalog: "by Service Catalog's own access-level keys (servicecatalog:accountLevel and the like)",
  eks: 'by its Resource (access entries only)',
};

/** Actions authorized on no resource of their service: always Resource `*`, whatever else is narrowed. */
export const ACCOUNT_LEVEL: ReadonlySet<string> = new Set(['s3:ListAllMyBuckets']);

/** The narrowest Resource of an action authorized on something untagged, where one is known. */
export const HELD_RESOURCE: Readonly<Record<string, string>> = {
  // What DeleteCluster of an EKS-orchestrated HyperPod cluster removes: the access entries it made.
  'eks:DeleteAccessEntry': 'arn:aws:eks:*:*:access-entry/*',
};
