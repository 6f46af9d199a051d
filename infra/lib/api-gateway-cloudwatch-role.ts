/**
 * The role API Gateway writes execution and access logs with. It is a setting of the account in
 * the region (`AWS::ApiGateway::Account`), shared by every REST API there, so its policy names the
 * log actions one by one on the region's log groups, no managed policy; role and setting are
 * retained when the stack goes, so the other APIs of the account keep logging.
 */
import { ArnFormat, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** What API Gateway does with the role: creates groups and streams, and writes to them. */
export const API_GATEWAY_LOG_ACTIONS = [
  'logs:CreateLogGroup',
  'logs:CreateLogStream',
  'logs:DescribeLogGroups',
  'logs:DescribeLogStreams',
  'logs:PutLogEvents',
];

export class ApiGatewayCloudWatchRole extends Construct {
  readonly role: iam.Role;
  /** The account setting; a stage that logs must be deployed after it. */
  readonly account: apigateway.CfnAccount;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const logGroups = Stack.of(this).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'API Gateway writes the execution and access logs of the REST APIs in this region with it',
      inlinePolicies: {
        WriteApiLogs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({ sid: 'WriteApiLogs', actions: API_GATEWAY_LOG_ACTIONS, resources: [logGroups] }),
          ],
        }),
      },
    });
    this.role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.account = new apigateway.CfnAccount(this, 'Account', { cloudWatchRoleArn: this.role.roleArn });
    this.account.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const stack = Stack.of(this);
    const shown = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<${pseudo}>` : value);
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${shown(stack.partition, 'AWS::Partition')}:logs:${shown(stack.region, 'AWS::Region')}:${shown(stack.account, 'AWS::AccountId')}:log-group:*]`,
      reason:
        "It is the account's logging role for every REST API in the region: it writes each API's execution log group (API-Gateway-Execution-Logs_<api id>/<stage>) and the access log group each API names, so it names the region's log groups, not one API's",
    });
  }
}
