import type { SageMakerClient, TrialSummary } from '@aws-sdk/client-sagemaker';
import { arnKey } from '../aws/arn.js';
import type { ResourceRef } from '../model.js';
import { onResource, unlessGone } from './common.js';
import type { LiveResource } from './handler.js';
import { SAGEMAKER_NOT_FOUND, sagemakerType, siblingArn, type SageMakerSdk } from './sagemaker-common.js';

/** ListTrials' largest page. */
const PAGE = 100;

/** Every trial a component is associated with (ListTrials TrialComponentName=…, all pages). */
async function trialsOf(s: SageMakerSdk, client: SageMakerClient, TrialComponentName: string): Promise<TrialSummary[]> {
  const all: TrialSummary[] = [];
  for await (const page of s.paginateListTrials({ client, pageSize: PAGE }, { TrialComponentName })) all.push(...(page.TrialSummaries ?? []));
  return all;
}

const trialArn = (ref: ResourceRef, t: TrialSummary): string | undefined => t.TrialArn ?? (t.TrialName ? siblingArn(ref, 'experiment-trial', t.TrialName) : undefined);

/** The trials the plan saw it associated with (describe's config): each uses it, so each was in the delete set. */
const planned = (r: LiveResource): readonly TrialSummary[] => (r.described.config.Trials ?? []) as readonly TrialSummary[];

/**
 * A SageMaker experiment trial component (a run's parameters, metrics and artifact locations; SageMaker
 * makes one for each training or processing job run inside an experiment). It uses nothing: the trials it
 * is associated with use it, so a trial that stays keeps it, and the tagged trials that go disassociate it
 * first. AWS refuses DeleteTrialComponent while a trial still lists it ("must be disassociated from all
 * trials", API reference): the delete lists its trials again and disassociates it from each that the plan
 * saw (normally none is left: their own deletes did it), then DeleteTrialComponent. A trial that lists it
 * and that the plan did not see (associated since) was never checked, and may stay: nothing is changed, and
 * the delete fails, naming it.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and trial components take tags (CreateTrialComponent's Tags, AddTags): returned.
 * moto's does not return them (moto 5.2.5 also drops the Tags of CreateTrialComponent: tag with AddTags).
 */
export const sagemakerExperimentTrialComponent = sagemakerType({
  kind: 'experiment-trial-component',
  description: 'SageMaker experiment trial component (after the trials that use it; disassociates what is left, then DeleteTrialComponent)',
  references: [],
  taggingApi: true,
  operations: { describe: 'DescribeTrialComponent', list: 'ListTrialComponents', delete: 'DeleteTrialComponent' },
  describe: (s, name) => new s.DescribeTrialComponentCommand({ TrialComponentName: name }),
  uses: () => [],
  details: {
    reads: ['ListTrials'],
    read: async (s, client, _out, ref) => ({ Trials: await trialsOf(s, client, ref.name) }),
  },
  list: { paginator: (s) => s.paginateListTrialComponents, arns: (page) => page.TrialComponentSummaries?.map((c) => c.TrialComponentArn) },
  delete: (s, name) => new s.DeleteTrialComponentCommand({ TrialComponentName: name }),
  children: (r) => planned(r).flatMap((t) => (t.TrialName ? [{ kind: 'trial-association', id: t.TrialName }] : [])),
  // The re-list at delete time; DisassociateTrialComponent is authorized on the component and on the trial.
  deleteActions: { held: ['sagemaker:ListTrials', 'sagemaker:DisassociateTrialComponent'] },
  actions: (r) => {
    const trials = planned(r).flatMap((t) => trialArn(r.ref, t) ?? []);
    return [
      { action: 'sagemaker:ListTrials', resource: '*' },
      ...(trials.length > 0 ? onResource(r.ref.arn, ['sagemaker:DisassociateTrialComponent']) : []),
      ...trials.map((resource) => ({ action: 'sagemaker:DisassociateTrialComponent', resource })),
    ];
  },

  deleteSteps: async (r, { sdk, client, deleteStep }, steps) => {
    const TrialComponentName = r.ref.name;
    const seen = new Set(planned(r).flatMap((t) => trialArn(r.ref, t) ?? []).map(arnKey));
    const now = await trialsOf(sdk, client, TrialComponentName);
    const unseen = now.filter((t) => !seen.has(arnKey(trialArn(r.ref, t) ?? '')));
    if (unseen.length > 0) {
      const names = unseen.map((t) => t.TrialName ?? t.TrialArn).join(', ');
      throw Object.assign(new Error(`associated since the plan with sagemaker:experiment-trial ${names}, which was not checked and may stay: not deleted`), {
        name: 'TrialComponentInUse',
      });
    }
    for (const t of now) {
      const TrialName = t.TrialName;
      if (!TrialName) continue;
      await steps.run(
        { name: 'disassociate', child: { kind: 'trial-association', id: TrialName }, done: `disassociated from trial ${TrialName}`, recheck: false },
        // A trial deleted meanwhile (its delete disassociated it) leaves nothing to undo.
        () => unlessGone(SAGEMAKER_NOT_FOUND, () => client.send(new sdk.DisassociateTrialComponentCommand({ TrialName, TrialComponentName }))),
      );
    }
    await deleteStep();
  },
});
