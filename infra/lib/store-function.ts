/**
 * A store function as every stack builds it: the Rust build of `name` under the deployment's
 * name, sized as infra/pipeline.json says (the local stack reads the same sizes), its logs kept
 * for the configured days. The construct id is the name in PascalCase (`Persister`, `Api`).
 */
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DeploymentSettings } from './deployment-settings';
import { PipelineDefinition } from './pipeline-definition';
import { FunctionName, RustFunction } from './rust-function';

export interface StoreFunctionOptions {
  readonly environment: Record<string, string>;
  /** Why the function needs `Resource: *` beyond X-Ray. */
  readonly otherWildcardResources?: string;
  readonly recursiveLoop?: lambda.RecursiveLoop;
  /** At most this many concurrent executions; 0 lets none run (unset: the account's pool). */
  readonly reservedConcurrency?: number;
  /** Layers beside the function (the event types file's); unset: none. */
  readonly layers?: lambda.ILayerVersion[];
}

export function storeFunction(
  scope: Construct,
  name: FunctionName,
  settings: DeploymentSettings,
  pipeline: PipelineDefinition,
  options: StoreFunctionOptions,
): RustFunction {
  return new RustFunction(scope, name.charAt(0).toUpperCase() + name.slice(1), {
    name,
    envName: settings.envName,
    assetsDir: settings.lambdaAssetsDir,
    // Memory buys CPU on Lambda: 256 MB for the small functions that wait on DynamoDB;
    // replay scans and re-publishes for up to 15 minutes, so one full vCPU (1,769 MB).
    memorySize: pipeline.functions[name].memoryMb,
    timeout: Duration.seconds(pipeline.functions[name].timeoutSeconds),
    environment: options.environment,
    logRetentionDays: settings.logRetentionDays,
    otherWildcardResources: options.otherWildcardResources,
    recursiveLoop: options.recursiveLoop,
    reservedConcurrency: options.reservedConcurrency,
    layers: options.layers,
  });
}
