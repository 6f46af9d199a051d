/**
 * Assembles a deployment into an app: settings from context, the stateful stack, the stateless
 * stack on top of it, one replica stack per replica region (the read side there), and the
 * AwsSolutions nag pack as a validation plugin.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { checkedWriteRegion, DeploymentSettings, readDeploymentSettings } from './deployment-settings';
import { ReplicaStack } from './replica-stack';
import { StatefulStack } from './stateful-stack';
import { StatelessStack } from './stateless-stack';
import { loadTableDefinitions } from './table-definitions';

export interface EventStoreApp {
  readonly settings: DeploymentSettings;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
  /** One per replica region, in the order of `replicaRegions`; none in one region. */
  readonly replicas: ReplicaStack[];
}

export interface BuildOptions {
  /** Where `make build` leaves the zips, unless `-c lambdaAssets=DIR` says otherwise. */
  readonly defaultAssetsDir: string;
  /** The account and region to deploy to: CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION (the CLI's) unless given. */
  readonly environment?: { readonly account?: string; readonly region?: string };
}

export function buildEventStore(app: App, options: BuildOptions): EventStoreApp {
  const settings = readDeploymentSettings((name) => app.node.tryGetContext(name), options.defaultAssetsDir);
  const tables = loadTableDefinitions();
  const account = options.environment ? options.environment.account : process.env.CDK_DEFAULT_ACCOUNT;
  const region = checkedWriteRegion(
    settings,
    options.environment ? options.environment.region : process.env.CDK_DEFAULT_REGION,
  );
  const env = { account, region };
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
    key: stateful.tableKey,
    description: `Event store ${settings.envName}: bus, ingest, functions, API, alarms`,
  });
  stateless.addStackDependency(stateful);
  const replicas = settings.replicaRegions.map((replicaRegion) => {
    const replica = new ReplicaStack(app, `EventStore-${settings.envName}-Replica-${replicaRegion}`, {
      env: { account, region: replicaRegion },
      settings,
      tables,
      writeRegion: region as string,
      description: `Event store ${settings.envName}: the read side in ${replicaRegion} (query, API) over the replica tables`,
    });
    // The global tables create the replicas this stack reads; its bus must be there before the
    // write region's replication rule puts events on it.
    replica.addStackDependency(stateful);
    stateless.addStackDependency(replica);
    return replica;
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { settings, stateful, stateless, replicas };
}
