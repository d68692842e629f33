import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListInstanceProfilesCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ACCOUNT, clientConfig } from '../../scripts/lib/world.js';
import type { Report } from '../../src/model.js';
import { describeWithMoto, runCli } from './harness.js';

const REGION = 'us-east-1';
const TAG = [{ Key: 'project', Value: 'iam-test' }];
const OTHER = [{ Key: 'project', Value: 'someone-else' }];
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
const policyArn = (nameWithPath: string) => `arn:aws:iam::${ACCOUNT}:policy/${nameWithPath}`;
const TYPES = ['--include-type', 'iam:role', '--include-type', 'iam:policy', '--include-type', 'iam:instance-profile'];

/**
 * IAM policies and instance profiles on moto, with the roles they go with. IAM is never in the Tagging
 * API: these types are always found by their own list + tags calls (no `--discovery` flag needed).
 * moto's DeletePolicy does not refuse an attached policy (AWS does), so the order is checked in the
 * journal: a role that uses a policy is deleted before it, a profile before the role in it.
 */
describeWithMoto('iam:policy and iam:instance-profile on moto', (moto) => {
  let iam: IAMClient;
  let backupDir: string;

  const run = async (extra: string[]) => {
    const r = await runCli(['--tag', 'project=iam-test', '--region', REGION, ...TYPES, '--json', '--backup-dir', backupDir, ...extra], { moto: moto() });
    expect(r.stderr).not.toMatch(/unexpected error/);
    return { ...r, report: JSON.parse(r.stdout) as Report };
  };
  const decisions = (report: Report) => report.resources.map((o) => `${o.type} ${o.name} ${o.status} ${o.rule}${o.status === 'skipped' ? `: ${o.reason ?? ''}` : ''}`).sort();

  /** What is left: each policy with its versions, each role with its policies, each profile with its roles, alice's policies. */
  const world = async () => {
    const policies = await Promise.all(
      ((await iam.send(new ListPoliciesCommand({ Scope: 'Local' }))).Policies ?? []).map(async (p) => {
        const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: p.Arn }))).Versions ?? [];
        return `${p.PolicyName} versions=${versions.length}`;
      }),
    );
    const roles = await Promise.all(
      ((await iam.send(new ListRolesCommand({}))).Roles ?? []).map(async (r) => {
        const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: r.RoleName }))).AttachedPolicies ?? [];
        return `${r.RoleName} [${attached.map((a) => a.PolicyName).join(',')}]`;
      }),
    );
    const profiles = ((await iam.send(new ListInstanceProfilesCommand({}))).InstanceProfiles ?? []).map((p) => `${p.InstanceProfileName} [${(p.Roles ?? []).map((r) => r.RoleName).join(',')}]`);
    const alice = ((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'alice' }))).AttachedPolicies ?? []).map((a) => a.PolicyName ?? '');
    return { policies: policies.sort(), roles: roles.sort(), profiles: profiles.sort(), alice: alice.sort() };
  };

  const role = (RoleName: string, Tags?: typeof TAG) => iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: TRUST, Tags }));
  const policy = async (PolicyName: string, Tags?: typeof TAG, Path?: string) =>
    (await iam.send(new CreatePolicyCommand({ PolicyName, Path, PolicyDocument: doc('s3:GetObject'), Tags }))).Policy?.Arn ?? '';
  const profile = async (InstanceProfileName: string, RoleName?: string, Tags?: typeof TAG) => {
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName, Path: '/ml/', Tags }));
    if (RoleName) await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName, RoleName }));
  };

  beforeEach(async () => {
    await moto().reset();
    iam = new IAMClient(clientConfig(moto().url, REGION));
    backupDir = await mkdtemp(join(tmpdir(), 'nova-iam-'));

    // Deleted: a tagged policy (with an old version) attached to a tagged role.
    const exec = await policy('iam-exec-policy', TAG, '/team/');
    await iam.send(new CreatePolicyVersionCommand({ PolicyArn: exec, PolicyDocument: doc('s3:*'), SetAsDefault: true }));
    await role('iam-exec', TAG);
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'iam-exec', PolicyArn: exec }));
    // Kept: a tagged policy an untagged role is attached to.
    const shared = await policy('iam-shared-policy', TAG);
    await role('iam-untagged-user');
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'iam-untagged-user', PolicyArn: shared }));
    // Protected: a tagged policy attached to an IAM user (no type of this tool).
    const userPolicy = await policy('iam-user-policy', TAG);
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: userPolicy }));
    // Deleted: a tagged instance profile holding a tagged role.
    await role('iam-profile-role', TAG);
    await profile('iam-profile', 'iam-profile-role', TAG);
    // Kept: a tagged role in an untagged instance profile.
    await role('iam-kept-role', TAG);
    await profile('iam-profile-untagged', 'iam-kept-role');
    // Decoys: untagged, another tag value, the same name prefix (tagged with another key).
    await policy('iam-exec-policy-untagged');
    await policy('iam-other-policy', OTHER);
    await policy('iam-exec-policy-copy', [{ Key: 'team', Value: 'iam-test' }]);
    await role('iam-exec-copy', OTHER);
    await profile('iam-profile-other', undefined, OTHER);
    await profile('iam-profile-copy');
  });
  afterEach(() => iam.destroy());

  const KEPT = [
    `iam:policy iam-shared-policy skipped in-use: used by iam:role iam-untagged-user (${REGION}), which stays`,
    'iam:policy iam-user-policy skipped protected: attached to IAM user alice, which this tool does not delete',
    `iam:role iam-kept-role skipped in-use: used by iam:instance-profile iam-profile-untagged (${REGION}), which stays`,
  ];
  const DELETED = ['iam:instance-profile iam-profile', 'iam:policy iam-exec-policy', 'iam:role iam-exec', 'iam:role iam-profile-role'];
  const DECOYS = {
    policies: ['iam-exec-policy-copy versions=1', 'iam-exec-policy-untagged versions=1', 'iam-other-policy versions=1', 'iam-shared-policy versions=1', 'iam-user-policy versions=1'],
    roles: ['iam-exec-copy []', 'iam-kept-role []', 'iam-untagged-user [iam-shared-policy]'],
    profiles: ['iam-profile-copy []', 'iam-profile-other []', 'iam-profile-untagged [iam-kept-role]'],
    alice: ['iam-user-policy'],
  };

  it('--dry-run plans the tagged policy and its role, the tagged profile and its role; keeps what is in use or attached to a user; changes nothing', async () => {
    const before = await world();
    expect(before.policies).toContain('iam-exec-policy versions=2');
    const { code, report } = await run(['--dry-run']);
    expect(code).toBe(0);
    expect(decisions(report)).toEqual([...DELETED.map((d) => `${d} planned delete`), ...KEPT].sort());
    expect(report.resources.find((o) => o.name === 'iam-exec-policy')?.arn).toBe(policyArn('team/iam-exec-policy'));
    expect(await world()).toEqual(before);
  });

  it('--yes deletes the role before its policy and the profile before its role; what is kept and the decoys stay', async () => {
    const { code, report } = await run(['--yes']);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(decisions(report)).toEqual([...DELETED.map((d) => `${d} deleted delete`), ...KEPT].sort());
    expect(await world()).toEqual(DECOYS);

    // The journal: the order moto itself does not enforce (its DeletePolicy takes an attached policy).
    const journal = (await readdir(backupDir)).find((f) => f.endsWith('.journal.ndjson'));
    const steps = (await readFile(join(backupDir, journal ?? 'missing'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { event: string; arn?: string; step?: string; child?: { kind: string; id: string } })
      .filter((e) => e.event === 'step-done')
      .map((e) => `${(e.arn ?? '').split(':').pop() ?? ''} ${e.step ?? ''}${e.child ? ` ${e.child.kind} ${e.child.id}` : ''}`);
    const at = (s: string) => {
      const i = steps.indexOf(s);
      expect(i, `${s} in ${JSON.stringify(steps)}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    expect(at('role/iam-exec detach-policy managed-policy-attachment ' + policyArn('team/iam-exec-policy'))).toBeLessThan(at('role/iam-exec delete'));
    expect(at('role/iam-exec delete')).toBeLessThan(at('policy/team/iam-exec-policy delete-version policy-version v1'));
    expect(at('policy/team/iam-exec-policy delete-version policy-version v1')).toBeLessThan(at('policy/team/iam-exec-policy delete'));
    expect(at('instance-profile/ml/iam-profile remove-role role-membership iam-profile-role')).toBeLessThan(at('instance-profile/ml/iam-profile delete'));
    expect(at('instance-profile/ml/iam-profile delete')).toBeLessThan(at('role/iam-profile-role delete'));
    // By the policy's turn its role was gone: nothing was left to detach.
    expect(steps.filter((s) => s.includes('detach-from-role'))).toEqual([]);
  });

  it('a second run finds nothing more to delete', async () => {
    expect((await run(['--yes'])).code).toBe(0);
    const { code, report } = await run(['--yes']);
    expect(code).toBe(0);
    expect(decisions(report)).toEqual([...KEPT].sort());
  });
});
