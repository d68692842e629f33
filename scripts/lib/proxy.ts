import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pipeline } from 'node:stream';

/**
 * A recording, fault-injecting HTTP proxy in front of moto, for the end-to-end tests.
 *
 * Every request is forwarded to moto unchanged (same method, path, query, headers, body; the Host
 * header too: it is covered by the SigV4 signature, and moto builds URLs such as SQS queue URLs from
 * it, so follow-up calls keep going through the proxy) and moto's answer comes back unchanged (only
 * the hop-by-hop headers Connection / Keep-Alive / Transfer-Encoding are left to Node).
 * Each AWS call is recorded with its service, region, operation and whether it changes anything.
 * `/moto-api/*` is forwarded but neither recorded nor held nor failed.
 *
 * Bodies are buffered (a cleanup tool sends small ones), so a request is "arrived" once its whole body
 * is in: that is when holds and faults are decided.
 */

/** How the request is encoded on the wire: decides how an operation name is found and how an error must look. */
export type Protocol = 'json' | 'query' | 'ec2' | 'rest-xml' | 'rest-json';

export interface RecordedRequest {
  /** SigV4 signing name from the credential scope (`iam`, `s3`, `sagemaker`, `tagging`…); '' when unsigned. */
  readonly service: string;
  /** Region from the credential scope; '' when unsigned. */
  readonly region: string;
  /** AWS operation name (`DescribeEndpoint`, `CreateRole`, `GetBucketTagging`…); `METHOD /path` when not recognised. */
  readonly operation: string;
  readonly protocol: Protocol;
  /** See {@link isMutating}. */
  readonly mutating: boolean;
  readonly method: string;
  /** Raw path, as on the wire (percent-encoded), without the query. */
  readonly path: string;
  /** Epoch milliseconds (sub-millisecond precision) when the whole request had arrived at the proxy. */
  readonly start: number;
  /** When the proxy finished answering (or gave up on) the request; undefined while in flight or held. */
  end: number | undefined;
  /** HTTP status the answer had (moto's or an injected one); undefined while in flight, or when dropped. */
  status: number | undefined;
  /**
   * `forwarded`: moto answered; `injected`: a fault rule answered ({@link Proxy.fail}, `throttle`,
   * `serverError`, `deny`, `conflict`); `dropped`: a held request whose client had gone was never sent
   * (hold option `onClientGone: 'drop'`, or the proxy stopped); `cut`: the proxy closed the client's
   * connection without answering ({@link Proxy.dropConnection}; `status` is moto's answer when the request
   * had been forwarded first); `error`: the proxy could not get an answer from moto (it answered 502).
   * Undefined while in flight.
   */
  outcome: 'forwarded' | 'injected' | 'dropped' | 'cut' | 'error' | undefined;
  /** Which kind of rule injected the fault (`injected` and `cut` outcomes only). */
  fault?: FaultKind | undefined;
  /** The client closed its connection before it got the whole answer (e.g. the CLI was killed). */
  clientGone: boolean;
  /** Milliseconds moto took to start answering (request sent to headers received); undefined unless forwarded. */
  upstreamMs?: number | undefined;
}

/** What hold and fail rules are matched against: the recorded fields plus the raw request text. */
export interface MatchInput extends Readonly<Omit<RecordedRequest, 'end' | 'status' | 'outcome' | 'clientGone' | 'upstreamMs' | 'fault'>> {
  /** Raw query string without the leading `?` ('' when none). */
  readonly query: string;
  /** Request body as UTF-8 text. */
  readonly body: string;
  readonly headers: IncomingHttpHeaders;
}

export type Match = (r: MatchInput) => boolean;

export interface Hold {
  /** Resolves with the record of the first matching request, as soon as it has arrived (and is waiting). */
  readonly arrived: Promise<RecordedRequest>;
  /** How many matching requests are waiting now. */
  readonly count: number;
  /** Lets every waiting request go on (to the fail rules, then moto) and ends the hold: later matches pass straight through. */
  release(): void;
}

export interface HoldOptions {
  /**
   * What a released request does when its client has already gone (default 'forward'):
   * 'forward' sends it to moto anyway (a real network may deliver a request whose sender died; the
   * answer is read and thrown away), 'drop' never sends it, so moto never sees it.
   * With 'drop' the choice is made {@link DROP_GRACE_MS} after `release()`, so that a client killed
   * just before (its exit seen by the test before the proxy has read the closed connection) counts as gone.
   */
  readonly onClientGone?: 'forward' | 'drop';
}

/** A complete HTTP answer: a fault (status 400 or more; a success answer is refused). */
export interface CannedAnswer {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

/** An AWS error, shaped by {@link awsError} for the protocol of the request it answers. */
export interface ErrorSpec {
  readonly code: string;
  readonly message?: string;
  /** Default 400. */
  readonly status?: number;
}

export type FailAnswer = CannedAnswer | ErrorSpec | ((r: MatchInput) => CannedAnswer);

export interface FailOptions {
  /** Answer only this many matching requests, then let them through again (default: until removed). */
  readonly times?: number;
}

/** What kind of rule injected a fault: `fail` for {@link Proxy.fail}, otherwise the helper's name. */
export type FaultKind = 'fail' | 'throttle' | 'server-error' | 'drop' | 'deny' | 'conflict';

export interface ShareOptions {
  /** Only requests this matches are considered (default: every recorded request). */
  readonly match?: Match;
  /**
   * Seed of the rule's own pseudo-random sequence (default 1): the same seed and the same order of
   * arrival fault the same requests.
   */
  readonly seed?: number;
  /** Fault at most this many requests, then let them through (default: until removed). */
  readonly times?: number;
}

export interface ServerErrorOptions extends ShareOptions {
  /** 500 (`InternalFailure`; IAM `ServiceFailure`, S3 and EC2 `InternalError`) or 503 (`ServiceUnavailable`). Default 500. */
  readonly status?: 500 | 503;
}

export interface DropOptions extends FailOptions {
  /**
   * `before` (default): the connection is closed as soon as the request has arrived; moto never sees it.
   * `after`: the request is forwarded, moto answers (and acts on it), then the connection is closed
   * instead of passing the answer on: the caller cannot know whether its call took effect.
   */
  readonly when?: 'before' | 'after';
}

export interface Fault {
  /** How many requests this rule has answered. */
  readonly hits: number;
  remove(): void;
}

export interface Proxy {
  /** `http://127.0.0.1:PORT`: give it to the SDK / the CLI as the endpoint. */
  readonly url: string;
  /** Every recorded request, in order of arrival (the records fill in `end`/`status`/`outcome` when answered). */
  requests(): readonly RecordedRequest[];
  mutating(): RecordedRequest[];
  /** Forgets the recorded requests (holds and fail rules stay). */
  clear(): void;
  /** How many recorded requests have this operation name (or match this predicate). */
  count(operation: string | ((r: RecordedRequest) => boolean)): number;
  /** Makes matching requests wait until `release()`. The first hold that matches a request holds it. */
  hold(match: Match, options?: HoldOptions): Hold;
  /** Answers matching requests with `answer` instead of forwarding them. The first rule that matches answers. */
  fail(match: Match, answer: FailAnswer, options?: FailOptions): Fault;
  /**
   * Answers a seeded-random `share` (0 to 1) of the matching requests with the throttling error of the
   * request's own service ({@link throttleError}: IAM `Throttling` 400, Lambda `TooManyRequestsException`
   * 429, S3 `SlowDown` 503, `ThrottlingException` for the JSON services...); the others go on.
   */
  throttle(share: number, options?: ShareOptions): Fault;
  /**
   * Answers with a 500 or 503 in the service's shape ({@link serverErrorAnswer}): a seeded-random share of
   * the requests (a number; `options.match` narrows them), or every request the match accepts (a function).
   */
  serverError(which: number | Match, options?: ServerErrorOptions): Fault;
  /** Closes the client's connection without an answer, before or after forwarding ({@link DropOptions}). */
  dropConnection(match: Match, options?: DropOptions): Fault;
  /**
   * Denies one action on one resource, as IAM would: requests of `operation` whose path, query or body
   * names `resource` get the service's access-denied error ({@link deniedAnswer}: IAM and S3
   * `AccessDenied` 403, EC2 `UnauthorizedOperation`, `AccessDeniedException` elsewhere).
   */
  deny(operation: string, resource: string, options?: FailOptions): Fault;
  /**
   * Answers matching requests with the service's "something still depends on it" error
   * ({@link conflictAnswer}: IAM `DeleteConflict` 409, S3 `BucketNotEmpty` 409, Lambda
   * `ResourceConflictException` 409, `ResourceInUse` elsewhere).
   */
  conflict(match: Match, options?: FailOptions): Fault;
  /** The recorded reads (every request that is not {@link isMutating}); `mutating()` holds the others. */
  reads(): RecordedRequest[];
  /** How many recorded requests each kind of rule has faulted (answered, or cut). */
  injected(): Record<FaultKind, number>;
  /** Internal failures: a match function that threw, moto unreachable. Closed client sockets are not failures. */
  errors(): readonly Error[];
  /** Drops every held request (and closes its client connection), closes all connections and the server. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Classification

/**
 * A call changes something unless it is a read: Get*, List*, Describe*, Head*, BatchGet*, Search*, and the IAM policy
 * simulations. GetSessionToken and GetFederationToken are not reads: they mint credentials.
 * An unrecognised operation (`METHOD /path`) counts as mutating.
 */
export function isMutating(operation: string): boolean {
  if (operation === 'GetSessionToken' || operation === 'GetFederationToken') return true;
  if (operation === 'SimulatePrincipalPolicy' || operation === 'SimulateCustomPolicy') return false;
  return !/^(Get|List|Describe|Head|BatchGet|Search)[A-Z]/.test(operation);
}

export interface RawRequest {
  readonly method: string;
  /** Path and query as in the request line, e.g. `/bucket?tagging`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface Classified {
  readonly service: string;
  readonly region: string;
  readonly operation: string;
  readonly protocol: Protocol;
  readonly mutating: boolean;
}

/** A predicate true for about `share` (0 to 1) of its calls, from its own seeded sequence (mulberry32). */
export function seededShare(share: number, seed = 1): () => boolean {
  if (!(share >= 0 && share <= 1)) throw new Error(`a share is between 0 and 1, not ${share}`);
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 < share;
  };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `Credential=AKID/20260101/us-east-1/iam/aws4_request` from the Authorization header (or a presigned URL). */
function credentialScope(headers: IncomingHttpHeaders, query: URLSearchParams): { service: string; region: string } {
  const auth = header(headers, 'authorization') ?? '';
  const scope = /Credential=([^,\s]+)/.exec(auth)?.[1] ?? query.get('X-Amz-Credential') ?? '';
  const parts = scope.split('/');
  return parts.length >= 5 ? { region: parts[parts.length - 3] ?? '', service: parts[parts.length - 2] ?? '' } : { region: '', service: '' };
}

/** The protocol of a request (from its target header, signing name and body), or of a recorded request. */
export function protocolOf(r: { readonly protocol: Protocol } | { readonly service: string; readonly headers: IncomingHttpHeaders; readonly body: string; readonly query?: string }): Protocol {
  if ('protocol' in r) return r.protocol;
  if (header(r.headers, 'x-amz-target')) return 'json';
  if (r.service === 's3') return 'rest-xml';
  const form = (header(r.headers, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(r.body) : undefined;
  if (form?.has('Action') || new URLSearchParams(r.query ?? '').has('Action')) return r.service === 'ec2' ? 'ec2' : 'query';
  return 'rest-json';
}

/** What moto, the SDK and the proxy see: the service, region, operation and protocol of one request. */
export function classify(req: RawRequest): Classified {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  const params = new URLSearchParams(query);
  const { service, region } = credentialScope(req.headers, params);
  const protocol = protocolOf({ service, headers: req.headers, body: req.body, query });
  let operation: string | undefined;
  switch (protocol) {
    case 'json':
      // `SageMaker.DescribeEndpoint`, `ResourceGroupsTaggingAPI_20170126.GetResources`, `AmazonSQS.CreateQueue`
      operation = header(req.headers, 'x-amz-target')?.split('.').pop();
      break;
    case 'query':
    case 'ec2':
      operation = new URLSearchParams(req.body).get('Action') ?? params.get('Action') ?? undefined;
      break;
    case 'rest-xml':
      operation = s3Operation(req.method, path, params, req.headers);
      break;
    case 'rest-json':
      operation =
        service === 'lambda' ? lambdaOperation(req.method, path, params) : service === 'bedrock' ? routeOperation(BEDROCK_ROUTES, req.method, path, params) : undefined;
      break;
  }
  operation ||= `${req.method} ${path}`;
  return { service, region, operation, protocol, mutating: isMutating(operation) };
}

/** S3 (path-style addressing only): bucket operations by method and sub-resource, object operations likewise. */
const S3_BUCKET: Record<string, Record<string, string>> = {
  GET: {
    tagging: 'GetBucketTagging',
    versions: 'ListObjectVersions',
    uploads: 'ListMultipartUploads',
    policy: 'GetBucketPolicy',
    policyStatus: 'GetBucketPolicyStatus',
    versioning: 'GetBucketVersioning',
    lifecycle: 'GetBucketLifecycleConfiguration',
    encryption: 'GetBucketEncryption',
    publicAccessBlock: 'GetPublicAccessBlock',
    cors: 'GetBucketCors',
    'object-lock': 'GetObjectLockConfiguration',
    ownershipControls: 'GetBucketOwnershipControls',
    notification: 'GetBucketNotificationConfiguration',
    location: 'GetBucketLocation',
    acl: 'GetBucketAcl',
    website: 'GetBucketWebsite',
    logging: 'GetBucketLogging',
    replication: 'GetBucketReplication',
    accelerate: 'GetBucketAccelerateConfiguration',
    requestPayment: 'GetBucketRequestPayment',
    'list-type': 'ListObjectsV2',
    '': 'ListObjects',
  },
  PUT: {
    tagging: 'PutBucketTagging',
    policy: 'PutBucketPolicy',
    versioning: 'PutBucketVersioning',
    lifecycle: 'PutBucketLifecycleConfiguration',
    encryption: 'PutBucketEncryption',
    publicAccessBlock: 'PutPublicAccessBlock',
    cors: 'PutBucketCors',
    'object-lock': 'PutObjectLockConfiguration',
    ownershipControls: 'PutBucketOwnershipControls',
    notification: 'PutBucketNotificationConfiguration',
    acl: 'PutBucketAcl',
    website: 'PutBucketWebsite',
    logging: 'PutBucketLogging',
    replication: 'PutBucketReplication',
    accelerate: 'PutBucketAccelerateConfiguration',
    requestPayment: 'PutBucketRequestPayment',
    '': 'CreateBucket',
  },
  DELETE: {
    tagging: 'DeleteBucketTagging',
    policy: 'DeleteBucketPolicy',
    lifecycle: 'DeleteBucketLifecycle',
    encryption: 'DeleteBucketEncryption',
    publicAccessBlock: 'DeletePublicAccessBlock',
    cors: 'DeleteBucketCors',
    ownershipControls: 'DeleteBucketOwnershipControls',
    website: 'DeleteBucketWebsite',
    replication: 'DeleteBucketReplication',
    '': 'DeleteBucket',
  },
  POST: { delete: 'DeleteObjects' },
  HEAD: { '': 'HeadBucket' },
};
/** Bucket configurations that come by id: GET with `id` is Get…, GET without is List…s. */
const S3_BY_ID: Record<string, string> = {
  analytics: 'BucketAnalyticsConfiguration',
  metrics: 'BucketMetricsConfiguration',
  inventory: 'BucketInventoryConfiguration',
  'intelligent-tiering': 'BucketIntelligentTieringConfiguration',
};
const S3_OBJECT: Record<string, Record<string, string>> = {
  GET: {
    tagging: 'GetObjectTagging',
    retention: 'GetObjectRetention',
    'legal-hold': 'GetObjectLegalHold',
    acl: 'GetObjectAcl',
    attributes: 'GetObjectAttributes',
    torrent: 'GetObjectTorrent',
    uploadId: 'ListParts',
    '': 'GetObject',
  },
  PUT: { tagging: 'PutObjectTagging', retention: 'PutObjectRetention', 'legal-hold': 'PutObjectLegalHold', acl: 'PutObjectAcl', uploadId: 'UploadPart', '': 'PutObject' },
  DELETE: { tagging: 'DeleteObjectTagging', uploadId: 'AbortMultipartUpload', '': 'DeleteObject' },
  POST: { uploads: 'CreateMultipartUpload', uploadId: 'CompleteMultipartUpload', restore: 'RestoreObject', select: 'SelectObjectContent' },
  HEAD: { '': 'HeadObject' },
};

function s3Operation(method: string, path: string, params: URLSearchParams, headers: IncomingHttpHeaders): string | undefined {
  const xid = params.get('x-id'); // SDK v3 names the operation itself where the route is ambiguous
  if (xid) return xid;
  const [bucket = '', ...rest] = path.slice(1).split('/');
  if (!bucket) return method === 'GET' ? 'ListBuckets' : undefined;
  const keys = [...params.keys()];
  if (rest.join('/') === '') {
    const byId = keys.find((k) => k in S3_BY_ID);
    if (byId) {
      const name = S3_BY_ID[byId] as string;
      if (method === 'GET') return params.has('id') ? `Get${name}` : `List${name}s`;
      return { PUT: `Put${name}`, DELETE: `Delete${name}` }[method];
    }
    const table = S3_BUCKET[method] ?? {};
    return table[keys.find((k) => k !== '' && k in table) ?? ''];
  }
  const table = S3_OBJECT[method] ?? {};
  const op = table[keys.find((k) => k !== '' && k in table) ?? ''];
  if (method === 'PUT' && header(headers, 'x-amz-copy-source')) {
    if (op === 'UploadPart') return 'UploadPartCopy';
    if (op === 'PutObject') return 'CopyObject';
  }
  return op;
}

/** Lambda REST routes: `METHOD /template [query-key]`, `{}` standing for one path segment. */
const LAMBDA_ROUTES = routes(`
GET    /2015-03-31/functions                                      ListFunctions
POST   /2015-03-31/functions                                      CreateFunction
GET    /2015-03-31/functions/{}                                   GetFunction
DELETE /2015-03-31/functions/{}                                   DeleteFunction
GET    /2015-03-31/functions/{}/configuration                     GetFunctionConfiguration
PUT    /2015-03-31/functions/{}/configuration                     UpdateFunctionConfiguration
PUT    /2015-03-31/functions/{}/code                              UpdateFunctionCode
POST   /2015-03-31/functions/{}/invocations                       Invoke
POST   /2014-11-13/functions/{}/invoke-async                      InvokeAsync
GET    /2015-03-31/functions/{}/versions                          ListVersionsByFunction
POST   /2015-03-31/functions/{}/versions                          PublishVersion
GET    /2015-03-31/functions/{}/aliases                           ListAliases
POST   /2015-03-31/functions/{}/aliases                           CreateAlias
GET    /2015-03-31/functions/{}/aliases/{}                        GetAlias
PUT    /2015-03-31/functions/{}/aliases/{}                        UpdateAlias
DELETE /2015-03-31/functions/{}/aliases/{}                        DeleteAlias
GET    /2015-03-31/functions/{}/policy                            GetPolicy
POST   /2015-03-31/functions/{}/policy                            AddPermission
DELETE /2015-03-31/functions/{}/policy/{}                         RemovePermission
GET    /2015-03-31/event-source-mappings                          ListEventSourceMappings
POST   /2015-03-31/event-source-mappings                          CreateEventSourceMapping
GET    /2015-03-31/event-source-mappings/{}                       GetEventSourceMapping
PUT    /2015-03-31/event-source-mappings/{}                       UpdateEventSourceMapping
DELETE /2015-03-31/event-source-mappings/{}                       DeleteEventSourceMapping
GET    /2017-03-31/tags/{}                                        ListTags
POST   /2017-03-31/tags/{}                                        TagResource
DELETE /2017-03-31/tags/{}                                        UntagResource
PUT    /2017-10-31/functions/{}/concurrency                       PutFunctionConcurrency
DELETE /2017-10-31/functions/{}/concurrency                       DeleteFunctionConcurrency
GET    /2019-09-30/functions/{}/concurrency                       GetFunctionConcurrency
GET    /2019-09-30/functions/{}/provisioned-concurrency List      ListProvisionedConcurrencyConfigs
GET    /2019-09-30/functions/{}/provisioned-concurrency           GetProvisionedConcurrencyConfig
PUT    /2019-09-30/functions/{}/provisioned-concurrency           PutProvisionedConcurrencyConfig
DELETE /2019-09-30/functions/{}/provisioned-concurrency           DeleteProvisionedConcurrencyConfig
GET    /2021-10-31/functions/{}/url                               GetFunctionUrlConfig
POST   /2021-10-31/functions/{}/url                               CreateFunctionUrlConfig
PUT    /2021-10-31/functions/{}/url                               UpdateFunctionUrlConfig
DELETE /2021-10-31/functions/{}/url                               DeleteFunctionUrlConfig
GET    /2021-10-31/functions/{}/urls                              ListFunctionUrlConfigs
GET    /2019-09-25/functions/{}/event-invoke-config/list          ListFunctionEventInvokeConfigs
GET    /2019-09-25/functions/{}/event-invoke-config               GetFunctionEventInvokeConfig
PUT    /2019-09-25/functions/{}/event-invoke-config               PutFunctionEventInvokeConfig
POST   /2019-09-25/functions/{}/event-invoke-config               UpdateFunctionEventInvokeConfig
DELETE /2019-09-25/functions/{}/event-invoke-config               DeleteFunctionEventInvokeConfig
GET    /2020-06-30/functions/{}/code-signing-config               GetFunctionCodeSigningConfig
PUT    /2020-06-30/functions/{}/code-signing-config               PutFunctionCodeSigningConfig
DELETE /2020-06-30/functions/{}/code-signing-config               DeleteFunctionCodeSigningConfig
GET    /2021-07-20/functions/{}/runtime-management-config         GetRuntimeManagementConfig
PUT    /2021-07-20/functions/{}/runtime-management-config         PutRuntimeManagementConfig
GET    /2024-08-31/functions/{}/recursion-config                  GetFunctionRecursionConfig
PUT    /2024-08-31/functions/{}/recursion-config                  PutFunctionRecursionConfig
GET    /2018-10-31/layers                               find      GetLayerVersionByArn
GET    /2018-10-31/layers                                         ListLayers
GET    /2018-10-31/layers/{}/versions                             ListLayerVersions
POST   /2018-10-31/layers/{}/versions                             PublishLayerVersion
GET    /2018-10-31/layers/{}/versions/{}                          GetLayerVersion
DELETE /2018-10-31/layers/{}/versions/{}                          DeleteLayerVersion
GET    /2018-10-31/layers/{}/versions/{}/policy                   GetLayerVersionPolicy
POST   /2018-10-31/layers/{}/versions/{}/policy                   AddLayerVersionPermission
DELETE /2018-10-31/layers/{}/versions/{}/policy/{}                RemoveLayerVersionPermission
GET    /2016-08-19/account-settings                               GetAccountSettings
`);

/** A route table: one `METHOD /path/{}/template [queryKey] Operation` per line. */
function routes(text: string) {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const words = line.trim().split(/\s+/);
      const [method = '', template = ''] = words;
      return { method, segments: template.split('/').slice(1), queryKey: words.length === 4 ? words[2] : undefined, operation: words[words.length - 1] ?? '' };
    });
}

/** Bedrock and Agents for Bedrock (both sign as `bedrock`): REST-JSON routes of the calls a cleanup sends. */
const BEDROCK_ROUTES = routes(`
GET    /custom-models                                             ListCustomModels
GET    /custom-models/{}                                          GetCustomModel
DELETE /custom-models/{}                                          DeleteCustomModel
GET    /model-customization-jobs                                  ListModelCustomizationJobs
POST   /model-customization-jobs                                  CreateModelCustomizationJob
GET    /model-customization-jobs/{}                               GetModelCustomizationJob
POST   /model-customization-jobs/{}/stop                          StopModelCustomizationJob
POST   /listTagsForResource                                       ListTagsForResource
POST   /tagResource                                               TagResource
POST   /untagResource                                             UntagResource
POST   /agents                                                    ListAgents
PUT    /agents                                                    CreateAgent
GET    /agents/{}                                                 GetAgent
DELETE /agents/{}                                                 DeleteAgent
POST   /agents/{}/agentaliases                                    ListAgentAliases
GET    /agents/{}/agentaliases/{}                                 GetAgentAlias
DELETE /agents/{}/agentaliases/{}                                 DeleteAgentAlias
POST   /agents/{}/agentversions/{}/knowledgebases                 ListAgentKnowledgeBases
DELETE /agents/{}/agentversions/{}/knowledgebases/{}              DisassociateAgentKnowledgeBase
POST   /agents/{}/agentversions/{}/actiongroups                   ListAgentActionGroups
GET    /agents/{}/agentversions/{}/actiongroups/{}                GetAgentActionGroup
POST   /knowledgebases                                            ListKnowledgeBases
PUT    /knowledgebases                                            CreateKnowledgeBase
GET    /knowledgebases/{}                                         GetKnowledgeBase
DELETE /knowledgebases/{}                                         DeleteKnowledgeBase
POST   /knowledgebases/{}/datasources                             ListDataSources
GET    /knowledgebases/{}/datasources/{}                          GetDataSource
DELETE /knowledgebases/{}/datasources/{}                          DeleteDataSource
GET    /tags/{}                                                   ListTagsForResource
POST   /tags/{}                                                   TagResource
DELETE /tags/{}                                                   UntagResource
`);

function lambdaOperation(method: string, path: string, params: URLSearchParams): string | undefined {
  return routeOperation(LAMBDA_ROUTES, method, path, params);
}

function routeOperation(table: typeof LAMBDA_ROUTES, method: string, path: string, params: URLSearchParams): string | undefined {
  const segments = path.replace(/\/+$/, '').split('/').slice(1);
  const route = table.find(
    (r) =>
      r.method === method &&
      r.segments.length === segments.length &&
      r.segments.every((s, i) => s === '{}' || s === segments[i]) &&
      (r.queryKey === undefined || params.has(r.queryKey)),
  );
  return route?.operation;
}

// ---------------------------------------------------------------------------------------------------
// Error answers

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An AWS error answer in the shape the SDK's parser for `protocol` reads the error name from. */
export function awsError(protocol: Protocol, code: string, message = code, status = 400): CannedAnswer {
  const requestId = 'nova-proxy-injected';
  const msg = xmlEscape(message);
  switch (protocol) {
    case 'json':
    case 'rest-json':
      return {
        status,
        headers: {
          'content-type': protocol === 'json' ? 'application/x-amz-json-1.1' : 'application/json',
          'x-amzn-errortype': code,
          'x-amzn-requestid': requestId,
        },
        body: JSON.stringify(protocol === 'json' ? { __type: code, message } : { Type: status < 500 ? 'User' : 'Service', message }),
      };
    case 'query':
      return {
        status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: `<ErrorResponse><Error><Type>${status < 500 ? 'Sender' : 'Receiver'}</Type><Code>${xmlEscape(code)}</Code><Message>${msg}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    case 'ec2':
      return {
        status,
        headers: { 'content-type': 'text/xml;charset=UTF-8' },
        body: `<Response><Errors><Error><Code>${xmlEscape(code)}</Code><Message>${msg}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      };
    case 'rest-xml':
      return {
        status,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(code)}</Code><Message>${msg}</Message><RequestId>${requestId}</RequestId></Error>`,
      };
  }
}

type Who = Pick<MatchInput, 'protocol' | 'service'>;

/**
 * The error each service throttles with (aws-semantics.md 4.2), in its own shape: IAM, STS and
 * CloudFormation `Throttling` 400, EC2 `RequestLimitExceeded` 503, S3 `SlowDown` 503, Lambda
 * `TooManyRequestsException` 429, the Tagging API `ThrottledException` 400, Bedrock `ThrottlingException`
 * 429, the other JSON services `ThrottlingException` 400.
 */
export function throttleError(r: Who): CannedAnswer {
  if (r.service === 'lambda') {
    return {
      status: 429,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException', 'x-amzn-requestid': 'nova-proxy-injected' },
      body: JSON.stringify({ Type: 'User', message: 'Rate exceeded', Reason: 'CallerRateLimitExceeded' }),
    };
  }
  if (r.service === 'tagging') return awsError(r.protocol, 'ThrottledException', 'Rate exceeded', 400);
  if (r.service.startsWith('bedrock')) return awsError(r.protocol, 'ThrottlingException', 'Too many requests, please wait before trying again.', 429);
  switch (r.protocol) {
    case 'query':
      return awsError(r.protocol, 'Throttling', 'Rate exceeded', 400);
    case 'ec2':
      return awsError(r.protocol, 'RequestLimitExceeded', 'Request limit exceeded.', 503);
    case 'rest-xml':
      return awsError(r.protocol, 'SlowDown', 'Please reduce your request rate.', 503);
    default:
      return awsError(r.protocol, 'ThrottlingException', 'Rate exceeded', 400);
  }
}

/** A 500 or 503 as the service sends it: IAM `ServiceFailure`, S3 and EC2 `InternalError`, else `InternalFailure`; 503 `ServiceUnavailable` (`…Exception` for JSON services). */
export function serverErrorAnswer(r: Who, status: 500 | 503 = 500): CannedAnswer {
  const json = r.protocol === 'json' || r.protocol === 'rest-json';
  if (status === 503) return awsError(r.protocol, json ? 'ServiceUnavailableException' : 'ServiceUnavailable', 'Service is unavailable; try again', 503);
  const code = r.service === 'iam' ? 'ServiceFailure' : r.protocol === 'rest-xml' || r.protocol === 'ec2' ? 'InternalError' : 'InternalFailure';
  return awsError(r.protocol, code, 'We encountered an internal error. Please try again.', 500);
}

/** The service's access-denied answer for the request's action on `resource`, in IAM's wording. */
export function deniedAnswer(r: Who & Pick<MatchInput, 'operation'>, resource: string): CannedAnswer {
  const action = `${r.service}:${r.operation}`;
  const message = `User: arn:aws:iam::123456789012:user/moto is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;
  if (r.protocol === 'query' || r.protocol === 'rest-xml') return awsError(r.protocol, 'AccessDenied', message, 403);
  if (r.protocol === 'ec2') return awsError(r.protocol, 'UnauthorizedOperation', message, 403);
  return awsError(r.protocol, 'AccessDeniedException', message, r.protocol === 'json' ? 400 : 403);
}

/** "Something still uses it": IAM `DeleteConflict` 409, S3 `BucketNotEmpty` 409, Lambda `ResourceConflictException` 409, else `ResourceInUse` 400. */
export function conflictAnswer(r: Who): CannedAnswer {
  if (r.service === 'iam') return awsError(r.protocol, 'DeleteConflict', 'Cannot delete entity, must detach all policies first.', 409);
  if (r.protocol === 'rest-xml') return awsError(r.protocol, 'BucketNotEmpty', 'The bucket you tried to delete is not empty', 409);
  if (r.service === 'lambda') return awsError(r.protocol, 'ResourceConflictException', 'The operation cannot be performed at this time.', 409);
  return awsError(r.protocol, 'ResourceInUse', 'The resource is in use.', 400);
}

function answerFor(answer: FailAnswer, input: MatchInput): CannedAnswer {
  const a = typeof answer === 'function' ? answer(input) : 'code' in answer ? awsError(input.protocol, answer.code, answer.message, answer.status) : answer;
  // A fault, never a stand-in for what moto answers: the tests must not fake the emulator.
  if (a.status < 400) throw new Error(`the proxy injects faults only: refusing a ${a.status} answer for ${input.operation}`);
  return a;
}

// ---------------------------------------------------------------------------------------------------
// The server

/** Request headers not passed on: per-connection ones, and Expect (the body is already in). */
const DROP_REQUEST = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'expect', 'upgrade']);
/** Response headers Node sets itself for the client connection. */
const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding']);

const now = () => performance.timeOrigin + performance.now();

/** How long a `'drop'` hold waits after release() for a dead client's closed connection to show. */
export const DROP_GRACE_MS = 100;

interface Waiter {
  readonly resolve: (go: 'forward' | 'drop') => void;
  readonly clientGone: () => boolean;
}

interface HoldRule {
  readonly match: Match;
  readonly onClientGone: 'forward' | 'drop';
  active: boolean;
  waiting: Waiter[];
  arrive?: (r: RecordedRequest) => void;
}

interface FaultRule {
  readonly match: Match;
  /** An answer, or `drop-before` / `drop-after` to close the connection without one. */
  readonly answer: FailAnswer | 'drop-before' | 'drop-after';
  readonly kind: FaultKind;
  remaining: number;
  hits: number;
  active: boolean;
}

/** The request names `resource` in its path, query or body (decoded: `RoleName=a%2Fb`, `/bucket`). */
function names(r: MatchInput, resource: string): boolean {
  const decode = (t: string) => {
    try {
      return decodeURIComponent(t.replace(/\+/g, ' '));
    } catch {
      return t;
    }
  };
  return [r.path, r.query, r.body].some((t) => t.includes(resource) || decode(t).includes(resource));
}

/** The whole body, or undefined when the client went away before sending all of it. */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(undefined));
    req.on('close', () => resolve(undefined)); // no effect after 'end'
  });
}

export interface ProxyOptions {
  /**
   * A fixed delay (ms) added to every recorded request before it is forwarded or answered: a stand-in
   * for a real network's round trip (default 0).
   */
  readonly latencyMs?: number;
}

export async function startProxy(target: string, options: ProxyOptions = {}): Promise<Proxy> {
  const upstream = new URL(target);
  const latency = options.latencyMs ?? 0;
  const agent = new Agent({ keepAlive: true });
  const records: RecordedRequest[] = [];
  const holds: HoldRule[] = [];
  const faults: FaultRule[] = [];
  const errors: Error[] = [];
  const sockets = new Set<Socket>();

  /** Sends the request to moto; the answer goes to `res` unless the client has gone (then it is read and dropped). */
  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, rec: RecordedRequest | undefined, gone: () => boolean, cut = false): void {
    const headers: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !DROP_REQUEST.has(k)) headers[k] = v;
    if (body.length > 0 || req.headers['content-length'] !== undefined) headers['content-length'] = body.length;
    const upstreamStart = now();
    const up = httpRequest({ protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent }, (upRes) => {
      const raw: string[] = [];
      for (let i = 0; i < upRes.rawHeaders.length; i += 2) {
        const name = upRes.rawHeaders[i] as string;
        if (!DROP_RESPONSE.has(name.toLowerCase())) raw.push(name, upRes.rawHeaders[i + 1] as string);
      }
      if (rec) {
        rec.status = upRes.statusCode;
        rec.outcome = 'forwarded';
        rec.upstreamMs = now() - upstreamStart;
      }
      if (cut || gone() || res.destroyed || res.writableEnded) {
        upRes.resume();
        upRes.on('end', () => {
          if (rec) rec.end = now();
          // moto has answered (and acted on it): the caller gets no answer at all.
          if (cut) {
            if (rec) rec.outcome = 'cut';
            res.destroy();
          }
        });
        return;
      }
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, raw);
      pipeline(upRes, res, () => rec && (rec.end = now())); // errors here are a closed client socket: ignored
    });
    up.on('error', (err) => {
      errors.push(err);
      if (rec) {
        rec.outcome = 'error';
        rec.status = 502;
        rec.end = now();
      }
      if (!gone() && !res.headersSent && !res.destroyed) res.writeHead(502, { 'content-type': 'text/plain' }).end(`nova proxy: ${err.message}`);
      else res.destroy();
    });
    up.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let clientGone = false;
    const whenGone: (() => void)[] = [];
    res.on('error', () => {}); // writes to a socket the client closed
    res.on('close', () => {
      if (res.writableFinished) return;
      clientGone = true;
      for (const f of whenGone) f();
    });
    const body = await readBody(req);
    if (!body) return; // the client went away before it had sent the whole request
    const gone = () => clientGone;
    const url = req.url ?? '/';
    if (url.startsWith('/moto-api')) return forward(req, res, body, undefined, gone);

    const text = body.toString('utf8');
    const method = req.method ?? 'GET';
    const c = classify({ method, url, headers: req.headers, body: text });
    const q = url.indexOf('?');
    const rec: RecordedRequest = { ...c, method, path: q < 0 ? url : url.slice(0, q), start: now(), end: undefined, status: undefined, outcome: undefined, clientGone };
    whenGone.push(() => (rec.clientGone = true));
    records.push(rec);
    const input: MatchInput = { ...c, method, path: rec.path, start: rec.start, query: q < 0 ? '' : url.slice(q + 1), body: text, headers: req.headers };
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));

    const hold = holds.find((h) => h.active && h.match(input));
    if (hold) {
      const go = await new Promise<'forward' | 'drop'>((resolve) => {
        hold.waiting.push({
          resolve(go) {
            if (go === 'drop') {
              // Recorded at once, so a test sees the outcome as soon as release() returns.
              rec.outcome = 'dropped';
              rec.end = now();
              res.destroy();
            }
            resolve(go);
          },
          clientGone: () => clientGone,
        });
        hold.arrive?.(rec);
        hold.arrive = undefined;
      });
      if (go === 'drop') return;
    }

    const fault = faults.find((f) => f.active && f.match(input));
    if (fault) {
      fault.hits++;
      if (--fault.remaining <= 0) fault.active = false;
      rec.fault = fault.kind;
      if (fault.answer === 'drop-after') return forward(req, res, body, rec, gone, true);
      if (fault.answer === 'drop-before') {
        rec.outcome = 'cut';
        rec.end = now();
        res.destroy();
        return;
      }
      const a = answerFor(fault.answer, input);
      rec.status = a.status;
      rec.outcome = 'injected';
      if (clientGone || res.destroyed) {
        rec.end = now();
        return;
      }
      res.writeHead(a.status, { 'content-length': Buffer.byteLength(a.body ?? ''), ...a.headers });
      res.end(method === 'HEAD' ? undefined : a.body, () => (rec.end = now()));
      return;
    }
    forward(req, res, body, rec, gone);
  }

  function addFault(match: Match, answer: FaultRule['answer'], kind: FaultKind, times: number | undefined): Fault {
    const rule: FaultRule = { match, answer, kind, remaining: times ?? Infinity, hits: 0, active: true };
    faults.push(rule);
    return {
      get hits() {
        return rule.hits;
      },
      remove() {
        rule.active = false;
        const i = faults.indexOf(rule);
        if (i >= 0) faults.splice(i, 1);
      },
    };
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      errors.push(err instanceof Error ? err : new Error(String(err)));
      if (!res.headersSent && !res.destroyed) res.writeHead(500, { 'content-type': 'text/plain' }).end(`nova proxy: ${String(err)}`);
      else res.destroy();
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => [...records],
    mutating: () => records.filter((r) => r.mutating),
    clear: () => void records.splice(0),
    count: (op) => records.filter(typeof op === 'string' ? (r) => r.operation === op : op).length,
    errors: () => [...errors],
    hold(match, options = {}) {
      const rule: HoldRule = { match, onClientGone: options.onClientGone ?? 'forward', active: true, waiting: [] };
      const arrived = new Promise<RecordedRequest>((resolve) => (rule.arrive = resolve));
      holds.push(rule);
      return {
        arrived,
        get count() {
          return rule.waiting.length;
        },
        release() {
          rule.active = false;
          holds.splice(holds.indexOf(rule), 1);
          const waiting = rule.waiting.splice(0);
          if (rule.onClientGone === 'forward') for (const w of waiting) w.resolve('forward');
          else setTimeout(() => waiting.forEach((w) => w.resolve(w.clientGone() ? 'drop' : 'forward')), DROP_GRACE_MS);
        },
      };
    },
    fail: (match, answer, options = {}) => addFault(match, answer, 'fail', options.times),
    throttle(share, options = {}) {
      const pick = seededShare(share, options.seed);
      const match = options.match ?? (() => true);
      return addFault((r) => match(r) && pick(), throttleError, 'throttle', options.times);
    },
    serverError(which, options = {}) {
      const status = options.status ?? 500;
      const pick = typeof which === 'number' ? seededShare(which, options.seed) : which;
      const match = options.match ?? (() => true);
      return addFault((r) => match(r) && pick(r), (r) => serverErrorAnswer(r, status), 'server-error', options.times);
    },
    dropConnection: (match, options = {}) => addFault(match, options.when === 'after' ? 'drop-after' : 'drop-before', 'drop', options.times),
    deny: (operation, resource, options = {}) =>
      addFault((r) => r.operation === operation && names(r, resource), (r) => deniedAnswer(r, resource), 'deny', options.times),
    conflict: (match, options = {}) => addFault(match, conflictAnswer, 'conflict', options.times),
    reads: () => records.filter((r) => !r.mutating),
    injected() {
      const out: Record<FaultKind, number> = { fail: 0, throttle: 0, 'server-error': 0, drop: 0, deny: 0, conflict: 0 };
      for (const r of records) if (r.fault) out[r.fault] += 1;
      return out;
    },
    async stop() {
      for (const h of holds.splice(0)) for (const w of h.waiting.splice(0)) w.resolve('drop');
      faults.splice(0);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      agent.destroy();
    },
  };
}
