import type { DescribeTrialCommandOutput, SageMakerClient, TrialComponentSummary } from '@aws-sdk/client-sagemaker';
import type { ResourceRef } from '../model.js';
import { describeOrGone, onResource, unlessGone } from './common.js';
import { GONE, type LiveResource, type ResourceHandler } from './handler.js';
import { SAGEMAKER_NOT_FOUND, sagemakerSdk, sagemakerType, siblingArn, type SageMakerSdk } from './sagemaker-common.js';

/** ListTrialComponents' largest page. */
const PAGE = 100;

/** Every trial component associated with a trial (ListTrialComponents TrialName=…, all pages). */
async function componentsOf(s: SageMakerSdk, client: SageMakerClient, TrialName: string): Promise<TrialComponentSummary[]> {
  const all: TrialComponentSummary[] = [];
  for await (const page of s.paginateListTrialComponents({ client, pageSize: PAGE }, { TrialName })) all.push(...(page.TrialComponentSummaries ?? []));
  return all;
}

const experimentOf = (out: DescribeTrialCommandOutput, ref: ResourceRef): string | undefined => out.ExperimentName && siblingArn(ref, 'experiment', out.ExperimentName);

const componentArns = (ref: ResourceRef, list: readonly TrialComponentSummary[]): string[] =>
  list.flatMap((c) => c.TrialComponentArn ?? (c.TrialComponentName ? siblingArn(ref, 'experiment-trial-component', c.TrialComponentName) : []));

/** The components describe saw associated (in its config, and so in the plan's). */
const associated = (config: Record<string, unknown>): readonly TrialComponentSummary[] => (config.TrialComponents ?? []) as readonly TrialComponentSummary[];
const planned = (r: LiveResource): readonly TrialComponentSummary[] => associated(r.described.config);

/**
 * A SageMaker experiment trial. It uses its experiment (deleted after it; an untagged trial that stays
 * keeps its tagged experiment) and the trial components associated with it (an untagged trial that stays
 * keeps its tagged components; a tagged trial goes before them). Its delete disassociates every component
 * associated with it now (listed again at delete time, one step each; the components themselves stay,
 * unless they are deleted in their own right), then DeleteTrial. The API reference asks for the
 * components to be "deleted first"; AWS's own clean-up guide (experiments-cleanup.html) only
 * disassociates them ("comment out to keep trial components") before DeleteTrial.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and trials take tags (CreateTrial's Tags, AddTags): returned. moto's does not
 * return them (moto 5.2.5 also drops the Tags of CreateTrial: tag with AddTags).
 */
const declared = sagemakerType({
  kind: 'experiment-trial',
  description: 'SageMaker experiment trial (disassociates its trial components, which stay, then DeleteTrial)',
  references: ['sagemaker:experiment', 'sagemaker:experiment-trial-component'],
  taggingApi: true,
  operations: { describe: 'DescribeTrial', list: 'ListTrials', delete: 'DeleteTrial' },
  describe: (s, name) => new s.DescribeTrialCommand({ TrialName: name }),
  // The components join in `describe` below: sagemakerType's `uses` sees the Describe output alone.
  uses: (out, ref) => [experimentOf(out, ref)],
  details: {
    reads: ['ListTrialComponents'],
    read: async (s, client, _out, ref) => ({ TrialComponents: await componentsOf(s, client, ref.name) }),
  },
  list: { paginator: (s) => s.paginateListTrials, arns: (page) => page.TrialSummaries?.map((t) => t.TrialArn) },
  delete: (s, name) => new s.DeleteTrialCommand({ TrialName: name }),
  children: (r) => planned(r).flatMap((c) => (c.TrialComponentName ? [{ kind: 'trial-component-association', id: c.TrialComponentName }] : [])),
  // The re-list at delete time; DisassociateTrialComponent is authorized on the trial and on the component.
  deleteActions: { held: ['sagemaker:ListTrialComponents', 'sagemaker:DisassociateTrialComponent'] },
  actions: (r) => {
    const components = componentArns(r.ref, planned(r));
    return [
      { action: 'sagemaker:ListTrialComponents', resource: '*' },
      ...(components.length > 0 ? onResource(r.ref.arn, ['sagemaker:DisassociateTrialComponent']) : []),
      ...components.map((resource) => ({ action: 'sagemaker:DisassociateTrialComponent', resource })),
    ];
  },

  deleteSteps: async (r, { sdk, client, deleteStep }, steps) => {
    const TrialName = r.ref.name;
    for (const c of await componentsOf(sdk, client, TrialName)) {
      const TrialComponentName = c.TrialComponentName;
      if (!TrialComponentName) continue;
      await steps.run(
        {
          name: 'disassociate',
          child: { kind: 'trial-component-association', id: TrialComponentName },
          done: `disassociated trial component ${TrialComponentName}`,
          recheck: false,
        },
        // A component deleted (or disassociated) meanwhile leaves nothing to undo.
        () => unlessGone(SAGEMAKER_NOT_FOUND, () => client.send(new sdk.DisassociateTrialComponentCommand({ TrialName, TrialComponentName }))),
      );
    }
    await deleteStep();
  },
});

/** Its uses: the experiment (DescribeTrial) and every associated component (ListTrialComponents). */
export const sagemakerExperimentTrial: ResourceHandler = {
  ...declared,

  async describe(ref, ctx, hint) {
    const d = await declared.describe(ref, ctx, hint);
    if (d === GONE) return GONE;
    return { ...d, uses: [...new Set([...d.uses, ...componentArns(ref, associated(d.config))])] };
  },

  async readUses(ref, ctx) {
    const s = await sagemakerSdk();
    const client = await ctx.aws.get('sagemaker', ref.region);
    const read = await describeOrGone(SAGEMAKER_NOT_FOUND, () =>
      Promise.all([client.send(new s.DescribeTrialCommand({ TrialName: ref.name })), componentsOf(s, client, ref.name)]),
    );
    if (read === GONE) return GONE;
    const [out, components] = read;
    return [...new Set([experimentOf(out, ref), ...componentArns(ref, components)].filter((a): a is string => Boolean(a)))];
  },
};
