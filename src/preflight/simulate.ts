import pLimit from 'p-limit';
import { sdkPackage } from '../aws/sdk.js';
import { parseArn } from '../aws/arn.js';
import type { AwsClients } from '../aws/clients.js';
import { describeError, isAccessDenied } from '../aws/errors.js';
import type { DeniedAction, Identity, SimulationResult } from '../model.js';
import type { ActionNeed } from '../resources/handler.js';

/** The IAM entity whose policies govern the caller, or why there is none to simulate. */
export async function policySourceArn(
  aws: AwsClients,
  region: string,
  identity: Identity,
): Promise<{ arn: string; note?: string } | { unavailable: string }> {
  const p = parseArn(identity.arn);
  if (!p) return { unavailable: `caller ARN ${identity.arn} is not an ARN` };
  if (p.resource === 'root') return { unavailable: 'root credentials: there is no IAM policy to simulate (and cleaning up as root is discouraged)' };
  if (p.resource.startsWith('user/')) return { arn: `arn:${p.partition}:iam::${p.account}:${p.resource}` };
  if (p.service === 'iam' && p.resource.startsWith('role/')) return { arn: identity.arn };
  if (p.service === 'sts' && p.resource.startsWith('assumed-role/')) {
    const roleName = p.resource.split('/')[1] ?? '';
    // The session ARN drops the role's path: ask IAM for the real role ARN.
    const { GetRoleCommand } = await sdkPackage('@aws-sdk/client-iam');
    try {
      const iam = await aws.get('iam', region, { maxAttempts: 2 });
      const out = await iam.send(new GetRoleCommand({ RoleName: roleName }));
      if (out.Role?.Arn) return { arn: out.Role.Arn };
    } catch (err) {
      return {
        arn: `arn:${p.partition}:iam::${p.account}:role/${roleName}`,
        note: `could not read role ${roleName} (${describeError(err)}); assuming it has no path`,
      };
    }
    return { arn: `arn:${p.partition}:iam::${p.account}:role/${roleName}` };
  }
  return { unavailable: `caller ${identity.arn} is not an IAM user or role (federated sessions cannot be simulated)` };
}

export interface SimulationInput {
  readonly aws: AwsClients;
  readonly region: string;
  readonly identity: Identity;
  /** For each resource the plan deletes: its type and the actions its delete needs (from the type's `actions`). */
  readonly needs: readonly { readonly type: string; readonly actions: readonly ActionNeed[] }[];
}

/** Resources per simulation call: the call evaluates every action against every resource it names. */
const RESOURCES_PER_CALL = 50;

/**
 * Groups what the plan needs into as few questions as the API allows: per type, the actions that are
 * authorized on the same set of resources are asked together in one call (SimulatePrincipalPolicy
 * evaluates every action against every resource it is given). Pure.
 */
export function simulationQuestions(needs: SimulationInput['needs']): { type: string; actions: string[]; resources: string[] }[] {
  const perType = new Map<string, Map<string, Set<string>>>();
  for (const n of needs) {
    const actions = perType.get(n.type) ?? new Map<string, Set<string>>();
    for (const a of n.actions) actions.set(a.action, (actions.get(a.action) ?? new Set()).add(a.resource));
    perType.set(n.type, actions);
  }
  const questions: { type: string; actions: string[]; resources: string[] }[] = [];
  for (const [type, actions] of [...perType].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const byResources = new Map<string, { actions: string[]; resources: string[] }>();
    for (const [action, resources] of actions) {
      const list = [...resources].sort();
      const key = list.join('\n');
      const group = byResources.get(key) ?? { actions: [], resources: list };
      group.actions.push(action);
      byResources.set(key, group);
    }
    for (const g of byResources.values()) {
      for (let i = 0; i < g.resources.length; i += RESOURCES_PER_CALL) {
        questions.push({ type, actions: [...g.actions].sort(), resources: g.resources.slice(i, i + RESOURCES_PER_CALL) });
      }
    }
  }
  return questions;
}

/**
 * IAM SimulatePrincipalPolicy for exactly the actions the plan's resources need, against their own ARNs.
 * Where simulation is not possible (no permission, root, an emulator without it) it says why and the
 * run goes on: a denied call at delete time is still reported as a failure.
 */
export async function simulatePlan(input: SimulationInput): Promise<SimulationResult & { note?: string }> {
  const questions = simulationQuestions(input.needs);
  if (questions.length === 0) return { status: 'not-needed' };
  const source = await policySourceArn(input.aws, input.region, input.identity);
  if ('unavailable' in source) return { status: 'unavailable', reason: source.unavailable };

  const { paginateSimulatePrincipalPolicy } = await sdkPackage('@aws-sdk/client-iam');
  const iam = await input.aws.get('iam', input.region, { maxAttempts: 2 });
  let calls = 0;
  const ask = async (q: (typeof questions)[number]): Promise<DeniedAction[]> => {
    const denied: DeniedAction[] = [];
    // A decision that hinges on context the simulator was not given (aws:ResourceTag/... conditions) is
    // unknown, not denied: the real call carries that context.
    const conditional = (missing: readonly string[] | undefined) => (missing?.length ?? 0) > 0;
    const pages = paginateSimulatePrincipalPolicy(
      { client: iam, pageSize: 1000 },
      { PolicySourceArn: source.arn, ActionNames: q.actions, ResourceArns: q.resources },
    );
    for await (const page of pages) {
      calls += 1;
      for (const r of page.EvaluationResults ?? []) {
        const action = r.EvalActionName ?? q.actions.join(',');
        const perResource = r.ResourceSpecificResults ?? [];
        if (perResource.length) {
          for (const rr of perResource) {
            if (rr.EvalResourceDecision !== 'allowed' && !conditional(rr.MissingContextValues)) {
              denied.push({ type: q.type, action, resource: rr.EvalResourceName ?? '*', decision: rr.EvalResourceDecision ?? 'unknown' });
            }
          }
        } else if (r.EvalDecision !== 'allowed' && !conditional(r.MissingContextValues)) {
          denied.push({ type: q.type, action, resource: r.EvalResourceName ?? '*', decision: r.EvalDecision ?? 'unknown' });
        }
      }
    }
    return denied;
  };

  const [first, ...rest] = questions;
  if (!first) return { status: 'not-needed' };
  let denied: DeniedAction[];
  try {
    denied = await ask(first);
  } catch (err) {
    const why = isAccessDenied(err)
      ? `no permission to simulate (iam:SimulatePrincipalPolicy on ${source.arn})`
      : `SimulatePrincipalPolicy failed: ${describeError(err)}`;
    return { status: 'unavailable', reason: why };
  }
  const limit = pLimit(4);
  try {
    for (const d of await Promise.all(rest.map((q) => limit(() => ask(q))))) denied.push(...d);
  } catch (err) {
    return { status: 'unavailable', reason: `SimulatePrincipalPolicy failed part-way: ${describeError(err)}` };
  }
  const note = 'note' in source ? source.note : undefined;
  const checked = questions.reduce((n, q) => n + q.actions.length * q.resources.length, 0);
  if (denied.length) return { status: 'denied', denied, calls, ...(note ? { note } : {}) };
  return { status: 'allowed', checked, calls, ...(note ? { note } : {}) };
}
