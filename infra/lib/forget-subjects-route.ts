/**
 * The REST API's forget route, `POST /subjects/{subjectId}/forget` (crypto-shredding: a data
 * subject's keys are deleted), and who may call it. Its method is declared beside the proxy and
 * always takes IAM authorization, whatever `apiAuth` says, so holding the API key is not enough
 * to forget anyone; the managed policy `event-store-<env>-forget-subjects` allows invoking that
 * method and nothing else, for an operator to attach to a data-protection role.
 */
import { Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** The route as the api function's route table has it (crates/functions/api/src/routes.rs). */
export const FORGET_SUBJECT_PATH = '/subjects/{subjectId}/forget';
/** The route as an execute-api ARN names it: every subject. */
export const FORGET_SUBJECT_ARN_PATH = '/subjects/*/forget';

export interface ForgetSubjectsRouteProps {
  readonly envName: string;
  readonly api: apigateway.RestApi;
  /** The stage callers invoke (the stage named after the environment). */
  readonly stageName: string;
  readonly handler: lambda.IFunction;
}

export class ForgetSubjectsRoute extends Construct {
  readonly method: apigateway.Method;
  /** Allows `execute-api:Invoke` on the forget method of the stage only. */
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ForgetSubjectsRouteProps) {
    super(scope, id);
    this.method = props.api.root
      .resourceForPath(FORGET_SUBJECT_PATH)
      .addMethod('POST', new apigateway.LambdaIntegration(props.handler), {
        authorizationType: apigateway.AuthorizationType.IAM,
        apiKeyRequired: false,
      });
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      managedPolicyName: `event-store-${props.envName}-forget-subjects`,
      description: `Event store ${props.envName}: may forget data subjects (POST ${FORGET_SUBJECT_PATH}), nothing else`,
      statements: [
        new iam.PolicyStatement({
          sid: 'ForgetSubjects',
          actions: ['execute-api:Invoke'],
          resources: [props.api.arnForExecuteApi('POST', FORGET_SUBJECT_ARN_PATH, props.stageName)],
        }),
      ],
    });
    const stack = Stack.of(this);
    const shown = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<${pseudo}>` : value);
    const restApi = stack.getLogicalId(props.api.node.defaultChild as apigateway.CfnRestApi);
    Validations.of(this.policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${shown(stack.partition, 'AWS::Partition')}:execute-api:${shown(stack.region, 'AWS::Region')}:${shown(stack.account, 'AWS::AccountId')}:<${restApi}>/${props.stageName}/POST${FORGET_SUBJECT_ARN_PATH}]`,
      reason: 'The one method, POST /subjects/{subjectId}/forget, for every subject: the subject is a path parameter, which an execute-api ARN names with *',
    });
  }
}
