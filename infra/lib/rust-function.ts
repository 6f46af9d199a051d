/**
 * One Lambda function built by `cargo lambda build --release --arm64`: provided.al2023 on arm64,
 * X-Ray active tracing, JSON logs in a log group of its own with a retention, and a role of its own
 * that holds nothing but writing those logs until the caller grants what the function needs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The store's functions: crate = binary = CDK function = local invoke name (STYLE.md). */
export type FunctionName = 'persister' | 'query' | 'projector' | 'replay' | 'api';

export interface RustFunctionProps {
  readonly name: FunctionName;
  readonly envName: string;
  /** `<dir>/<name>/bootstrap.zip`, as `make build` leaves it. */
  readonly assetsDir: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  readonly logRetentionDays: number;
  /** At most this many concurrent executions; 0 lets none run (unset: the account's pool). */
  readonly reservedConcurrency?: number;
  /** Why this function needs `Resource: *` beyond X-Ray (e.g. `dynamodb:ListStreams`). */
  readonly otherWildcardResources?: string;
  /** What Lambda does when the function's invocations call each other in a loop (unset: stop them). */
  readonly recursiveLoop?: lambda.RecursiveLoop;
  /** Layers extracted to `/opt` beside the function (the event types file); unset: none. */
  readonly layers?: lambda.ILayerVersion[];
}

/** X-Ray's two write actions have no resource to name: AWS requires `*`. */
export const XRAY_WILDCARD_REASON =
  'xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) do not support resource-level permissions';

export class RustFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** `event-store-<env>-<name>`: fixed, so it can be known before the function exists. */
  readonly functionName: string;
  /**
   * The function's ARN built from its fixed name and the stack's partition, region and account,
   * not from the function resource: what the function's own role may name without a circular
   * dependency (the function depends on its role).
   */
  readonly arnFromName: string;

  constructor(scope: Construct, id: string, props: RustFunctionProps) {
    super(scope, id);
    const functionName = `event-store-${props.envName}-${props.name}`;
    this.functionName = functionName;
    this.arnFromName = Stack.of(this).formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: functionName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: retentionOf(props.logRetentionDays),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `The ${props.name} function of event store ${props.envName}: least privilege`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = new lambda.Function(this, 'Function', {
      functionName,
      description: `Event store ${props.name} (Rust, cargo lambda)`,
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.ARM_64,
      handler: 'bootstrap',
      code: lambda.Code.fromAsset(functionZip(props.assetsDir, props.name)),
      memorySize: props.memorySize,
      timeout: props.timeout,
      environment: props.environment,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
      reservedConcurrentExecutions: props.reservedConcurrency,
      recursiveLoop: props.recursiveLoop,
      layers: props.layers,
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: [XRAY_WILDCARD_REASON, props.otherWildcardResources].filter(Boolean).join('; '),
    });
  }
}

/** The zip `cargo lambda build --output-format zip` wrote for `name`, or a clear error. */
export function functionZip(assetsDir: string, name: FunctionName): string {
  const zip = path.resolve(assetsDir, name, 'bootstrap.zip');
  if (!fs.existsSync(zip)) {
    throw new Error(
      `no build of function '${name}' at ${zip}: run \`make build\` first, or pass -c lambdaAssets=DIR`,
    );
  }
  return zip;
}

/** CloudWatch accepts only some retention periods: the smallest one that keeps logs long enough. */
export function retentionOf(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays)
    .filter((value): value is number => typeof value === 'number' && value > 0)
    .sort((a, b) => a - b);
  const fit = allowed.find((value) => value >= days);
  if (fit === undefined) {
    throw new Error(`logRetentionDays ${days} is longer than CloudWatch keeps logs (${allowed[allowed.length - 1]} days)`);
  }
  return fit as logs.RetentionDays;
}
