/**
 * Secret values inside resource configuration: which fields hold them, per type, and how they are
 * replaced. The plan (and so `plan --out`, and the plan inside every backup) always carries them
 * replaced; the backup's own copy of each configuration keeps them, unless `--redact` replaces them there too.
 *
 * One table for every type, rather than a member of each handler: the fields are fixed by the AWS APIs
 * each describe returns verbatim (GetFunction, DescribeModel, BatchGetProjects...), the plan, the backup
 * and restore all read the same list, and SECURITY.md names it in one place.
 */

/** What a redacted value is replaced by (keys are kept). */
export const REDACTED = '<redacted>';

/**
 * Per type, the paths of its configuration whose values are secrets. A path is dot-separated keys;
 * `*` is every element of an array or every value of an object; `*(key!=A,B)` is every element whose
 * `key` is neither A nor B (a CodeBuild variable of type PARAMETER_STORE or SECRETS_MANAGER holds the name
 * of a secret, not the secret). The last segment's value is replaced; a path that is absent is left alone.
 */
export const SECRET_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'lambda:function': [
    'Configuration.Environment.Variables.*',
    // Every published version carries its own environment.
    'Versions.*.Environment.Variables.*',
    // A pre-signed link: anyone holding it can download the package for some minutes.
    'Code.Location',
  ],
  'sagemaker:model': ['PrimaryContainer.Environment.*', 'Containers.*.Environment.*'],
  'sagemaker:inference-component': ['Specification.Container.Environment.*'],
  'sagemaker:training-job': ['Environment.*'],
  'sagemaker:processing-job': ['Environment.*'],
  'sagemaker:transform-job': ['Environment.*'],
  'sagemaker:hyper-parameter-tuning-job': ['TrainingJobDefinition.Environment.*', 'TrainingJobDefinitions.*.Environment.*'],
  'sagemaker:monitoring-schedule': ['MonitoringScheduleConfig.MonitoringJobDefinition.Environment.*'],
  'sagemaker:model-package-group': [
    'ModelPackages.*.InferenceSpecification.Containers.*.Environment.*',
    'ModelPackages.*.AdditionalInferenceSpecifications.*.Containers.*.Environment.*',
  ],
  'codebuild:project': ['environment.environmentVariables.*(type!=PARAMETER_STORE,SECRETS_MANAGER).value'],
  // A CodeBuild action's variables, as the JSON text CodePipeline keeps them in.
  'codepipeline:pipeline': ['pipeline.stages.*.actions.*.configuration.EnvironmentVariables'],
  'glue:job': ['DefaultArguments.*', 'NonOverridableArguments.*'],
  'events:rule': ['Targets.*.HttpParameters.HeaderParameters.*', 'Targets.*.HttpParameters.QueryStringParameters.*'],
};

type Segment = { readonly kind: 'key'; readonly key: string } | { readonly kind: 'each'; readonly unless?: { readonly key: string; readonly values: readonly string[] } };

function parsePath(path: string): Segment[] {
  return path.split('.').map((s): Segment => {
    if (s === '*') return { kind: 'each' };
    const m = /^\*\((\w+)!=([\w,]+)\)$/.exec(s);
    if (m) return { kind: 'each', unless: { key: m[1] as string, values: (m[2] as string).split(',') } };
    return { kind: 'key', key: s };
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Calls `visit` with each concrete location (container and key) that a path names and that holds a value. */
function locate(value: unknown, segments: readonly Segment[], at: readonly string[], visit: (container: Record<string, unknown> | unknown[], key: string | number, where: string) => void): void {
  const [seg, ...rest] = segments;
  if (!seg) return;
  const step = (container: Record<string, unknown> | unknown[], key: string | number): void => {
    const child = (container as Record<string | number, unknown>)[key];
    if (child === undefined || child === null) return;
    const where = [...at, String(key)];
    if (rest.length === 0) visit(container, key, where.join('.'));
    else locate(child, rest, where, visit);
  };
  if (seg.kind === 'key') {
    if (isObject(value) && Object.hasOwn(value, seg.key)) step(value, seg.key);
    return;
  }
  const keep = (v: unknown): boolean => !seg.unless || !(isObject(v) && seg.unless.values.includes(String(v[seg.unless.key])));
  if (Array.isArray(value)) value.forEach((v, i) => keep(v) && step(value, i));
  else if (isObject(value)) for (const k of Object.keys(value)) if (keep(value[k])) step(value, k);
}

/** A deep copy of plain JSON-like data (what a describe returns). */
function copy<T>(v: T): T {
  return structuredClone(v);
}

/**
 * The configuration with the type's secret values replaced by REDACTED, keys kept, and how many were
 * replaced. Pure: the input is not changed. A type without secret fields comes back as it was.
 */
export function redactConfig(type: string, config: Record<string, unknown>): { readonly config: Record<string, unknown>; readonly redacted: number } {
  const paths = SECRET_FIELDS[type];
  if (!paths) return { config, redacted: 0 };
  const out = copy(config);
  let redacted = 0;
  for (const p of paths) {
    locate(out, parsePath(p), [], (container, key) => {
      const c = container as Record<string | number, unknown>;
      if (c[key] === REDACTED) return;
      c[key] = REDACTED;
      redacted += 1;
    });
  }
  return { config: out, redacted };
}

/** The configuration's secret fields that hold REDACTED (their paths, e.g. `Configuration.Environment.Variables.DB_PASSWORD`). */
export function redactedFields(type: string, config: Record<string, unknown>): string[] {
  const found: string[] = [];
  for (const p of SECRET_FIELDS[type] ?? []) {
    locate(config, parsePath(p), [], (container, key, where) => {
      if ((container as Record<string | number, unknown>)[key] === REDACTED) found.push(where);
    });
  }
  return found;
}
