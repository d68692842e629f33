import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startProxy, type FailAnswer, type Match, type Proxy } from '../../scripts/lib/proxy.js';
import { BACKUP_FORMAT, BACKUP_VERSION } from '../../src/backup/backup.js';
import { sealPlan } from '../../src/backup/plan-file.js';
import type { PlanDocument } from '../../src/plan/document.js';
import { describeWithMoto, runCli, type CliOptions, type CliResult } from './harness.js';

/**
 * Bad input, end to end: each row is one run of the built CLI through a recording proxy in front of
 * moto. Every row must end with its exit code (2, or 1 where the run itself failed), exactly one error
 * line (`nova-cleanup: ` and what is wrong and what to do), no stack frame, no zod wording, and not a
 * single mutating request.
 */

const MOTO_ACCOUNT = '123456789012';
const OTHER_ACCOUNT = '111111111111';
/** A tag nothing in moto carries: a run that got that far would find nothing. */
const TAG = 'project=bad-input';

interface Ctx {
  /** A folder of the row's own (its AWS config files, backup folders, plan copies). */
  readonly dir: string;
  readonly proxy: Proxy;
  /** A valid plan of MOTO_ACCOUNT in us-east-1 (no items), written by `plan --out`. */
  readonly plan: PlanDocument;
  readonly planText: string;
}

interface Row {
  readonly name: string;
  readonly args: readonly string[] | ((c: Ctx) => readonly string[]);
  readonly env?: Record<string, string | undefined> | ((c: Ctx) => Record<string, string | undefined>);
  readonly setup?: (c: Ctx) => Promise<void>;
  readonly code: 1 | 2;
  /** The one error line, without its `nova-cleanup: ` prefix. */
  readonly line: RegExp;
  /** Add the harness's --assume-absent flags (for a row that gets as far as discovery). */
  readonly assume?: boolean;
}

const NO_KEYS = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined };
const config = (c: Ctx) => join(c.dir, 'aws-config');
const credentials = (c: Ctx) => join(c.dir, 'aws-credentials');
const dry = (...a: string[]) => ['--tag', TAG, ...a, '--dry-run'];
const real = (c: Ctx, ...a: string[]) => ['--tag', TAG, ...a, '--yes', '--backup-dir', join(c.dir, 'backups')];
const backupIn = (dir: string) => ['--tag', TAG, '--yes', '--backup-dir', dir];
const sts: Match = (r) => r.operation === 'GetCallerIdentity';
const failing = (match: Match, answer: FailAnswer) => async (c: Ctx) => {
  c.proxy.fail(match, answer);
};
const writeConfig = (text: string) => async (c: Ctx) => {
  await writeFile(config(c), text);
};
const file = (c: Ctx, name: string) => join(c.dir, name);
/** Folders made immutable (root ignores modes): made mutable again after the file. */
const immutable: string[] = [];

const rows: Row[] = [
  // --tag
  { name: '--tag without its value', args: ['--tag'], code: 2, line: /^option '-t, --tag <Key=Value>' argument missing; see `nova-cleanup --help`$/ },
  { name: 'no --tag at all', args: ['--dry-run'], code: 2, line: /^at least one --tag Key=Value is required: nova-cleanup never deletes untagged resources$/ },
  { name: 'an empty --tag', args: ['--tag', '', '--dry-run'], code: 2, line: /^--tag: "" has no tag key \(use Key=Value, Key=v1,v2 or Key\)$/ },
  { name: 'a tag without a key', args: ['--tag', '=nova', '--dry-run'], code: 2, line: /^--tag: "=nova" has no tag key/ },
  { name: 'a trailing comma', args: ['--tag', 'project=a,', '--dry-run'], code: 2, line: /^--tag: tag project: "a," has an empty value \(a stray comma\?\); to match an empty value, write ""$/ },
  { name: 'an empty value', args: ['--tag', 'project=', '--dry-run'], code: 2, line: /^--tag: tag project has an empty value; to match resources whose project is empty, write project=""; to match any value, write project alone$/ },
  { name: 'a key given twice', args: ['--tag', 'project=a', '--tag', 'project=b', '--dry-run'], code: 2, line: /^--tag: key "project" given twice; list its values once, as project=v1,v2$/ },
  { name: 'a value given twice', args: ['--tag', 'project=a,a', '--dry-run'], code: 2, line: /^--tag: tag project: value "a" is given twice$/ },
  { name: 'whitespace around a key', args: ['--tag', ' project=a', '--dry-run'], code: 2, line: /^--tag: tag key " project" has whitespace around it; remove it/ },
  { name: 'whitespace around a value', args: ['--tag', 'project= a', '--dry-run'], code: 2, line: /^--tag: tag project: value " a" has whitespace around it; remove it/ },
  { name: 'a control character', args: ['--tag', 'project=a\u0007', '--dry-run'], code: 2, line: /^--tag: "project=a\\x07" contains a control character; type the tag again without it$/ },
  { name: 'a newline in a value', args: ['--tag', 'project=no\nva', '--dry-run'], code: 2, line: /^--tag: "project=no\\x0ava" contains a control character/ },
  { name: 'a very long value', args: ['--tag', `project=${'v'.repeat(300)}`, '--dry-run'], code: 2, line: /^--tag: a value of tag project is longer than 256 characters, AWS's limit for a tag value$/ },
  { name: 'a very long key', args: ['--tag', `${'k'.repeat(200)}=v`, '--dry-run'], code: 2, line: /^--tag: tag key "k{20}\.\.\." is longer than 128 characters, AWS's limit for a tag key$/ },
  { name: 'more than 20 values', args: ['--tag', `project=${Array.from({ length: 21 }, (_, i) => `v${i}`).join(',')}`, '--dry-run'], code: 2, line: /^--tag: tag project has more than 20 values \(the Tagging API's limit\)$/ },

  // --region
  { name: 'an unknown region', args: dry('--region', 'us-east-7'), code: 2, line: /^unknown region "us-east-7" \(not in the AWS SDK's region list\); check --region or AWS_REGION$/ },
  { name: 'a region in capitals', args: dry('--region', 'US-EAST-1'), code: 2, line: /^unknown region "US-EAST-1"/ },
  { name: 'a stray comma in --region', args: dry('--region', 'us-east-1,'), code: 2, line: /^--region: an empty region \(a stray comma\?\)$/ },
  { name: '--region all', args: dry('--region', 'all'), code: 2, line: /^--region all is not a region; use --all-regions for every region enabled for the account$/ },
  { name: '--region all beside us-east-1', args: dry('--region', 'us-east-1,all'), code: 2, line: /^--region all is not a region; use --all-regions/ },
  { name: '--all-regions with --region', args: dry('--all-regions', '--region', 'us-east-1'), code: 2, line: /^--all-regions and --region contradict each other; choose one$/ },
  { name: 'an unknown AWS_REGION', args: dry(), env: { AWS_REGION: 'mars-east-1' }, code: 2, line: /^unknown region "mars-east-1" \(from AWS_REGION; not in the AWS SDK's region list\): correct it, or pass --region$/ },
  { name: 'an unknown AWS_DEFAULT_REGION', args: dry(), env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: 'nowhere-1' }, code: 2, line: /^unknown region "nowhere-1" \(from AWS_DEFAULT_REGION;/ },
  {
    name: 'no region anywhere',
    args: dry(),
    env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined },
    code: 2,
    line: /^no region: pass --region \(repeatable or comma-separated\) or --all-regions, or set AWS_REGION, AWS_DEFAULT_REGION or the region of profile default in \S+aws-config \(AWS_CONFIG_FILE\)$/,
  },

  // types
  { name: 'a misspelt type', args: dry('--include-type', 'sagemaker:endpont'), code: 2, line: /^unknown type "sagemaker:endpont" \(--include-type\); did you mean sagemaker:endpoint\? `nova-cleanup types` lists every type$/ },
  { name: 'a service that has no type', args: dry('--exclude-type', 'ec2:*'), code: 2, line: /^unknown type "ec2:\*" \(--exclude-type\); no supported type is of service ec2 \(the services: sagemaker, .*\); `nova-cleanup types` lists every type$/ },
  { name: 'a type its service lacks', args: dry('--include-type', 'sagemaker:notebook'), code: 2, line: /^unknown type "sagemaker:notebook" \(--include-type\); sagemaker has no such type; `nova-cleanup types`/ },
  { name: 'a type without its service', args: dry('--include-type', 'endpoint'), code: 2, line: /^--include-type "endpoint": must look like service:type or service:\*$/ },
  { name: 'a misspelt --assume-absent', args: dry('--assume-absent', 'lambda:funtion'), code: 2, line: /^unknown type "lambda:funtion" \(--assume-absent\); did you mean lambda:function\?/ },
  { name: 'a misspelt --expect-count type', args: dry('--expect-count', 's3:buckets=1'), code: 2, line: /^--expect-count "s3:buckets=1": unknown type "s3:buckets"; did you mean s3:bucket\? see `nova-cleanup types`$/ },

  // option values and conflicting flags
  { name: '--interactive with --yes', args: (c) => real(c, '--interactive'), code: 2, line: /^--interactive and --yes contradict each other; choose one$/ },
  { name: 'an account both allowed and blocked', args: dry('--allow-account', MOTO_ACCOUNT, '--block-account', MOTO_ACCOUNT), code: 2, line: /^--allow-account and --block-account both name 123456789012; choose one$/ },
  { name: '--expect-count above --max-resources', args: dry('--expect-count', '5', '--max-resources', '3'), code: 2, line: /^--expect-count 5 is more than --max-resources 3: no plan could pass both$/ },
  { name: '--expect-count total twice', args: dry('--expect-count', '1', '--expect-count', '2'), code: 2, line: /^--expect-count "2": the total is given twice$/ },
  { name: '--wait-timeout not a number', args: dry('--wait-timeout', 'soon'), code: 2, line: /^--wait-timeout "soon": must be a number of seconds$/ },
  { name: '--wait-timeout 0', args: dry('--wait-timeout', '0'), code: 2, line: /^--wait-timeout "0": must be at least 1$/ },
  { name: '--wait-timeout 1.5', args: dry('--wait-timeout', '1.5'), code: 2, line: /^--wait-timeout "1.5": must be a whole number of seconds$/ },
  { name: '--max-resources 0', args: dry('--max-resources', '0'), code: 2, line: /^--max-resources "0": must be a whole number of resources, at least 1 \(use --dry-run to delete nothing\)$/ },
  { name: '--max-resources not a number', args: dry('--max-resources', 'ten'), code: 2, line: /^--max-resources "ten": must be a whole number/ },
  { name: 'a short --account', args: dry('--account', '12345'), code: 2, line: /^--account "12345": must be a 12-digit AWS account id$/ },
  { name: 'an --endpoint-url that is not http', args: dry('--endpoint-url', 'ftp://127.0.0.1:1'), code: 2, line: /^--endpoint-url "ftp:\/\/127.0.0.1:1": must be an http\(s\) URL$/ },
  { name: 'an empty --profile', args: dry('--profile', ''), code: 2, line: /^--profile "": must not be empty$/ },
  { name: 'an unknown --discovery', args: dry('--discovery', 'sometimes'), code: 2, line: /^option '--discovery <how>' argument 'sometimes' is invalid\. Allowed choices are tagging, list, both; see `nova-cleanup --help`$/ },
  { name: 'an unknown option', args: dry('--bogus'), code: 2, line: /^unknown option '--bogus'; see `nova-cleanup --help`$/ },
  { name: 'a misspelt option', args: ['--tga', TAG, '--dry-run'], code: 2, line: /^unknown option '--tga' \(did you mean --tag\?\) see `nova-cleanup --help`$/ },
  { name: 'an option of another command', args: ['apply', 'plan.json', '--tag', TAG], code: 2, line: /^unknown option '--tag'; see `nova-cleanup apply --help`$/ },
  { name: 'a misspelt command', args: ['aply', 'plan.json'], code: 2, line: /^unexpected argument "aply": not a command \(plan, apply, resume, restore, tag, types, policy, config, help\); did you mean apply\? see `nova-cleanup --help`$/ },
  { name: 'apply without its plan', args: ['apply'], code: 2, line: /^missing required argument 'plan'; see `nova-cleanup apply --help`$/ },
  { name: 'a delete with no terminal and no --yes', args: (c) => ['--tag', TAG, '--backup-dir', file(c, 'backups')], code: 2, line: /^refusing to delete without confirmation: no terminal to ask in; pass --yes \(or --dry-run to look\)$/ },
  { name: 'tag without a name to look for', args: ['tag', '--tag', TAG, '--dry-run'], code: 2, line: /^tag: give at least one --name-prefix, or --preset nova$/ },
  { name: 'an unknown --preset', args: ['tag', '--preset', 'forge', '--tag', TAG, '--dry-run'], code: 2, line: /^option '--preset <name>' argument 'forge' is invalid\. Allowed choices are nova; see `nova-cleanup tag --help`$/ },

  // --backup-dir
  {
    name: 'a backup dir that is a file',
    args: (c) => backupIn(file(c, 'a-file')),
    setup: async (c) => writeFile(file(c, 'a-file'), 'x'),
    code: 2,
    line: /^--backup-dir \S+\/a-file is a file, not a folder; give a folder \(one that does not exist is created\)$/,
  },
  {
    name: 'a backup dir below a file',
    args: (c) => backupIn(join(file(c, 'a-file'), 'backups')),
    setup: async (c) => writeFile(file(c, 'a-file'), 'x'),
    code: 2,
    line: /^--backup-dir \S+\/a-file\/backups: cannot be used \(ENOTDIR: a part of the path is a file\); choose a folder you can write to$/,
  },
  {
    name: 'a backup dir that is a symlink',
    args: (c) => backupIn(file(c, 'link')),
    setup: async (c) => {
      await mkdir(file(c, 'real'), { mode: 0o700 });
      await symlink(file(c, 'real'), file(c, 'link'));
    },
    code: 2,
    line: /^--backup-dir \S+\/link is a symbolic link; give the real folder \(links are never followed\)$/,
  },
  { name: 'a backup dir on /proc', args: backupIn('/proc/self/nova-backups'), code: 2, line: /^--backup-dir \/proc\/self\/nova-backups is on a proc filesystem, which cannot hold a backup; choose a folder on a disk$/ },
  {
    name: 'a backup dir others can write to',
    args: (c) => backupIn(file(c, 'open')),
    setup: async (c) => {
      await mkdir(file(c, 'open'));
      await chmod(file(c, 'open'), 0o777);
    },
    code: 2,
    line: /^--backup-dir \S+\/open can be written by others \(mode 777\); choose a folder only you can write to, or chmod go-w it$/,
  },
  {
    name: 'an unwritable backup dir',
    args: (c) => backupIn(file(c, 'locked')),
    setup: async (c) => {
      const dir = file(c, 'locked');
      await mkdir(dir, { mode: 0o700 });
      if (process.getuid?.() === 0) {
        // root writes through any mode: an immutable folder is one it cannot write in.
        execFileSync('chattr', ['+i', dir]);
        immutable.push(dir);
      } else {
        await chmod(dir, 0o500);
      }
    },
    code: 2,
    line: /^--backup-dir \S+\/locked: cannot write in it \((EACCES|EPERM)\); choose a folder you can write to$/,
  },

  // profiles and credentials
  {
    name: 'an unknown --profile',
    args: dry('--profile', 'nope'),
    setup: writeConfig('[profile cleanup]\nregion = us-east-1\n'),
    env: NO_KEYS,
    code: 2,
    line: /^profile "nope" \(--profile\) is not in \S+\/aws-config \(AWS_CONFIG_FILE\) nor in \S+\/aws-credentials \(AWS_SHARED_CREDENTIALS_FILE\); check its name \(`aws configure list-profiles` lists them\) or create it with `aws configure --profile nope`$/,
  },
  {
    name: 'an unknown AWS_PROFILE',
    args: dry(),
    env: { ...NO_KEYS, AWS_REGION: undefined, AWS_PROFILE: 'nope' },
    code: 2,
    line: /^profile "nope" \(AWS_PROFILE\) is not in \S+\/aws-config \(AWS_CONFIG_FILE\) nor in /,
  },
  {
    name: 'no credentials at all',
    args: dry(),
    env: NO_KEYS,
    code: 2,
    line: /^no AWS credentials found \(not in the environment, \S+ \(AWS_SHARED_CREDENTIALS_FILE\), \S+ \(AWS_CONFIG_FILE\) or the instance metadata\): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --profile$/,
  },
  {
    name: 'a profile with no keys',
    args: dry('--profile', 'empty'),
    setup: writeConfig('[profile empty]\nregion = us-east-1\n'),
    env: NO_KEYS,
    code: 2,
    line: /^profile empty has no credentials: neither \S+\/aws-credentials \(AWS_SHARED_CREDENTIALS_FILE\) nor \S+\/aws-config \(AWS_CONFIG_FILE\) gives it keys, a credential_process, an SSO session or a role; add them \(`aws configure --profile empty`\)$/,
  },
  {
    name: 'a credential_process that fails',
    args: dry('--profile', 'proc'),
    setup: writeConfig(`[profile proc]\nregion = us-east-1\ncredential_process = ${process.execPath} -e "process.exit(3)"\n`),
    env: NO_KEYS,
    code: 2,
    line: /^profile proc: its credential_process \(.* -e "process\.exit\(3\)"\) gave no credentials; run that command yourself to see why$/,
  },
  {
    name: 'an SSO profile never logged in',
    args: dry('--profile', 'dev'),
    setup: writeConfig(
      '[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\nregion = us-east-1\n\n[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n',
    ),
    env: (c) => ({ ...NO_KEYS, HOME: c.dir }),
    code: 2,
    line: /^the SSO session of profile dev has expired or was never started \(no valid cached token\): run `aws sso login --profile dev`, then run again$/,
  },
  {
    name: 'expired credentials',
    args: dry(),
    setup: failing(sts, { code: 'ExpiredToken', message: 'The security token included in the request is expired', status: 403 }),
    code: 2,
    line: /^the AWS credentials of the environment \(AWS_ACCESS_KEY_ID \/ AWS_SECRET_ACCESS_KEY\) have expired \(ExpiredToken\): get new ones \(a new AWS_SESSION_TOKEN\) and run again$/,
  },
  {
    name: 'an unknown access key',
    args: dry(),
    setup: failing(sts, { code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.', status: 403 }),
    code: 2,
    line: /^AWS refused the credentials of the environment \(AWS_ACCESS_KEY_ID \/ AWS_SECRET_ACCESS_KEY\) \(InvalidClientTokenId\): the access key is unknown or the secret is wrong; check them, or use another profile$/,
  },
  {
    name: 'a wrong secret key',
    args: dry(),
    setup: failing(sts, { code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.', status: 403 }),
    code: 2,
    line: /^AWS refused the credentials .* \(SignatureDoesNotMatch\)/,
  },
  { name: 'the wrong account', args: dry('--account', OTHER_ACCOUNT), code: 2, line: /^account guard: the credentials belong to account 123456789012, not 111111111111 \(--account\); nothing was done$/ },
  { name: 'a blocked account', args: dry('--block-account', MOTO_ACCOUNT), code: 2, line: /^account guard: account 123456789012 is blocked \(--block-account\); nothing was done$/ },
  { name: 'an account not allowed', args: dry('--allow-account', OTHER_ACCOUNT), code: 2, line: /^account guard: .*123456789012.*--allow-account/ },
  {
    name: 'access denied on discovery',
    args: dry(),
    assume: true,
    setup: failing((r) => r.operation === 'GetResources', { code: 'AccessDeniedException', message: 'User is not authorized to perform: tag:GetResources', status: 400 }),
    code: 2,
    line: /^discovery failed in us-east-1 \(Resource Groups Tagging API GetResources\): AccessDeniedException: User is not authorized to perform: tag:GetResources/,
  },

  // plan files
  { name: 'apply a plan that is not there', args: (c) => ['apply', file(c, 'missing.json'), '--yes'], code: 2, line: /^cannot read the plan \S+\/missing\.json \(ENOENT: no such file\); give the file `nova-cleanup plan --out` wrote$/ },
  {
    name: 'apply a truncated plan',
    args: (c) => ['apply', file(c, 'plan.json'), '--yes', '--backup-dir', file(c, 'backups')],
    setup: async (c) => writeFile(file(c, 'plan.json'), c.planText.slice(0, Math.floor(c.planText.length / 2))),
    code: 2,
    line: /^\S+\/plan\.json is not valid JSON \(truncated or edited\?\); make a new plan with `nova-cleanup plan --out`$/,
  },
  {
    name: 'apply an edited plan',
    args: (c) => ['apply', file(c, 'plan.json'), '--yes', '--backup-dir', file(c, 'backups')],
    setup: async (c) => writeFile(file(c, 'plan.json'), JSON.stringify({ ...c.plan, regions: ['us-east-1', 'us-west-2'] })),
    code: 2,
    line: /^\S+\/plan\.json was changed after it was made \(its digest does not match its content\); make a new plan with `nova-cleanup plan --out`$/,
  },
  {
    name: 'apply a plan of another account',
    args: (c) => ['apply', file(c, 'plan.json'), '--yes', '--backup-dir', file(c, 'backups')],
    setup: async (c) => {
      const { digest: _d, ...rest } = c.plan;
      await writeFile(file(c, 'plan.json'), JSON.stringify(sealPlan({ ...rest, account: OTHER_ACCOUNT })));
    },
    code: 2,
    line: /^\S+\/plan\.json was made for account 111111111111; these credentials belong to 123456789012; refused$/,
  },
  {
    name: 'apply a file that is not a plan',
    args: (c) => ['apply', file(c, 'plan.json'), '--yes'],
    setup: async (c) => writeFile(file(c, 'plan.json'), '{"hello": "world"}\n'),
    code: 2,
    line: /^\S+\/plan\.json is not a nova-cleanup plan \(format: is missing\); give a file written by `nova-cleanup plan --out`$/,
  },
  {
    name: 'apply a backup instead of its plan',
    args: (c) => ['apply', file(c, 'run.json'), '--yes'],
    setup: async (c) => writeBackupOf(c, 'run-1'),
    code: 2,
    line: /^\S+\/run\.json is not a nova-cleanup plan \(format: must be "nova-cleanup-plan"\); give a file written by `nova-cleanup plan --out`$/,
  },
  {
    name: 'apply a plan to other regions',
    args: (c) => ['apply', file(c, 'plan.json'), '--yes', '--region', 'eu-west-1', '--backup-dir', file(c, 'backups')],
    setup: async (c) => writeFile(file(c, 'plan.json'), c.planText),
    code: 2,
    line: /^--region eu-west-1: the plan covers us-east-1 only; make a new plan for other regions$/,
  },

  // resume
  {
    name: 'resume a corrupted journal',
    args: (c) => ['resume', file(c, 'run.journal.ndjson'), '--yes'],
    setup: async (c) => {
      await writeBackupOf(c, 'run-1');
      await writeFile(file(c, 'run.journal.ndjson'), `${journalLine('run-1')}{"at": "2026-01-01T00:00:00Z", "runId": "run-1", "event": "exploded"}\n`);
    },
    code: 2,
    line: /^\S+\/run\.journal\.ndjson line 2 is not a journal event \(the journal is corrupted\); it cannot be resumed from: run the cleanup again instead \(it finds what is left\)$/,
  },
  {
    name: 'resume a journal that mixes two runs',
    args: (c) => ['resume', file(c, 'run.journal.ndjson'), '--yes'],
    setup: async (c) => {
      await writeBackupOf(c, 'run-1');
      await writeFile(file(c, 'run.journal.ndjson'), journalLine('run-1') + journalLine('run-2'));
    },
    code: 2,
    line: /^\S+\/run\.journal\.ndjson line 2 belongs to another run \(run-2, not run-1\); the journal is corrupted: run the cleanup again instead/,
  },
  {
    name: 'resume a journal without its backup',
    args: (c) => ['resume', file(c, 'run.journal.ndjson'), '--yes'],
    setup: async (c) => writeFile(file(c, 'run.journal.ndjson'), journalLine('run-1')),
    code: 2,
    line: /^no backup beside the journal \(\S+\/run\.json\); resume needs both$/,
  },
];

function journalLine(runId: string): string {
  return JSON.stringify({ at: '2026-01-01T00:00:00.000Z', runId, event: 'run-started', command: 'clean', items: 0 }) + '\n';
}

async function writeBackupOf(c: Ctx, runId: string): Promise<void> {
  const backup = { format: BACKUP_FORMAT, version: BACKUP_VERSION, runId, createdAt: c.plan.createdAt, redacted: false, plan: c.plan, resources: [] };
  await writeFile(file(c, 'run.json'), JSON.stringify(backup), { mode: 0o600 });
}

/** runCli, pointed at the row's proxy. */
function run(args: readonly string[], opts: CliOptions & { endpoint: string }): Promise<CliResult> {
  return runCli(args, opts);
}

const errorLines = (stderr: string): string[] => stderr.split('\n').filter((l) => /^(nova-cleanup: |error: )/.test(l));

describeWithMoto('bad input: one line, the right exit code, nothing changed', (moto) => {
  let base: string;
  let plan: PlanDocument;
  let planText: string;
  // A few runs at a time: the machine has two cores.
  const limit = pLimit(3);

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'nova-bad-input-'));
    const out = join(base, 'plan.json');
    const r = await runCli(['plan', '--tag', TAG, '--region', 'us-east-1', '--out', out], { moto: moto() });
    expect(r.code, r.stderr).toBe(0);
    planText = await readFile(out, 'utf8');
    plan = JSON.parse(planText) as PlanDocument;
    expect(plan.account).toBe(MOTO_ACCOUNT);
  });

  afterAll(async () => {
    for (const dir of immutable) execFileSync('chattr', ['-i', dir]);
    if (base) await rm(base, { recursive: true, force: true });
  });

  it('has at least 40 rows, each with its own name', () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  });

  for (const row of rows) {
    it.concurrent(row.name, async () => {
      const result = await limit(async () => {
        const dir = await mkdtemp(join(base, 'row-'));
        const proxy = await startProxy(moto().url);
        try {
          const c: Ctx = { dir, proxy, plan, planText };
          await row.setup?.(c);
          const args = typeof row.args === 'function' ? row.args(c) : row.args;
          const env = typeof row.env === 'function' ? row.env(c) : row.env;
          const r = await run(args, {
            endpoint: proxy.url,
            assumeAbsent: row.assume === true,
            // The machine's own ~/.aws never takes part: each row has its own (missing unless the row writes it).
            env: { AWS_CONFIG_FILE: config(c), AWS_SHARED_CREDENTIALS_FILE: credentials(c), ...env },
          });
          return { ...r, mutating: proxy.mutating().map((m) => `${m.service}:${m.operation}`), proxyErrors: proxy.errors() };
        } finally {
          await proxy.stop();
        }
      });
      const lines = errorLines(result.stderr);
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0]?.startsWith('nova-cleanup: '), result.stderr).toBe(true);
      expect(lines[0]?.slice('nova-cleanup: '.length)).toMatch(row.line);
      expect(result.code, result.stderr).toBe(row.code);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(result.stderr).not.toMatch(/expected \w+, received|Invalid input|NaN/);
      expect(result.mutating).toEqual([]);
      expect(result.proxyErrors).toEqual([]);
    });
  }
});
