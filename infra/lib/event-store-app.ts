/**
 * Assembles a deployment into an app: settings from context, the stateful stack, the stateless
 * stack on top of it, and the AwsSolutions nag pack as a validation plugin.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DeploymentSettings, readDeploymentSettings } from './deployment-settings';
import { StatefulStack } from './stateful-stack';
import { StatelessStack } from './stateless-stack';
import { loadTableDefinitions } from './table-definitions';

export interface EventStoreApp {
  readonly settings: DeploymentSettings;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

export interface BuildOptions {
  /** Where `make build` leaves the zips, unless `-c lambdaAssets=DIR` says otherwise. */
  readonly defaultAssetsDir: string;
}

export function buildEventStore(app: App, options: BuildOptions): EventStoreApp {
  const settings = readDeploymentSettings((name) => app.node.tryGetContext(name), options.defaultAssetsDir);
  const tables = loadTableDefinitions();
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const stateful = new StatefulStack(app, `EventStore-${settings.envName}-Data`, {
    env,
    settings,
    tables,
    description: `Event store ${settings.envName}: tables and key (retained)`,
  });
  const stateless = new StatelessStack(app, `EventStore-${settings.envName}`, {
    env,
    settings,
    tables,
    eventsTable: stateful.eventsTable,
    projectionsTable: stateful.projectionsTable,
    key: stateful.key,
    description: `Event store ${settings.envName}: bus, ingest, functions, alarms`,
  });
  stateless.addStackDependency(stateful);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { settings, stateful, stateless };
}
