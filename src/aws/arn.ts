export interface Arn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  /** Everything after the fifth colon, colons included. */
  readonly resource: string;
}

export function parseArn(arn: string): Arn | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition, service, region, account] = parts as [string, string, string, string, string];
  const resource = parts.slice(5).join(':');
  if (!partition || !service || !resource) return undefined;
  return { partition, service, region, account, resource };
}

/** The last `/`-separated segment of the resource part: the name for IAM (paths), SageMaker, S3. */
export function lastSegment(resource: string): string {
  const i = resource.lastIndexOf('/');
  return i === -1 ? resource : resource.slice(i + 1);
}

/**
 * The key two ARNs are compared by. SageMaker puts names into ARNs in lower case while its APIs
 * return them as created, so SageMaker ARNs compare case-insensitively, as do IAM's (its names are
 * unique regardless of case and path); everything else exactly.
 */
export function arnKey(arn: string): string {
  const p = parseArn(arn);
  if (p?.service === 'iam') {
    // IAM names are unique in an account whatever their path (and case): `role/a/b/name` is `role/name`,
    // so a role named by a stack's resource list (a name, no path) is the role its ARN names.
    const slash = p.resource.indexOf('/');
    const kind = slash === -1 ? p.resource : p.resource.slice(0, slash);
    return formatArn({ ...p, resource: slash === -1 ? kind : `${kind}/${lastSegment(p.resource)}` }).toLowerCase();
  }
  return p?.service === 'sagemaker' ? arn.toLowerCase() : arn;
}

export function formatArn(a: Arn): string {
  return `arn:${a.partition}:${a.service}:${a.region}:${a.account}:${a.resource}`;
}
