/**
 * The REST API in front of the api function: API Gateway proxies every path and method to it, in a
 * regional stage named after the environment. Calls are authorized by an API key in a usage plan
 * (seed 003; `apiAuth=apiKey`, the default) or by IAM (`apiAuth=iam`), but the forget route, which
 * always takes IAM (ForgetSubjectsRoute, with its managed policy), and the web console's static
 * files, which are open (ConsoleRoute: a browser cannot send the key when it navigates to a page,
 * and the files hold no data); the stage and the plan throttle; each request is logged as JSON
 * to an access log group, errors to the execution log, and the stage is traced with X-Ray when
 * `tracing` is on.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ApiGatewayCloudWatchRole } from './api-gateway-cloudwatch-role';
import { ConsoleRoute } from './console-route';
import { DeploymentSettings } from './deployment-settings';
import { ForgetSubjectsRoute } from './forget-subjects-route';
import { retentionOf } from './rust-function';

export interface StoreApiProps {
  readonly settings: DeploymentSettings;
  readonly handler: lambda.IFunction;
}

/** One JSON line per request in the access log group. */
export const ACCESS_LOG_FIELDS: Record<string, string> = {
  requestId: apigateway.AccessLogField.contextRequestId(),
  ip: apigateway.AccessLogField.contextIdentitySourceIp(),
  requestTime: apigateway.AccessLogField.contextRequestTime(),
  method: apigateway.AccessLogField.contextHttpMethod(),
  path: apigateway.AccessLogField.contextPath(),
  status: apigateway.AccessLogField.contextStatus(),
  latencyMs: apigateway.AccessLogField.contextResponseLatency(),
  responseLength: apigateway.AccessLogField.contextResponseLength(),
  apiKeyId: apigateway.AccessLogField.contextIdentityApiKeyId(),
  caller: apigateway.AccessLogField.contextIdentityUserArn(),
  integrationError: apigateway.AccessLogField.contextIntegrationErrorMessage(),
};

export class StoreApi extends Construct {
  readonly api: apigateway.LambdaRestApi;
  readonly accessLogs: logs.LogGroup;
  /** The key callers send as `x-api-key` (`apiAuth=apiKey` only); API Gateway generates its value. */
  readonly apiKey?: apigateway.ApiKey;
  readonly usagePlan?: apigateway.UsagePlan;
  /** `POST /subjects/{subjectId}/forget`, IAM-authorized, and the policy that may invoke it. */
  readonly forgetRoute: ForgetSubjectsRoute;
  /** `GET /console`, `GET /console/{file}` and `GET /console/v/{build}/{file}`, the web console's static files, open. */
  readonly consoleRoute: ConsoleRoute;

  constructor(scope: Construct, id: string, props: StoreApiProps) {
    super(scope, id);
    const { settings } = props;
    const name = `event-store-${settings.envName}`;
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      logGroupName: `/aws/apigateway/${name}-access`,
      retention: retentionOf(settings.logRetentionDays),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const byKey = settings.apiAuth === 'apiKey';
    const cloudWatch = new ApiGatewayCloudWatchRole(this, 'CloudWatch');
    this.api = new apigateway.LambdaRestApi(this, 'Api', {
      restApiName: name,
      description: `Event store ${settings.envName}: the store over HTTP (appends, streams, events, read models, replays) and its web console at /console`,
      handler: props.handler,
      // The proxy is added below, as `proxy: true` would add it, so the forget and console routes can be declared beside it.
      proxy: false,
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // The account's logging role is set by ApiGatewayCloudWatchRole, without a managed policy.
      cloudWatchRole: false,
      defaultMethodOptions: byKey
        ? { authorizationType: apigateway.AuthorizationType.NONE, apiKeyRequired: true }
        : { authorizationType: apigateway.AuthorizationType.IAM },
      deployOptions: {
        stageName: settings.envName,
        description: `Event store ${settings.envName}`,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: settings.tracing,
        // Rendered as the stage's `/*/*` method setting: every method of the stage.
        throttlingRateLimit: settings.apiRateLimit,
        throttlingBurstLimit: settings.apiBurstLimit,
      },
    });
    this.api.deploymentStage.node.addDependency(cloudWatch.account);
    // The stack's ApiUrl output says the same under a fixed key.
    this.api.node.tryRemoveChild('Endpoint');
    // `{proxy+}` and the root, ANY method, to the api function: every path but the forget and console routes.
    this.api.root.addProxy();
    this.forgetRoute = new ForgetSubjectsRoute(this, 'ForgetSubjects', {
      envName: settings.envName,
      api: this.api,
      stageName: settings.envName,
      handler: props.handler,
    });
    this.consoleRoute = new ConsoleRoute(this, 'Console', { api: this.api, handler: props.handler });

    if (byKey) {
      this.usagePlan = this.api.addUsagePlan('UsagePlan', {
        name,
        description: `Event store ${settings.envName}: the API key's throttle and quota`,
        throttle: { rateLimit: settings.apiRateLimit, burstLimit: settings.apiBurstLimit },
        quota: settings.apiDailyQuota ? { limit: settings.apiDailyQuota, period: apigateway.Period.DAY } : undefined,
        apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
      });
      this.apiKey = new apigateway.ApiKey(this, 'Key', {
        apiKeyName: name,
        description: `Event store ${settings.envName}: send as x-api-key`,
        enabled: true,
      });
      this.usagePlan.addApiKey(this.apiKey);
    }
    this.acknowledgeNagFindings(byKey);
  }

  private acknowledgeNagFindings(byKey: boolean) {
    const acknowledge = (id: string, reason: string) => Validations.of(this.api).acknowledge({ id, reason });
    acknowledge(
      'AwsSolutions-APIG2',
      'Every path is proxied to the api function, which validates each body against its route and answers 400 naming the field; API Gateway models would repeat the route table',
    );
    acknowledge(
      'AwsSolutions-APIG3',
      'A WAF web ACL is an account-specific choice (rules, cost); the stage and usage plan throttle every caller',
    );
    if (byKey) {
      acknowledge(
        'AwsSolutions-APIG4',
        'Seed 003 asks for an API key in a usage plan (every method requires it, but the forget route, which takes IAM, and the console\'s files, which are open and acknowledged on their methods); deploy with -c apiAuth=iam for IAM authorization',
      );
    }
    acknowledge(
      'AwsSolutions-COG4',
      byKey
        ? 'Callers authenticate with the usage plan\'s API key (seed 003), not a Cognito user pool; -c apiAuth=iam uses IAM'
        : 'Callers sign their requests (SigV4) and IAM authorizes them: machine clients, not a Cognito user pool',
    );
  }
}
