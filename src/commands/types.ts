import type { ResourceHandler } from '../resources/handler.js';

/** How each type is tested end to end (the README's type list says the same). */
const E2E: Readonly<Record<string, string>> = {
  'sagemaker:endpoint': 'end to end on moto',
  'sagemaker:endpoint-config': 'end to end on moto',
  'sagemaker:model': 'end to end on moto',
  'sagemaker:notebook-instance': 'end to end on moto',
  'sagemaker:notebook-instance-lifecycle-config': 'unit tests with mocks (moto cannot list it or read its tags)',
  'sagemaker:pipeline': 'end to end on moto (stopping executions: mocks)',
  'sagemaker:cluster': 'end to end on moto',
  'sagemaker:training-job': 'end to end on moto (finished: retained; stopping a running job: mocks)',
  'sagemaker:processing-job': 'end to end on moto (finished: retained; stopping a running job: mocks)',
  'bedrock:custom-model': 'unit tests with mocks (moto answers with timestamps the SDK cannot read; e2e shows that holds back)',
  'bedrock:model-customization-job': 'unit tests with mocks (as bedrock:custom-model)',
  'bedrock:agent': 'unit tests with mocks (moto answers with timestamps the SDK cannot read, and lacks aliases)',
  'bedrock:knowledge-base': 'unit tests with mocks (as bedrock:agent; moto lacks data sources)',
  'lambda:function': 'end to end on moto (package download: unit tests, moto serves no package)',
  's3:bucket': 'end to end on moto (locked versions under governance mode: mocks)',
  'iam:role': 'end to end on moto',
  'logs:log-group': 'end to end on moto (deletion protection: mocks)',
  'ecr:repository': 'end to end on moto (--discovery list)',
  'codebuild:project': 'end to end on moto (--discovery list)',
  'events:rule': 'end to end on moto (--discovery list or both)',
  'events:event-bus': 'end to end on moto',
  'sagemaker:transform-job': 'end to end on moto (finished: retained; stopping a running job: mocks)',
  'sagemaker:hyper-parameter-tuning-job': 'end to end on moto (finished: retained; stopping a running job: mocks)',
  'sagemaker:automl-job': 'end to end on moto (running: stopped, then retained)',
  'sagemaker:experiment': 'end to end on moto (tagged with AddTags)',
  'sagemaker:experiment-trial': 'end to end on moto (tagged with AddTags)',
  'sagemaker:experiment-trial-component': 'end to end on moto (a trial associated since the plan: mocks)',
  'sagemaker:inference-component': 'unit tests with mocks (moto 5.2.5 implements no inference-component call)',
  'sagemaker:monitoring-schedule': 'unit tests with mocks (moto 5.2.5 implements no monitoring-schedule call)',
  'sagemaker:hub': 'unit tests with mocks (moto 5.2.5 implements no hub call)',
  'bedrock:provisioned-model': 'unit tests with mocks (moto 5.2.5 answers 500 for provisioned throughput)',
  'bedrock:custom-model-deployment': 'unit tests with mocks (moto 5.2.5 answers 500 for deployments)',
  'bedrock:imported-model': 'unit tests with mocks (moto 5.2.5 answers 500 for imported models)',
  'sagemaker:model-package-group': 'unit tests with mocks (moto 5.2.5 has no GetModelPackageGroupPolicy nor DeleteModelPackage(Group))',
  'sagemaker:code-repository': 'unit tests with mocks (moto 5.2.5 implements no code-repository call)',
  'sagemaker:project': 'unit tests with mocks (moto 5.2.5 implements no project call)',
  'sagemaker:feature-group': 'unit tests with mocks (moto 5.2.5 has no List, ListTags or Delete for feature groups)',
  'glue:job': 'end to end on moto (stopping running runs: mocks; moto answers BatchStopJobRun with 500)',
  'codepipeline:pipeline': "unit tests with mocks (moto's CodePipeline timestamps cannot be read by the SDK)",
  'codeconnections:connection': 'unit tests with mocks (moto 5.2.5 answers 500 for CodeConnections)',
  'sagemaker:domain': 'unit tests with mocks (moto 5.2.5 cannot list apps, spaces or user profiles)',
  'sagemaker:mlflow-tracking-server': 'unit tests with mocks (moto 5.2.5 implements no MLflow call)',
  'sagemaker:mlflow-app': 'unit tests with mocks (moto 5.2.5 implements no MLflow call)',
  'iam:policy': 'end to end on moto',
  'iam:instance-profile': 'end to end on moto (tags from GetInstanceProfile)',
  'cloudformation:stack': 'end to end on moto (ownership of what it holds; DELETE_FAILED: mocks)',
  'servicecatalog:provisioned-product': 'unit tests with mocks (moto 5.2.5 answers 500 for Service Catalog)',
};

/** `nova-cleanup types`: every supported type, what it may use, and how it is tested. Pure. */
export function typesLines(handlers: readonly ResourceHandler[], json = false): string[] {
  const rows = handlers.map((h) => ({
    type: h.type,
    description: h.description,
    references: [...h.references],
    discovery: h.taggingApi ? 'tagging api (or --discovery list)' : 'own list + tags',
    global: h.global ?? false,
    tested: E2E[h.type] ?? 'unit tests with mocks',
  }));
  if (json) return [JSON.stringify(rows, null, 2)];
  const width = Math.max(...handlers.map((h) => h.type.length));
  const lines = [`${'TYPE'.padEnd(width)}  ${'USES (deleted after it)'.padEnd(26)} DESCRIPTION`];
  for (const r of rows) {
    const deps = r.references.length ? r.references.join(', ') : '-';
    lines.push(`${r.type.padEnd(width)}  ${deps.padEnd(26)} ${r.description}${r.global ? ' [global]' : ''}${r.discovery === 'own list + tags' ? ' [found by its own list calls]' : ''}`);
  }
  return lines;
}
