/**
 * Assembles a deployment into an app: settings from context, the stateful stack, the store's
 * stack on top of it in the primary region, one such stack per replica region over its replicas,
 * and the AwsSolutions nag pack as a validation plugin. The write region's stack deploys last, so
 * `cdk deploy --all` with another `writeRegion` (a failover) first stops the old write region's
 * writes, then starts the new one's.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DeploymentRegions, deploymentRegions, takesWrites } from './deployment-regions';
import { DeploymentSettings, readDeploymentSettings } from './deployment-settings';
import { StatefulStack } from './stateful-stack';
import { StatelessStack } from './stateless-stack';
import { loadTableDefinitions, withEnabledIndexes } from './table-definitions';

export interface EventStoreApp {
  readonly settings: DeploymentSettings;
  readonly regions: DeploymentRegions;
  readonly stateful: StatefulStack;
  /** The store in the primary region. */
  readonly stateless: StatelessStack;
  /** The store in each replica region, in the order of `replicaRegions`; none in one region. */
  readonly replicas: StatelessStack[];
}

export interface BuildOptions {
  /** Where `make build` leaves the zips, unless `-c lambdaAssets=DIR` says otherwise. */
  readonly defaultAssetsDir: string;
  /** The account and region to deploy to: CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION (the CLI's) unless given. */
  readonly environment?: { readonly account?: string; readonly region?: string };
}

export function buildEventStore(app: App, options: BuildOptions): EventStoreApp {
  const definitions = loadTableDefinitions();
  const settings = readDeploymentSettings((name) => app.node.tryGetContext(name), options.defaultAssetsDir, definitions.events);
  // Only the enabled indexes from here on: the tables, the index grants and INDEXES all follow.
  const tables = withEnabledIndexes(definitions, settings.indexes);
  const account = options.environment ? options.environment.account : process.env.CDK_DEFAULT_ACCOUNT;
  const regions = deploymentRegions(
    settings,
    options.environment ? options.environment.region : process.env.CDK_DEFAULT_REGION,
  );
  const env = { account, region: regions.primary };
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
    regions,
    regionTables: {
      eventsTable: stateful.eventsTable,
      projectionsTable: stateful.projectionsTable,
      key: stateful.tableKey,
      personalData: stateful.personalData,
    },
    description: `Event store ${settings.envName}: bus, ingest, functions, API, alarms`,
  });
  stateless.addStackDependency(stateful);
  const replicas = regions.replicas.map((replicaRegion) => {
    const replica = new StatelessStack(app, `EventStore-${settings.envName}-Replica-${replicaRegion}`, {
      env: { account, region: replicaRegion },
      settings,
      tables,
      regions,
      description: `Event store ${settings.envName}: the store in ${replicaRegion} over the replica tables (writing when writeRegion is ${replicaRegion})`,
    });
    // The global tables create the replicas this stack works on.
    replica.addStackDependency(stateful);
    return replica;
  });
  // The write region's stack last: its replication rule's targets, the other regions' buses, are
  // there before it forwards, and a new write region starts writing only once the old one stopped.
  const regional = [stateless, ...replicas];
  const writer = regional.find((stack) => takesWrites(regions, stack.region)) ?? stateless;
  for (const other of regional.filter((stack) => stack !== writer)) {
    writer.addStackDependency(other);
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { settings, regions, stateful, stateless, replicas };
}
