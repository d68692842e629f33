import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { sdkPackage } from '../aws/sdk.js';
import { REDACTED } from '../backup/redact.js';
import type { RestoreEntry } from './restorer.js';
import { defined, found, obj, optNum, optStr, restorer, SETTLE_ATTEMPTS } from './restorer.js';

const sdk = () => sdkPackage('@aws-sdk/client-lambda');

const strings = z.array(z.string()).nullish();
const schema = obj({
  Configuration: obj({
    FunctionName: z.string(),
    Runtime: optStr,
    Role: z.string(),
    Handler: optStr,
    Description: optStr,
    Timeout: optNum,
    MemorySize: optNum,
    PackageType: optStr,
    Environment: obj({ Variables: z.record(z.string(), z.string()).nullish() }).nullish(),
    Layers: z.array(obj({ Arn: optStr })).nullish(),
    Architectures: strings,
    EphemeralStorage: obj({ Size: z.number() }).nullish(),
    TracingConfig: obj({ Mode: optStr }).nullish(),
    VpcConfig: obj({ SubnetIds: strings, SecurityGroupIds: strings }).nullish(),
    DeadLetterConfig: obj({ TargetArn: optStr }).nullish(),
    KMSKeyArn: optStr,
    ImageConfigResponse: obj({ ImageConfig: z.record(z.string(), z.unknown()).nullish() }).nullish(),
  }),
  Code: obj({ ImageUri: optStr }).nullish(),
  Concurrency: obj({ ReservedConcurrentExecutions: optNum }).nullish(),
  EventSourceMappings: z
    .array(
      obj({
        EventSourceArn: optStr,
        BatchSize: optNum,
        MaximumBatchingWindowInSeconds: optNum,
        State: optStr,
        StartingPosition: optStr,
        FilterCriteria: z.record(z.string(), z.unknown()).nullish(),
        FunctionResponseTypes: strings,
      }),
    )
    .nullish(),
  Policy: obj({ Statement: z.array(z.unknown()).nullish() }).or(z.string()).nullish(),
  Aliases: z.array(obj({ Name: optStr })).nullish(),
  Versions: z.array(z.unknown()).nullish(),
  FunctionUrlConfig: z.record(z.string(), z.unknown()).nullish(),
});
type Conf = z.infer<typeof schema>;

/** The saved package, checked against the digest the backup recorded. */
async function packageOf(e: RestoreEntry): Promise<Uint8Array> {
  // A package that could not be saved is recorded as an error (named `*` when the download failed).
  const saved = e.files.find((f) => f.name === 'package.zip') ?? e.files.find((f) => 'error' in f);
  if (!saved) throw new Error('the backup holds no deployment package for it');
  if ('error' in saved) throw new Error(`its deployment package was not saved (${saved.error})`);
  let bytes: Buffer;
  try {
    bytes = await readFile(saved.path);
  } catch (err) {
    throw new Error(`cannot read the saved package ${saved.path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  if (createHash('sha256').update(bytes).digest('hex') !== saved.sha256) throw new Error(`the saved package ${saved.path} does not match the digest in the backup`);
  return new Uint8Array(bytes);
}

const list = <T>(xs: readonly T[] | null | undefined): readonly T[] => xs ?? [];

/** The environment variables whose values a `--redact` backup replaced: they must be supplied by hand. */
const redactedVariables = (c: Conf): string[] => Object.entries(c.Configuration.Environment?.Variables ?? {}).flatMap(([k, v]) => (v === REDACTED ? [k] : []));

/**
 * A Lambda function from its saved package (or its image), with its configuration, environment, role
 * and tags; its reserved concurrency and event source mappings. Lambda refuses a role it cannot assume
 * yet (a role just re-created): CreateFunction is retried a few times.
 */
export const lambdaFunctionRestorer = restorer({
  type: 'lambda:function',
  order: 3,
  schema,
  async exists(e, _c, ctx) {
    const { GetFunctionConfigurationCommand } = await sdk();
    const client = await ctx.aws.get('lambda', e.region);
    return found(['ResourceNotFoundException'], () => client.send(new GetFunctionConfigurationCommand({ FunctionName: e.name })));
  },
  lost: (_e, c: Conf) => {
    const out: string[] = [];
    const statements = typeof c.Policy === 'string' ? 1 : list(c.Policy?.Statement).length;
    if (statements) out.push(`its resource-based policy (${statements} statements: who may invoke it)`);
    if (list(c.Versions).length || list(c.Aliases).length) out.push(`published versions (${list(c.Versions).length}) and aliases (${list(c.Aliases).length}): a version cannot be re-published with its number and code`);
    if (c.FunctionUrlConfig) out.push('its function URL');
    const noSource = list(c.EventSourceMappings).filter((m) => !m.EventSourceArn).length;
    if (noSource) out.push(`${noSource} event source mappings without an event source ARN (Kafka, MQ)`);
    const redacted = redactedVariables(c);
    const mappings = list(c.EventSourceMappings).filter((m) => m.EventSourceArn).length;
    if (redacted.length) {
      out.push(
        `environment values were redacted in the backup: set ${redacted.join(', ')} by hand (UpdateFunctionConfiguration)${mappings ? `; its ${mappings} event source mapping${mappings === 1 ? ' is' : 's are'} re-created disabled until then` : ''}`,
      );
    }
    return out;
  },
  async restore(e, c: Conf, ctx) {
    const s = await sdk();
    const client = await ctx.aws.get('lambda', e.region);
    const f = c.Configuration;
    const image = f.PackageType === 'Image';
    const Code = image ? { ImageUri: c.Code?.ImageUri ?? undefined } : { ZipFile: await packageOf(e) };
    // Redacted values are left out (never re-created as the marker), and nothing invokes the function until they are set.
    const redacted = new Set(redactedVariables(c));
    const variables = Object.fromEntries(Object.entries(f.Environment?.Variables ?? {}).filter(([k]) => !redacted.has(k)));
    const vpc = f.VpcConfig && list(f.VpcConfig.SubnetIds).length ? { SubnetIds: [...list(f.VpcConfig.SubnetIds)], SecurityGroupIds: [...list(f.VpcConfig.SecurityGroupIds)] } : undefined;
    const input = {
      FunctionName: f.FunctionName,
      Role: f.Role,
      Code,
      PackageType: image ? ('Image' as const) : ('Zip' as const),
      ...defined({
        Runtime: image ? undefined : (f.Runtime as never),
        Handler: image ? undefined : f.Handler,
        Description: f.Description,
        Timeout: f.Timeout,
        MemorySize: f.MemorySize,
        Environment: Object.keys(variables).length ? { Variables: variables } : undefined,
        Layers: f.Layers?.length ? f.Layers.flatMap((l) => (l.Arn ? [l.Arn] : [])) : undefined,
        Architectures: f.Architectures?.length ? (f.Architectures as never) : undefined,
        EphemeralStorage: f.EphemeralStorage ?? undefined,
        TracingConfig: f.TracingConfig?.Mode ? { Mode: f.TracingConfig.Mode as never } : undefined,
        VpcConfig: vpc,
        DeadLetterConfig: f.DeadLetterConfig?.TargetArn ? { TargetArn: f.DeadLetterConfig.TargetArn } : undefined,
        KMSKeyArn: f.KMSKeyArn,
        ImageConfig: f.ImageConfigResponse?.ImageConfig ?? undefined,
        Tags: Object.keys(e.tags).length ? e.tags : undefined,
      }),
    };
    const settling = await ctx.aws.get('lambda', e.region, { maxAttempts: SETTLE_ATTEMPTS });
    await settling.send(new s.CreateFunctionCommand(input));
    const reserved = c.Concurrency?.ReservedConcurrentExecutions;
    if (typeof reserved === 'number') await client.send(new s.PutFunctionConcurrencyCommand({ FunctionName: f.FunctionName, ReservedConcurrentExecutions: reserved }));
    for (const m of list(c.EventSourceMappings)) {
      if (!m.EventSourceArn) continue;
      await client.send(
        new s.CreateEventSourceMappingCommand({
          FunctionName: f.FunctionName,
          EventSourceArn: m.EventSourceArn,
          Enabled: redacted.size === 0 && m.State !== 'Disabled' && m.State !== 'Disabling',
          ...defined({
            BatchSize: m.BatchSize,
            MaximumBatchingWindowInSeconds: m.MaximumBatchingWindowInSeconds,
            StartingPosition: m.StartingPosition as never,
            FilterCriteria: m.FilterCriteria ?? undefined,
            FunctionResponseTypes: m.FunctionResponseTypes?.length ? (m.FunctionResponseTypes as never) : undefined,
          }),
        }),
      );
    }
  },
});
