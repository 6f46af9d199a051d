/**
 * The REST API's console routes, `GET /console`, `GET /console/{file}` and
 * `GET /console/v/{build}/{file}`: the web console's static files (index.html, *.js, *.css),
 * which the api function serves from its binary (it answers `GET /console/` too; the page names
 * its files under its build's path, which browsers keep for good). Their methods are declared beside the proxy and are open,
 * whatever `apiAuth` says (no authorization, no API key): a browser that navigates to a page
 * cannot send `x-api-key` or sign the request (SigV4). The files hold no data: the page asks the
 * user for the API key and sends it with each data call, which goes through the proxy (or the
 * forget route) and stays behind the key or IAM. Only GET is declared, so any other method on
 * these paths gets API Gateway's own 403 and never reaches the function.
 */
import { Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** The console's page, as the api function's route table has it. */
export const CONSOLE_PATH = '/console';
/** One of the console's files (index.html, *.js, *.css). */
export const CONSOLE_FILE_PATH = '/console/{file}';
/** One of the console's files under a build's path, as the page names them. */
export const CONSOLE_BUILD_FILE_PATH = '/console/v/{build}/{file}';

export interface ConsoleRouteProps {
  readonly api: apigateway.RestApi;
  readonly handler: lambda.IFunction;
}

export class ConsoleRoute extends Construct {
  /** `GET /console`. */
  readonly pageMethod: apigateway.Method;
  /** `GET /console/{file}`. */
  readonly fileMethod: apigateway.Method;
  /** `GET /console/v/{build}/{file}`. */
  readonly buildFileMethod: apigateway.Method;

  constructor(scope: Construct, id: string, props: ConsoleRouteProps) {
    super(scope, id);
    const integration = new apigateway.LambdaIntegration(props.handler);
    const open: apigateway.MethodOptions = {
      authorizationType: apigateway.AuthorizationType.NONE,
      apiKeyRequired: false,
    };
    const page = props.api.root.resourceForPath(CONSOLE_PATH);
    this.pageMethod = page.addMethod('GET', integration, open);
    this.fileMethod = page.resourceForPath('{file}').addMethod('GET', integration, open);
    this.buildFileMethod = props.api.root
      .resourceForPath(CONSOLE_BUILD_FILE_PATH)
      .addMethod('GET', integration, open);

    for (const method of [this.pageMethod, this.fileMethod, this.buildFileMethod]) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'The console\'s static files (no data) are open because a browser cannot send the API key or SigV4 when it navigates to a page; the data calls the page makes stay behind the key or IAM',
      });
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason: 'The console\'s static files (no data) take no authorization at all, Cognito or other: a browser navigating to a page sends no credentials; the page\'s data calls carry the API key (or IAM)',
      });
    }
  }
}
