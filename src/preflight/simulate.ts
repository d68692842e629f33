import pLimit from 'p-limit';
import { parseArn } from '../aws/arn.js';
import type { AwsClients } from '../aws/clients.js';
import { describeError, isAccessDenied } from '../aws/errors.js';
import type { DeniedAction, Identity, SimulationResult } from '../model.js';
import type { ResourceHandler } from '../resources/handler.js';

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
    const { GetRoleCommand } = await import('@aws-sdk/client-iam');
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
  readonly handlers: readonly ResourceHandler[];
  /** ARNs to delete, by type. */
  readonly arnsByType: ReadonlyMap<string, readonly string[]>;
}

/**
 * IAM SimulatePrincipalPolicy for every action the plan will call, against the plan's own ARNs.
 * Where simulation is not possible (no permission, root, an emulator without it) it says why and the
 * run goes on: a denied call at delete time is still reported as a failure.
 */
export async function simulatePlan(input: SimulationInput): Promise<SimulationResult & { note?: string }> {
  if (input.arnsByType.size === 0) return { status: 'not-needed' };
  const source = await policySourceArn(input.aws, input.region, input.identity);
  if ('unavailable' in source) return { status: 'unavailable', reason: source.unavailable };

  // One question per (type, action): the action's resources are that type's ARNs (mapped per handler).
  const questions: { type: string; action: string; resources: string[] }[] = [];
  for (const [type, arns] of input.arnsByType) {
    const h = input.handlers.find((x) => x.type === type);
    if (!h) continue;
    for (const action of h.actions) {
      const resources = [...new Set(arns.map((a) => h.simulationResource?.(a, action) ?? a))];
      for (let i = 0; i < resources.length; i += 50) questions.push({ type, action, resources: resources.slice(i, i + 50) });
    }
  }

  const { paginateSimulatePrincipalPolicy } = await import('@aws-sdk/client-iam');
  const iam = await input.aws.get('iam', input.region, { maxAttempts: 2 });
  const ask = async (q: (typeof questions)[number]): Promise<DeniedAction[]> => {
    const denied: DeniedAction[] = [];
    // A decision that hinges on context the simulator was not given (aws:ResourceTag/... conditions) is
    // unknown, not denied: the real call carries that context.
    const conditional = (missing: readonly string[] | undefined) => (missing?.length ?? 0) > 0;
    const pages = paginateSimulatePrincipalPolicy(
      { client: iam, pageSize: 1000 },
      { PolicySourceArn: source.arn, ActionNames: [q.action], ResourceArns: q.resources },
    );
    for await (const page of pages) {
      for (const r of page.EvaluationResults ?? []) {
        const perResource = r.ResourceSpecificResults ?? [];
        if (perResource.length) {
          for (const rr of perResource) {
            if (rr.EvalResourceDecision !== 'allowed' && !conditional(rr.MissingContextValues)) {
              denied.push({ type: q.type, action: q.action, resource: rr.EvalResourceName ?? '*', decision: rr.EvalResourceDecision ?? 'unknown' });
            }
          }
        } else if (r.EvalDecision !== 'allowed' && !conditional(r.MissingContextValues)) {
          denied.push({ type: q.type, action: r.EvalActionName ?? q.action, resource: r.EvalResourceName ?? '*', decision: r.EvalDecision ?? 'unknown' });
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
  if (denied.length) return { status: 'denied', denied, ...(note ? { note } : {}) };
  return { status: 'allowed', checked: questions.length, ...(note ? { note } : {}) };
}
