import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AwsClients, configuredEndpoint, SERVICE_IDS, type ServiceName } from '../../src/aws/clients.js';
import { NovaError } from '../../src/errors.js';
import { callerIdentity, checkProfile, identityProblem } from '../../src/preflight/identity.js';
import { homeRegion } from '../../src/run/session.js';

/** Fresh shared files (each test its own paths: the SDK caches what it read per path) and HOME beside them. */
async function awsFiles(config: string, credentials = ''): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nova-profile-'));
  await writeFile(join(dir, 'config'), config);
  await writeFile(join(dir, 'credentials'), credentials);
  vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'config'));
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'credentials'));
  vi.stubEnv('HOME', dir);
  return dir;
}

/** No variable of the environment speaks for the run: what it gets comes from the files. */
function noAwsEnv(): void {
  for (const v of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_STS', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS']) {
    vi.stubEnv(v, undefined);
  }
}

async function rejection(p: Promise<unknown>): Promise<NovaError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(NovaError);
    return err as NovaError;
  }
  throw new Error('expected a NovaError, nothing was thrown');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

const SSO_CONFIG = `[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Admin
region = eu-west-1

[profile legacy]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = Admin

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
`;

describe('SSO profiles', () => {
  it.each([
    ['dev', 'an sso-session profile'],
    ['legacy', 'a legacy sso_start_url profile'],
  ])('%s (%s) is accepted; without a cached token, one line says to run aws sso login', async (name) => {
    noAwsEnv();
    await awsFiles(SSO_CONFIG);
    await expect(checkProfile(name)).resolves.toBeUndefined();
    // Nothing is listening there: the failure must come from the missing token, before any request.
    const aws = new AwsClients({ profile: name, endpoint: 'http://127.0.0.1:1' });
    try {
      const err = await rejection(callerIdentity(aws, 'us-east-1'));
      expect(err.exitCode).toBe(2);
      expect(err.message).toBe(`the SSO session of profile ${name} has expired or was never started (no valid cached token): run \`aws sso login --profile ${name}\`, then run again`);
      expect(err.message).not.toContain('\n');
    } finally {
      await aws.destroy();
    }
  });

  it('the same profile through AWS_PROFILE says the same', async () => {
    noAwsEnv();
    await awsFiles(SSO_CONFIG);
    vi.stubEnv('AWS_PROFILE', 'dev');
    await expect(checkProfile(undefined)).resolves.toBeUndefined();
    const aws = new AwsClients({ endpoint: 'http://127.0.0.1:1' });
    try {
      expect((await rejection(callerIdentity(aws, 'us-east-1'))).message).toMatch(/^the SSO session of profile dev has expired .*`aws sso login --profile dev`/);
    } finally {
      await aws.destroy();
    }
  });
});

describe('checkProfile', () => {
  it('names the files a missing profile is not in, as the environment names them', async () => {
    noAwsEnv();
    const dir = await awsFiles('[profile cleanup]\nregion = us-east-1\n');
    expect((await rejection(checkProfile('nope'))).message).toBe(
      `profile "nope" (--profile) is not in ${join(dir, 'config')} (AWS_CONFIG_FILE) nor in ${join(dir, 'credentials')} (AWS_SHARED_CREDENTIALS_FILE); check its name (\`aws configure list-profiles\` lists them) or create it with \`aws configure --profile nope\``,
    );
    vi.stubEnv('AWS_CONFIG_FILE', undefined);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', undefined);
    vi.stubEnv('AWS_PROFILE', 'gone');
    expect((await rejection(checkProfile(undefined))).message).toMatch(/^profile "gone" \(AWS_PROFILE\) is not in ~\/\.aws\/config nor in ~\/\.aws\/credentials;/);
  });

  it('accepts a profile of the credentials file alone, and no profile at all', async () => {
    noAwsEnv();
    await awsFiles('', '[keys-only]\naws_access_key_id = a\naws_secret_access_key = b\n');
    await expect(checkProfile('keys-only')).resolves.toBeUndefined();
    await expect(checkProfile(undefined)).resolves.toBeUndefined();
  });
});

describe('configuredEndpoint: the endpoint of the profile in use, as the SDK reads it', () => {
  const CONFIG = `[profile emu]
endpoint_url = http://127.0.0.1:4566
services = local

[profile other]
endpoint_url = http://127.0.0.1:7777

[profile ignoring]
endpoint_url = http://127.0.0.1:4566
ignore_configured_endpoint_urls = true

[services local]
s3 =
  endpoint_url = http://127.0.0.1:9000
resource_groups_tagging_api =
  endpoint_url = http://127.0.0.1:9001
`;

  it('--profile (else AWS_PROFILE) picks the profile; a services section wins for its services', async () => {
    noAwsEnv();
    await awsFiles(CONFIG);
    expect(await configuredEndpoint('sts', 'emu')).toBe('http://127.0.0.1:4566');
    expect(await configuredEndpoint('s3', 'emu')).toBe('http://127.0.0.1:9000');
    expect(await configuredEndpoint('tagging', 'emu')).toBe('http://127.0.0.1:9001');
    expect(await configuredEndpoint('sts', undefined)).toBeUndefined();
    vi.stubEnv('AWS_PROFILE', 'other');
    expect(await configuredEndpoint('sts', undefined)).toBe('http://127.0.0.1:7777');
    expect(await configuredEndpoint('sts', 'emu')).toBe('http://127.0.0.1:4566');
  });

  it('the environment wins (the service variable first); ignore_configured_endpoint_urls turns them all off', async () => {
    noAwsEnv();
    await awsFiles(CONFIG);
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:1111');
    vi.stubEnv('AWS_ENDPOINT_URL_S3', 'http://127.0.0.1:2222');
    expect(await configuredEndpoint('s3', 'emu')).toBe('http://127.0.0.1:2222');
    expect(await configuredEndpoint('sts', 'emu')).toBe('http://127.0.0.1:1111');
    expect(await configuredEndpoint('sts', 'ignoring')).toBeUndefined();
    vi.stubEnv('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', 'true');
    expect(await configuredEndpoint('sts', 'emu')).toBeUndefined();
  });

  it("a client for --profile gets the profile's endpoint, S3 path-style; with none configured it ignores AWS_PROFILE's", async () => {
    noAwsEnv();
    await awsFiles(CONFIG);
    const aws = new AwsClients({ profile: 'emu' });
    try {
      const s3 = await aws.get('s3', 'us-east-1');
      expect(s3.config.forcePathStyle).toBe(true);
      expect(await s3.config.endpoint?.()).toMatchObject({ hostname: '127.0.0.1', port: 9000 });
    } finally {
      await aws.destroy();
    }
    expect(new AwsClients({ profile: 'plain' }).configFor('sts', 'us-east-1', 3)).toMatchObject({ profile: 'plain', ignoreConfiguredEndpointUrls: true });
    expect(new AwsClients({ profile: 'emu' }).configFor('s3', 'us-east-1', 3, 'http://127.0.0.1:9000')).toMatchObject({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
  });

  it("SERVICE_IDS are the SDK clients' own service ids", async () => {
    const aws = new AwsClients({ endpoint: 'http://127.0.0.1:1' });
    try {
      for (const [service, id] of Object.entries(SERVICE_IDS)) {
        const client = (await aws.get(service as ServiceName, 'us-east-1')) as unknown as { config: { serviceId: string } };
        expect(client.config.serviceId, service).toBe(id);
      }
    } finally {
      await aws.destroy();
    }
  });

  it('every client shares one credential provider: a credential_process runs once for all', async () => {
    noAwsEnv();
    const dir = await mkdtemp(join(tmpdir(), 'nova-process-'));
    const script = join(dir, 'creds.mjs');
    await writeFile(
      script,
      `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(join(dir, 'runs'))}, 'run\\n');\nprocess.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: 'from-process', SecretAccessKey: 's' }));\n`,
    );
    await awsFiles(`[profile proc]\nregion = us-east-1\ncredential_process = ${process.execPath} ${script}\n`);
    const aws = new AwsClients({ profile: 'proc', endpoint: 'http://127.0.0.1:1' });
    try {
      const keys = [];
      for (const [service, region] of [['sts', 'us-east-1'], ['s3', 'eu-west-1'], ['iam', 'us-east-1'], ['sagemaker', 'us-west-2']] as const) {
        const client = (await aws.get(service, region)) as unknown as { config: { credentials: () => Promise<{ accessKeyId: string }> } };
        keys.push((await client.config.credentials()).accessKeyId);
      }
      expect(keys).toEqual(['from-process', 'from-process', 'from-process', 'from-process']);
      expect((await readFile(join(dir, 'runs'), 'utf8')).split('\n').filter(Boolean)).toHaveLength(1);
    } finally {
      await aws.destroy();
    }
  });
});

describe('homeRegion: as the AWS CLI finds it', () => {
  it('AWS_REGION, then AWS_DEFAULT_REGION, then the profile', async () => {
    noAwsEnv();
    await awsFiles('[profile p]\nregion = ap-south-1\n[default]\nregion = sa-east-1\n');
    expect(await homeRegion('p')).toBe('ap-south-1');
    expect(await homeRegion(undefined)).toBe('sa-east-1');
    vi.stubEnv('AWS_DEFAULT_REGION', 'eu-central-1');
    expect(await homeRegion('p')).toBe('eu-central-1');
    vi.stubEnv('AWS_REGION', 'us-west-2');
    expect(await homeRegion('p')).toBe('us-west-2');
  });

  it('none, or an unknown one, is one line naming where it came from', async () => {
    noAwsEnv();
    const dir = await awsFiles('[profile p]\noutput = json\n');
    expect((await rejection(homeRegion('p'))).message).toBe(
      `no region: pass --region (repeatable or comma-separated) or --all-regions, or set AWS_REGION, AWS_DEFAULT_REGION or the region of profile p in ${join(dir, 'config')} (AWS_CONFIG_FILE)`,
    );
    vi.stubEnv('AWS_DEFAULT_REGION', 'eu-middle-9');
    expect((await rejection(homeRegion('p'))).message).toBe('unknown region "eu-middle-9" (from AWS_DEFAULT_REGION; not in the AWS SDK\'s region list): correct it, or pass --region');
  });
});

describe('identityProblem: one line that says what to do', () => {
  const sdkError = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: 403 }, ...extra });

  it.each([
    [sdkError('ExpiredToken'), undefined, /^the AWS credentials of the environment \(AWS_ACCESS_KEY_ID \/ AWS_SECRET_ACCESS_KEY\) have expired \(ExpiredToken\): get new ones \(a new AWS_SESSION_TOKEN\) and run again$/],
    [sdkError('ExpiredTokenException'), 'dev', /^the AWS credentials of profile dev have expired \(ExpiredTokenException\): get new ones \(`aws sso login --profile dev` for an SSO profile\)/],
    [sdkError('InvalidClientTokenId'), undefined, /^AWS refused the credentials of the environment .* \(InvalidClientTokenId\): the access key is unknown or the secret is wrong/],
    [sdkError('SignatureDoesNotMatch'), 'ci', /^AWS refused the credentials of profile ci \(SignatureDoesNotMatch\)/],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), undefined, /^cannot reach STS at http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\): check --endpoint-url \/ AWS_ENDPOINT_URL and the network$/],
  ])('%s (profile %s)', async (err, profile, line) => {
    noAwsEnv();
    await awsFiles('[profile dev]\nregion = us-east-1\n[profile ci]\nregion = us-east-1\n');
    expect(await identityProblem(err, profile, 'http://127.0.0.1:1')).toMatch(line);
  });

  it('no credentials anywhere names where they were looked for', async () => {
    noAwsEnv();
    const dir = await awsFiles('');
    const err = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    expect(await identityProblem(err, undefined, undefined)).toBe(
      `no AWS credentials found (not in the environment, ${join(dir, 'credentials')} (AWS_SHARED_CREDENTIALS_FILE), ${join(dir, 'config')} (AWS_CONFIG_FILE) or the instance metadata): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --profile`,
    );
  });
});
