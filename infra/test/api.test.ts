import { API_GATEWAY_LOG_ACTIONS } from '../lib/api-gateway-cloudwatch-role';
import { onlyResource, synthesize } from './synthesize';

describe('the REST API in front of the api function', () => {
  const { service } = synthesize();
  const methods = () => Object.values(service.findResources('AWS::ApiGateway::Method')).map((m: any) => m.Properties);

  test('proxies every path and method, the root too, to the api function', () => {
    onlyResource(service, 'AWS::ApiGateway::RestApi', { Name: 'event-store-dev', EndpointConfiguration: { Types: ['REGIONAL'] } });
    onlyResource(service, 'AWS::ApiGateway::Resource', { PathPart: '{proxy+}' });
    expect(methods()).toHaveLength(2);
    for (const method of methods()) {
      expect(method.HttpMethod).toBe('ANY');
      expect(method.Integration.Type).toBe('AWS_PROXY');
      expect(JSON.stringify(method.Integration.Uri)).toMatch(/"ApiFunction[0-9A-F]{8}","Arn"/);
    }
  });

  test('gives the api function less time than the gateway waits (29 s), so it answers before a bare 504', () => {
    const api = Object.values(service.findResources('AWS::Lambda::Function')).find((f: any) => f.Properties.FunctionName === 'event-store-dev-api') as any;
    expect(api.Properties.Timeout).toBe(26);
    for (const method of methods()) {
      expect(method.Integration.TimeoutInMillis ?? 29000).toBeGreaterThan(api.Properties.Timeout * 1000);
    }
  });

  test('requires the API key on every method by default (seed 003)', () => {
    for (const method of methods()) {
      expect(method).toMatchObject({ ApiKeyRequired: true, AuthorizationType: 'NONE' });
    }
  });

  test('binds the key to a usage plan on the stage that throttles at the configured rate and burst', () => {
    const key = onlyResource(service, 'AWS::ApiGateway::ApiKey');
    expect(key).toMatchObject({ Name: 'event-store-dev', Enabled: true });
    expect(key.Value).toBeUndefined();
    const plan = onlyResource(service, 'AWS::ApiGateway::UsagePlan');
    expect(plan.Throttle).toEqual({ RateLimit: 100, BurstLimit: 200 });
    expect(plan.Quota).toBeUndefined();
    expect(plan.ApiStages).toEqual([
      { ApiId: { Ref: expect.stringMatching(/^RestApi/) }, Stage: { Ref: expect.stringMatching(/^RestApiDeploymentStagedev/) }, Throttle: {} },
    ]);
    const binding = onlyResource(service, 'AWS::ApiGateway::UsagePlanKey');
    expect(binding).toEqual({
      KeyId: { Ref: expect.stringMatching(/^RestApiKey/) },
      KeyType: 'API_KEY',
      UsagePlanId: { Ref: expect.stringMatching(/^RestApiUsagePlan/) },
    });
  });

  test('takes the throttle and an optional daily quota from context', () => {
    const limited = synthesize({ apiRateLimit: 5, apiBurstLimit: '10', apiDailyQuota: 1000 }).service;
    const plan = onlyResource(limited, 'AWS::ApiGateway::UsagePlan');
    expect(plan.Throttle).toEqual({ RateLimit: 5, BurstLimit: 10 });
    expect(plan.Quota).toEqual({ Limit: 1000, Period: 'DAY' });
    const stage = onlyResource(limited, 'AWS::ApiGateway::Stage');
    expect(stage.MethodSettings).toEqual([expect.objectContaining({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 })]);
  });

  test('with apiAuth=iam, every method takes IAM authorization and there is no key or plan', () => {
    const iam = synthesize({ apiAuth: 'iam' }).service;
    const iamMethods = Object.values(iam.findResources('AWS::ApiGateway::Method')).map((m: any) => m.Properties);
    expect(iamMethods).toHaveLength(2);
    for (const method of iamMethods) {
      expect(method.AuthorizationType).toBe('AWS_IAM');
      expect(method.ApiKeyRequired).toBeUndefined();
    }
    iam.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
    iam.resourceCountIs('AWS::ApiGateway::UsagePlan', 0);
  });

  test('deploys one stage named after the environment: throttled, errors logged, JSON access logs, no tracing', () => {
    const stage = onlyResource(synthesize({ envName: 'prod' }).service, 'AWS::ApiGateway::Stage');
    expect(stage.StageName).toBe('prod');
    const own = onlyResource(service, 'AWS::ApiGateway::Stage');
    expect(own.StageName).toBe('dev');
    expect(own.TracingEnabled).toBe(false);
    expect(own.MethodSettings).toEqual([
      {
        HttpMethod: '*',
        ResourcePath: '/*',
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
        MetricsEnabled: true,
        ThrottlingRateLimit: 100,
        ThrottlingBurstLimit: 200,
      },
    ]);
    expect(own.AccessLogSetting.DestinationArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^RestApiAccessLogs/), 'Arn'] });
    const format = JSON.parse(own.AccessLogSetting.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      method: '$context.httpMethod',
      path: '$context.path',
      status: '$context.status',
      latencyMs: '$context.responseLatency',
    });
    const group = onlyResource(service, 'AWS::Logs::LogGroup', { LogGroupName: '/aws/apigateway/event-store-dev-access' });
    expect(group.RetentionInDays).toBe(30);
  });

  test('traces the stage with X-Ray when tracing=true; the functions are traced either way', () => {
    const traced = synthesize({ tracing: 'true' }).service;
    expect(onlyResource(traced, 'AWS::ApiGateway::Stage').TracingEnabled).toBe(true);
    traced.allResourcesProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
  });

  test("sets the account's logging role for API Gateway, with named log actions and no managed policy, retained", () => {
    const account = Object.values(service.findResources('AWS::ApiGateway::Account'));
    expect(account).toHaveLength(1);
    expect((account[0] as any).DeletionPolicy).toBe('Retain');
    const roleId = (account[0] as any).Properties.CloudWatchRoleArn['Fn::GetAtt'][0];
    const role = service.toJSON().Resources[roleId];
    expect(role.DeletionPolicy).toBe('Retain');
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: 'apigateway.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    ]);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toEqual([
      {
        PolicyName: 'WriteApiLogs',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'WriteApiLogs',
              Effect: 'Allow',
              Action: API_GATEWAY_LOG_ACTIONS,
              Resource: {
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:*']],
              },
            },
          ],
        },
      },
    ]);
    const stage = Object.values(service.findResources('AWS::ApiGateway::Stage'))[0] as any;
    expect(stage.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^RestApiCloudWatchAccount/)]));
  });

  test('lets API Gateway invoke the api function, and no other', () => {
    const permissions = Object.values(service.findResources('AWS::Lambda::Permission')).map((p: any) => p.Properties);
    const fromApiGateway = permissions.filter((p) => p.Principal === 'apigateway.amazonaws.com');
    expect(fromApiGateway.length).toBeGreaterThan(0);
    for (const permission of fromApiGateway) {
      expect(permission.FunctionName).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ApiFunction/), 'Arn'] });
    }
  });
});
