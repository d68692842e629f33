import { z } from 'zod';
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
  lost: () => [],
  async restore(e, c, ctx) {
    const [s, client] = await Promise.all([sagemakerSdk(), sagemakerClient(e, ctx)]);
    await client.send(new s.CreateModelCommand({ ModelName: c.ModelName, ...pick(c, KEYS), ...sagemakerTags(e) }));
  },
});
