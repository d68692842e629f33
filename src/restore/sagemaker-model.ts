import { z } from 'zod';
import { redactedFields } from '../backup/redact.js';
import { obj, restorer } from './restorer.js';
import { pick, sagemakerClient, sagemakerExists, sagemakerSdk, sagemakerTags } from './sagemaker.js';

const schema = obj({ ModelName: z.string(), ExecutionRoleArn: z.string().nullish() });
const KEYS = ['PrimaryContainer', 'Containers', 'InferenceExecutionConfig', 'ExecutionRoleArn', 'VpcConfig', 'EnableNetworkIsolation'] as const;

/** A SageMaker model: its containers, role, network settings and tags (CreateModel). Its artifacts in S3 are not in the backup. */
export const sagemakerModelRestorer = restorer({
  type: 'sagemaker:model',
  order: 3,
  schema,
  exists: (e, c, ctx) => sagemakerExists(e, ctx, (s, client) => client.send(new s.DescribeModelCommand({ ModelName: c.ModelName }))),
  lost: (e) => (redactedFields(e.type, e.config).length ? ['container environment values were redacted in the backup: it is not re-created (a model cannot be changed once made)'] : []),
  async restore(e, c, ctx) {
    const redacted = redactedFields(e.type, e.config);
    if (redacted.length) throw new Error(`environment values were redacted in the backup (${redacted.join(', ')}): create the model by hand with them`);
    const [s, client] = await Promise.all([sagemakerSdk(), sagemakerClient(e, ctx)]);
    await client.send(new s.CreateModelCommand({ ModelName: c.ModelName, ...pick(c, KEYS), ...sagemakerTags(e) }));
  },
});
