import { sdkPackage } from './sdk.js';
import { CallLog, countCalls } from './calls.js';
import { Downloads } from './download.js';
import { isErrorNamed } from './errors.js';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { BedrockClient } from '@aws-sdk/client-bedrock';
import type { BedrockAgentClient } from '@aws-sdk/client-bedrock-agent';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { CodeBuildClient } from '@aws-sdk/client-codebuild';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { STSClient } from '@aws-sdk/client-sts';
import type { GlueClient } from '@aws-sdk/client-glue';
import type { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import type { CodeStarConnectionsClient } from '@aws-sdk/client-codestar-connections';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { ServiceCatalogClient } from '@aws-sdk/client-service-catalog';

/** How every client is built: the same credentials, endpoint and retry policy for all. */
export interface AwsSettings {
  readonly profile?: string | undefined;
  /** `--endpoint-url`; the SDK's own `AWS_ENDPOINT_URL*` variables keep working without it. */
  readonly endpoint?: string | undefined;
  /** Total attempts per call (SDK retry strategy, adaptive mode). */
  readonly maxAttempts?: number | undefined;
  /**
   * Dry run: the operations each client may send (every other one is refused before it is sent). The
   * list is explicit, per client: a name that merely starts with Get (STS GetSessionToken,
   * GetFederationToken) is not a read.
   */
  readonly readOnly?: ReadonlyMap<ServiceName, ReadonlySet<string>> | undefined;
}

/** The reads the core itself sends (identity, discovery, regions, the permission check, the alias). */
export const CORE_READS: { readonly [K in ServiceName]?: readonly string[] } = {
  sts: ['GetCallerIdentity'],
  tagging: ['GetResources'],
  iam: ['GetRole', 'SimulatePrincipalPolicy', 'ListAccountAliases'],
  ec2: ['DescribeRegions'],
};

/** Builds the dry-run allow list from the core's reads and each type's declared reads. */
export function readOnlyOperations(extra: Iterable<{ readonly client: ServiceName; readonly reads: readonly string[] }>): Map<ServiceName, Set<string>> {
  const out = new Map<ServiceName, Set<string>>();
  const add = (client: ServiceName, ops: readonly string[]) => {
    const set = out.get(client) ?? new Set<string>();
    for (const op of ops) set.add(op);
    out.set(client, set);
  };
  for (const [client, ops] of Object.entries(CORE_READS)) add(client as ServiceName, ops ?? []);
  for (const e of extra) add(e.client, e.reads);
  return out;
}

/** Thrown by a read-only client instead of sending a mutating call. */
export class MutationBlockedError extends Error {
  constructor(readonly commandName: string) {
    super(`refused to send ${commandName} during a dry run (read-only clients)`);
    this.name = 'MutationBlockedError';
  }
}

interface MiddlewareStackLike {
  add(mw: unknown, opts: { step: 'initialize' | 'deserialize'; name: string; priority?: 'high' | 'low' }): void;
}

export interface ClientTypes {
  sts: STSClient;
  ec2: EC2Client;
  iam: IAMClient;
  tagging: ResourceGroupsTaggingAPIClient;
  s3: S3Client;
  lambda: LambdaClient;
  sagemaker: SageMakerClient;
  bedrock: BedrockClient;
  'bedrock-agent': BedrockAgentClient;
  logs: CloudWatchLogsClient;
  codebuild: CodeBuildClient;
  ecr: ECRClient;
  events: EventBridgeClient;
  glue: GlueClient;
  codepipeline: CodePipelineClient;
  /** CodeConnections (formerly CodeStar Connections): one API, both ARN prefixes. */
  codeconnections: CodeStarConnectionsClient;
  cloudformation: CloudFormationClient;
  servicecatalog: ServiceCatalogClient;
}
export type ServiceName = keyof ClientTypes;

type Ctor<C> = new (config: Record<string, unknown>) => C;

/** Each SDK package is imported on first use only: `--help` and `types` load none of them. */
const loaders: { [K in ServiceName]: () => Promise<Ctor<ClientTypes[K]>> } = {
  sts: async () => (await sdkPackage('@aws-sdk/client-sts')).STSClient as Ctor<STSClient>,
  ec2: async () => (await sdkPackage('@aws-sdk/client-ec2')).EC2Client as Ctor<EC2Client>,
  iam: async () => (await sdkPackage('@aws-sdk/client-iam')).IAMClient as Ctor<IAMClient>,
  tagging: async () =>
    (await sdkPackage('@aws-sdk/client-resource-groups-tagging-api')).ResourceGroupsTaggingAPIClient as Ctor<ResourceGroupsTaggingAPIClient>,
  s3: async () => (await sdkPackage('@aws-sdk/client-s3')).S3Client as Ctor<S3Client>,
  lambda: async () => (await sdkPackage('@aws-sdk/client-lambda')).LambdaClient as Ctor<LambdaClient>,
  sagemaker: async () => (await sdkPackage('@aws-sdk/client-sagemaker')).SageMakerClient as Ctor<SageMakerClient>,
  bedrock: async () => (await sdkPackage('@aws-sdk/client-bedrock')).BedrockClient as Ctor<BedrockClient>,
  'bedrock-agent': async () => (await sdkPackage('@aws-sdk/client-bedrock-agent')).BedrockAgentClient as Ctor<BedrockAgentClient>,
  logs: async () => (await sdkPackage('@aws-sdk/client-cloudwatch-logs')).CloudWatchLogsClient as Ctor<CloudWatchLogsClient>,
  codebuild: async () => (await sdkPackage('@aws-sdk/client-codebuild')).CodeBuildClient as Ctor<CodeBuildClient>,
  ecr: async () => (await sdkPackage('@aws-sdk/client-ecr')).ECRClient as Ctor<ECRClient>,
  events: async () => (await sdkPackage('@aws-sdk/client-eventbridge')).EventBridgeClient as Ctor<EventBridgeClient>,
  glue: async () => (await sdkPackage('@aws-sdk/client-glue')).GlueClient as Ctor<GlueClient>,
  codepipeline: async () => (await sdkPackage('@aws-sdk/client-codepipeline')).CodePipelineClient as Ctor<CodePipelineClient>,
  codeconnections: async () =>
    (await sdkPackage('@aws-sdk/client-codestar-connections')).CodeStarConnectionsClient as Ctor<CodeStarConnectionsClient>,
  cloudformation: async () => (await sdkPackage('@aws-sdk/client-cloudformation')).CloudFormationClient as Ctor<CloudFormationClient>,
  servicecatalog: async () => (await sdkPackage('@aws-sdk/client-service-catalog')).ServiceCatalogClient as Ctor<ServiceCatalogClient>,
};

export const DEFAULT_MAX_ATTEMPTS = 6;

function customEndpointInEnv(): boolean {
  return Boolean(process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3);
}

/** One client per (service, region, attempts), built lazily and reused for the whole run. */
export class AwsClients {
  private readonly cache = new Map<string, Promise<unknown>>();
  /** The first client's memoized credential provider (the SDK's default chain, for the profile), shared by all. */
  private credentials: unknown;
  /** Every call and attempt the clients make (the report's totals, `--debug`'s lines). */
  readonly calls = new CallLog();
  /** The run's downloads of files AWS links to (src/aws/download.ts). */
  readonly downloads = new Downloads();

  constructor(readonly settings: AwsSettings = {}) {}

  get<K extends ServiceName>(service: K, region: string, opts: { maxAttempts?: number } = {}): Promise<ClientTypes[K]> {
    const attempts = opts.maxAttempts ?? this.settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const key = `${service}|${region}|${attempts}`;
    let hit = this.cache.get(key) as Promise<ClientTypes[K]> | undefined;
    if (!hit) {
      // The endpoint the shared config gives this service (`endpoint_url`, a `services` section) is read for
      // the profile in use, `--profile` as much as AWS_PROFILE: the SDK itself reads it for AWS_PROFILE only.
      const configured = this.settings.endpoint ? Promise.resolve(undefined) : configuredEndpoint(service, this.settings.profile);
      hit = Promise.all([loaders[service](), configured, import('./retry.js')]).then(([Client, endpoint, { retryStrategy }]) => {
        // Per client: throttling gets more attempts than other errors, and its own quota (src/aws/retry.ts).
        const client = new Client({ ...this.configFor(service, region, attempts, endpoint), retryStrategy: retryStrategy(attempts), ...(this.credentials ? { credentials: this.credentials } : {}) });
        // One credential provider for every client: a credential_process, an SSO token or an assumed role
        // is resolved once per run (and refreshed once when it expires), not once per service and region.
        this.credentials ??= (client as unknown as { config: { credentials?: unknown } }).config.credentials;
        const stack = (client as unknown as { middlewareStack: MiddlewareStackLike }).middlewareStack;
        if (this.settings.readOnly) guardReadOnly(stack, service, this.settings.readOnly.get(service) ?? new Set());
        const settling = SETTLING[service];
        if (settling) retrySettling(stack, settling);
        countCalls(stack, this.calls, service, region);
        return client;
      });
      this.cache.set(key, hit);
    }
    return hit;
  }

  /** `configured`: the endpoint the environment or the shared config names for the service (see {@link configuredEndpoint}). */
  configFor(service: ServiceName, region: string, maxAttempts: number, configured?: string): Record<string, unknown> {
    const config: Record<string, unknown> = {
      region,
      maxAttempts,
      retryMode: 'adaptive',
    };
    if (this.settings.profile) config.profile = this.settings.profile;
    const endpoint = this.settings.endpoint ?? configured;
    if (endpoint) config.endpoint = endpoint;
    // Nothing configured for --profile: the SDK must not fall back to the endpoint of AWS_PROFILE's profile.
    else if (this.settings.profile) config.ignoreConfiguredEndpointUrls = true;
    if (service === 's3') {
      config.followRegionRedirects = true;
      // Emulators and custom endpoints are not virtual-host addressable.
      if (endpoint || customEndpointInEnv()) config.forcePathStyle = true;
    }
    return config;
  }

  /** Closes every socket the clients hold, so the process can exit promptly. */
  async destroy(): Promise<void> {
    const clients = await Promise.allSettled(this.cache.values());
    for (const c of clients) {
      if (c.status === 'fulfilled') (c.value as { destroy?: () => void }).destroy?.();
    }
    this.cache.clear();
  }
}

/** The first middleware of every call: in a dry run, an operation not on the client's read list never leaves the process. */
function guardReadOnly(stack: MiddlewareStackLike, service: ServiceName, allowed: ReadonlySet<string>): void {
  stack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
      const name = context.commandName ?? 'an unnamed command';
      if (!allowed.has(name.replace(/Command$/, ''))) return Promise.reject(new MutationBlockedError(`${service}:${name}`));
      return next(args);
    },
    { step: 'initialize', name: 'novaCleanupReadOnlyGuard', priority: 'high' },
  );
}

/** An error that, right after a change, is the service's eventual consistency: worth another attempt. */
interface Settling {
  readonly commands: ReadonlySet<string>;
  readonly errors: readonly string[];
  /** When the error name alone is too wide (Lambda's InvalidParameterValueException). */
  readonly when?: (err: Error) => boolean;
}

const SETTLING: { readonly [K in ServiceName]?: readonly Settling[] } = {
  iam: [
    // DeleteConflict right after a detach (the SDK names it DeleteConflictException; DeleteConflict is its code).
    { commands: new Set(['DeleteRoleCommand', 'DeletePolicyCommand', 'DeleteInstanceProfileCommand']), errors: ['DeleteConflict', 'DeleteConflictException'] },
    // `restore`: a policy just re-created is not yet attachable.
    { commands: new Set(['AttachRolePolicyCommand']), errors: ['NoSuchEntity', 'NoSuchEntityException'] },
  ],
  lambda: [
    // `restore`: a role just re-created cannot be assumed by Lambda for some seconds. The error has no
    // name of its own; its message is the only sign.
    { commands: new Set(['CreateFunctionCommand']), errors: ['InvalidParameterValueException'], when: (err) => /role .*cannot be assumed/i.test(err.message) },
  ],
};

/**
 * Marks those errors as retryable, so the SDK's own retry strategy (its backoff and the client's
 * maxAttempts) retries them a bounded number of times: no loop of our own.
 */
function retrySettling(stack: MiddlewareStackLike, rules: readonly Settling[]): void {
  stack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      try {
        return await next(args);
      } catch (err) {
        const e = err as Error & { $retryable?: unknown };
        const rule = rules.find((r) => r.commands.has(context.commandName ?? '') && isErrorNamed(err, ...r.errors) && (r.when?.(e) ?? true));
        if (rule && e.$retryable === undefined) e.$retryable = {};
        throw err;
      }
    },
    { step: 'deserialize', name: 'novaCleanupSettlingRetry', priority: 'high' },
  );
}

/** The region from the SDK's own chain (env, profile), or undefined when none is configured. */
export async function defaultRegion(profile: string | undefined): Promise<string | undefined> {
  const Client = await loaders.sts();
  const client = new Client(profile ? { profile } : {}) as unknown as { config: { region: () => Promise<string> }; destroy(): void };
  try {
    const region = await client.config.region();
    return region || undefined;
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

/** Each client's SDK service id: the suffix of `AWS_ENDPOINT_URL_<ID>` and the key of a `services` section. */
export const SERVICE_IDS: { readonly [K in ServiceName]: string } = {
  sts: 'STS',
  ec2: 'EC2',
  iam: 'IAM',
  tagging: 'Resource Groups Tagging API',
  s3: 'S3',
  lambda: 'Lambda',
  sagemaker: 'SageMaker',
  bedrock: 'Bedrock',
  'bedrock-agent': 'Bedrock Agent',
  logs: 'CloudWatch Logs',
  codebuild: 'CodeBuild',
  ecr: 'ECR',
  events: 'EventBridge',
  glue: 'Glue',
  codepipeline: 'CodePipeline',
  codeconnections: 'CodeStar connections',
  cloudformation: 'CloudFormation',
  servicecatalog: 'Service Catalog',
};

/**
 * The endpoint configured for a service, resolved as the SDK resolves it (AWS_ENDPOINT_URL_<SERVICE>,
 * AWS_ENDPOINT_URL, then the profile's `services` section and its `endpoint_url`; none at all when
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS or `ignore_configured_endpoint_urls` says so), with the SDK's own
 * config loader, but for the given profile (else AWS_PROFILE, else `default`).
 */
export async function configuredEndpoint(service: ServiceName, profile: string | undefined): Promise<string | undefined> {
  const { booleanSelector, loadConfig, SelectorType } = await sdkPackage('@smithy/core/config');
  const init = profile ? { profile } : {};
  const ignore = await loadConfig<boolean>(
    {
      environmentVariableSelector: (env) => booleanSelector(env, 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', SelectorType.ENV),
      configFileSelector: (p) => booleanSelector(p, 'ignore_configured_endpoint_urls', SelectorType.CONFIG),
      default: false,
    },
    init,
  )();
  if (ignore) return undefined;
  const id = SERVICE_IDS[service];
  const envSuffix = id.split(' ').map((w) => w.toUpperCase()).join('_');
  const configKey = `${id.split(' ').map((w) => w.toLowerCase()).join('_')}.endpoint_url`;
  return loadConfig<string | undefined>(
    {
      environmentVariableSelector: (env) => env[`AWS_ENDPOINT_URL_${envSuffix}`] || env.AWS_ENDPOINT_URL || undefined,
      configFileSelector: (p, files) => (p.services ? files?.[`services.${p.services}`]?.[configKey] : undefined) || p.endpoint_url || undefined,
      default: undefined,
    },
    init,
  )();
}
