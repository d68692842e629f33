import { createRequire } from 'node:module';
import type * as Bedrock from '@aws-sdk/client-bedrock';
import type * as BedrockAgent from '@aws-sdk/client-bedrock-agent';
import type * as CloudFormation from '@aws-sdk/client-cloudformation';
import type * as Logs from '@aws-sdk/client-cloudwatch-logs';
import type * as CodeBuild from '@aws-sdk/client-codebuild';
import type * as CodePipeline from '@aws-sdk/client-codepipeline';
import type * as CodeStarConnections from '@aws-sdk/client-codestar-connections';
import type * as EC2 from '@aws-sdk/client-ec2';
import type * as ECR from '@aws-sdk/client-ecr';
import type * as EventBridge from '@aws-sdk/client-eventbridge';
import type * as Glue from '@aws-sdk/client-glue';
import type * as IAM from '@aws-sdk/client-iam';
import type * as Lambda from '@aws-sdk/client-lambda';
import type * as Tagging from '@aws-sdk/client-resource-groups-tagging-api';
import type * as S3 from '@aws-sdk/client-s3';
import type * as SageMaker from '@aws-sdk/client-sagemaker';
import type * as ServiceCatalog from '@aws-sdk/client-service-catalog';
import type * as STS from '@aws-sdk/client-sts';
import type * as SmithyConfig from '@smithy/core/config';

/** The SDK packages the CLI loads on first use, by name. */
interface SdkPackages {
  '@aws-sdk/client-bedrock': typeof Bedrock;
  '@aws-sdk/client-bedrock-agent': typeof BedrockAgent;
  '@aws-sdk/client-cloudformation': typeof CloudFormation;
  '@aws-sdk/client-cloudwatch-logs': typeof Logs;
  '@aws-sdk/client-codebuild': typeof CodeBuild;
  '@aws-sdk/client-codepipeline': typeof CodePipeline;
  '@aws-sdk/client-codestar-connections': typeof CodeStarConnections;
  '@aws-sdk/client-ec2': typeof EC2;
  '@aws-sdk/client-ecr': typeof ECR;
  '@aws-sdk/client-eventbridge': typeof EventBridge;
  '@aws-sdk/client-glue': typeof Glue;
  '@aws-sdk/client-iam': typeof IAM;
  '@aws-sdk/client-lambda': typeof Lambda;
  '@aws-sdk/client-resource-groups-tagging-api': typeof Tagging;
  '@aws-sdk/client-s3': typeof S3;
  '@aws-sdk/client-sagemaker': typeof SageMaker;
  '@aws-sdk/client-service-catalog': typeof ServiceCatalog;
  '@aws-sdk/client-sts': typeof STS;
  '@smithy/core/config': typeof SmithyConfig;
}

const requireSdk = createRequire(import.meta.url);

/**
 * Loads an SDK package the first time a run needs it (the clients are loaded lazily: a run pays only
 * for the services it calls). Through `require`, not `import()`: the SDK ships CommonJS in packages
 * without a "type" field, and Node loads such a file through `import()` only after compiling it once
 * more to detect its format, then wraps it as an ES module. Loading the 15 client packages of a W1 run
 * took 1.1 s through `import()` and 0.7 s through `require`, with 10 MB less heap (BENCHMARK.md). The
 * module is the same either way (one CommonJS cache), so a test's `mockClient` still reaches it.
 */
export function sdkPackage<K extends keyof SdkPackages>(name: K): Promise<SdkPackages[K]> {
  return new Promise((resolve) => resolve(requireSdk(name) as SdkPackages[K]));
}
