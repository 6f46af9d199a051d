import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { API_GATEWAY_LOG_ACTIONS } from '../lib/api-gateway-cloudwatch-role';
import { onlyResource, synthesize } from './synthesize';

/** The repository's event types file: it declares personal data. */
const EVENT_TYPES_FILE = path.join(__dirname, '..', '..', 'fixtures', 'event-types.json');

const methodsOf = (template: Template) =>
  Object.values(template.findResources('AWS::ApiGateway::Method')).map((m: any) => m.Properties);
/** The methods but the forget and console routes': the root's and the proxy's. */
const proxyMethodsOf = (template: Template) => methodsOf(template).filter((method) => method.HttpMethod === 'ANY');
const forgetMethodOf = (template: Template) => onlyResource(template, 'AWS::ApiGateway::Method', { HttpMethod: 'POST' });
/** The console route's methods, all GET: `/console`'s, `/console/{file}`'s and `/console/v/{build}/{file}`'s. */
const consoleMethodsOf = (template: Template) => methodsOf(template).filter((method) => method.HttpMethod === 'GET');
/** The path parts of a resource, from the root down. */
const pathOf = (template: Template, id: string): string[] => {
  const resource = template.toJSON().Resources[id].Properties;
  return resource.ParentId.Ref ? [...pathOf(template, resource.ParentId.Ref), resource.PathPart] : [resource.PathPart];
};

describe('the REST API in front of the api function', () => {
  const { service } = synthesize();
  const methods = () => methodsOf(service);

  test('proxies every path and method, the root too, to the api function, and declares the forget and console routes beside them', () => {
    onlyResource(service, 'AWS::ApiGateway::RestApi', { Name: 'event-store-dev', EndpointConfiguration: { Types: ['REGIONAL'] } });
    onlyResource(service, 'AWS::ApiGateway::Resource', { PathPart: '{proxy+}' });
    expect(methods()).toHaveLength(6);
    expect(proxyMethodsOf(service)).toHaveLength(2);
    expect(consoleMethodsOf(service)).toHaveLength(3);
    expect(forgetMethodOf(service).ResourceId).toEqual({ Ref: expect.stringMatching(/^RestApisubjectssubjectIdforget/) });
    for (const method of methods()) {
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

  test('requires the API key on every method by default (seed 003), but the forget and console routes', () => {
    for (const method of proxyMethodsOf(service)) {
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

  test("with apiAuth=iam, every method but the console's takes IAM authorization and there is no key or plan", () => {
    const iam = synthesize({ apiAuth: 'iam' }).service;
    expect(methodsOf(iam)).toHaveLength(6);
    for (const method of proxyMethodsOf(iam)) {
      expect(method.AuthorizationType).toBe('AWS_IAM');
      expect(method.ApiKeyRequired).toBeUndefined();
    }
    expect(forgetMethodOf(iam)).toMatchObject({ AuthorizationType: 'AWS_IAM', ApiKeyRequired: false });
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

describe('the forget route, POST /subjects/{subjectId}/forget', () => {
  const { service } = synthesize();

  test('is declared whether or not the event types file declares personal data', () => {
    expect(forgetMethodOf(synthesize({ eventTypesFile: EVENT_TYPES_FILE }).service)).toMatchObject({ HttpMethod: 'POST' });
    expect(forgetMethodOf(service)).toMatchObject({ HttpMethod: 'POST' });
  });

  test('takes IAM authorization and no API key, while the proxy still requires the key: the key is not enough to forget anyone', () => {
    expect(forgetMethodOf(service)).toMatchObject({ AuthorizationType: 'AWS_IAM', ApiKeyRequired: false });
    for (const method of proxyMethodsOf(service)) {
      expect(method).toMatchObject({ AuthorizationType: 'NONE', ApiKeyRequired: true });
    }
  });

  test('sits at subjects/{subjectId}/forget, under the root', () => {
    expect(pathOf(service, forgetMethodOf(service).ResourceId.Ref)).toEqual(['subjects', '{subjectId}', 'forget']);
  });

  test('has a managed policy, event-store-<env>-forget-subjects, that may invoke that method of the stage and nothing else', () => {
    const policy = onlyResource(service, 'AWS::IAM::ManagedPolicy');
    expect(policy.ManagedPolicyName).toBe('event-store-dev-forget-subjects');
    expect(policy.PolicyDocument.Statement).toEqual([
      {
        Sid: 'ForgetSubjects',
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':execute-api:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':',
              { Ref: expect.stringMatching(/^RestApi[0-9A-F]{8}$/) },
              '/dev/POST/subjects/*/forget',
            ],
          ],
        },
      },
    ]);
    // For an operator to attach: no role of the stack holds it.
    expect(policy.Roles).toBeUndefined();
  });
});

describe('the console route, GET /console, GET /console/{file} and GET /console/v/{build}/{file}', () => {
  const byKey = synthesize().service;
  const byIam = synthesize({ apiAuth: 'iam' }).service;
  const pathsOf = (template: Template) => consoleMethodsOf(template).map((method) => pathOf(template, method.ResourceId.Ref));

  test.each([
    ['apiAuth=apiKey', byKey],
    ['apiAuth=iam', byIam],
  ])('with %s, has one GET method on /console, one on /console/{file} and one on /console/v/{build}/{file}, and no other method there', (_, template) => {
    expect(pathsOf(template).sort()).toEqual([['console'], ['console', 'v', '{build}', '{file}'], ['console', '{file}']]);
    const consoleResources = new Set(consoleMethodsOf(template).map((method) => method.ResourceId.Ref));
    const onConsole = methodsOf(template).filter((method) => consoleResources.has(method.ResourceId.Ref));
    expect(onConsole.map((method) => method.HttpMethod)).toEqual(['GET', 'GET', 'GET']);
  });

  test.each([
    ['apiAuth=apiKey', byKey],
    ['apiAuth=iam', byIam],
  ])('with %s, is open: no authorization and no API key, as a browser navigating to a page sends neither', (_, template) => {
    for (const method of consoleMethodsOf(template)) {
      expect(method).toMatchObject({ AuthorizationType: 'NONE', ApiKeyRequired: false });
    }
  });

  test.each([
    ['apiAuth=apiKey', byKey],
    ['apiAuth=iam', byIam],
  ])('with %s, is integrated with the api function (Lambda proxy)', (_, template) => {
    for (const method of consoleMethodsOf(template)) {
      expect(method.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
      expect(JSON.stringify(method.Integration.Uri)).toMatch(/"ApiFunction[0-9A-F]{8}","Arn"/);
    }
  });

  test('leaves the data behind the key (apiAuth=apiKey) or IAM (apiAuth=iam): the proxy and the forget route are unchanged', () => {
    expect(proxyMethodsOf(byKey)).toHaveLength(2);
    for (const method of proxyMethodsOf(byKey)) {
      expect(method).toMatchObject({ AuthorizationType: 'NONE', ApiKeyRequired: true });
    }
    expect(proxyMethodsOf(byIam)).toHaveLength(2);
    for (const method of proxyMethodsOf(byIam)) {
      expect(method.AuthorizationType).toBe('AWS_IAM');
      expect(method.ApiKeyRequired).toBeUndefined();
    }
    for (const template of [byKey, byIam]) {
      expect(forgetMethodOf(template)).toMatchObject({ AuthorizationType: 'AWS_IAM', ApiKeyRequired: false });
    }
  });

  test("names the console in the RestApi's description", () => {
    expect(onlyResource(byKey, 'AWS::ApiGateway::RestApi').Description).toMatch(/web console at \/console/);
  });
});
