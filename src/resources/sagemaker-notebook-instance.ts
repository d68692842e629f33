import { onResource } from './common.js';
import { GONE } from './handler.js';
import { sagemakerType, siblingArn } from './sagemaker-common.js';

/** The statuses a notebook leaves only through StopNotebookInstance (Pending and Updating turn InService first). */
const RUNNING = ['InService', 'Pending', 'Updating'];

/** A SageMaker notebook instance: stopped first (only Stopped or Failed ones can be deleted), then deleted. */
export const sagemakerNotebookInstance = sagemakerType({
  kind: 'notebook-instance',
  description: 'SageMaker notebook instance (StopNotebookInstance, DeleteNotebookInstance, then waits until it is gone)',
  references: ['iam:role', 'sagemaker:notebook-instance-lifecycle-config', 'sagemaker:code-repository'],
  describe: (s, name) => new s.DescribeNotebookInstanceCommand({ NotebookInstanceName: name }),
  // Its role, the lifecycle config it runs, and the SageMaker code repositories it clones (named in the
  // same account and region; a Git URL is not a SageMaker resource).
  uses: (out, ref) => [
    out.RoleArn,
    out.NotebookInstanceLifecycleConfigName && siblingArn(ref, 'notebook-instance-lifecycle-config', out.NotebookInstanceLifecycleConfigName),
    ...[out.DefaultCodeRepository, ...(out.AdditionalCodeRepositories ?? [])].filter((r): r is string => Boolean(r) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(r ?? '')).map((r) => siblingArn(ref, 'code-repository', r)),
  ],
  list: { paginator: (s) => s.paginateListNotebookInstances, arns: (page) => page.NotebookInstances?.map((n) => n.NotebookInstanceArn) },
  delete: (s, name) => new s.DeleteNotebookInstanceCommand({ NotebookInstanceName: name }),
  // Succeeds on the ValidationException a missing notebook gives; throws on Failed, timeout or abort.
  waitUntilGone: (s, options, name) => s.waitUntilNotebookInstanceDeleted(options, { NotebookInstanceName: name }),
  deleteActions: { tagged: ['sagemaker:StopNotebookInstance'] },
  actions: (r) => (RUNNING.includes(String(r.described.config.NotebookInstanceStatus)) ? onResource(r.ref.arn, ['sagemaker:StopNotebookInstance']) : []),

  async deleteSteps(r, { sdk, client, waiter, describe, deleteStep }, steps) {
    const input = { NotebookInstanceName: r.ref.name };
    const status = async (): Promise<string | undefined> => {
      const out = await describe();
      return out === GONE ? GONE : out.NotebookInstanceStatus;
    };
    // A waiter gives up when the notebook turns Failed or vanishes instead: both are fine for a delete.
    const settle = async (wait: Promise<unknown>, reached: string): Promise<string | undefined> => {
      try {
        await wait;
        return reached;
      } catch (err) {
        const now = await status();
        if (now === GONE || now === 'Failed') return now;
        throw err;
      }
    };

    let s = await status();
    if (s === 'Deleting') return; // already on its way: waitUntilGone does the rest
    if (s === 'Pending' || s === 'Updating') s = await settle(sdk.waitUntilNotebookInstanceInService(waiter(), input), 'InService');
    if (s === 'InService') {
      await steps.run({ name: 'stop', done: 'stopped the notebook instance' }, () => client.send(new sdk.StopNotebookInstanceCommand(input)));
      s = 'Stopping';
    }
    if (s === 'Stopping') s = await settle(sdk.waitUntilNotebookInstanceStopped(waiter(), input), 'Stopped');
    // Stopped or Failed; a notebook that vanished meanwhile fails the delete with not-found, and the core says gone.
    await deleteStep();
  },
});
