/**
 * The read side in a replica region (`EventStore-<env>-Replica-<region>`, deployed with that
 * region): the query and api functions over the region's replicas of the global tables, the REST
 * API in front of the api, the bus of the store's name (the write region's bus puts the store's
 * publications on it), alarms and outputs. Its functions are told the write region, so the api
 * here refuses appends (`NotWriteRegion`); its roles only read. Everything that writes (the
 * persister and its ingest path, the projector, replay) runs in the write region only: the tables
 * bring its events and read models here.
 */
import { Stack, StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { DeploymentSettings } from './deployment-settings';
import * as env from './function-environment';
import { queryStatements, TableResources } from './function-permissions';
import { loadPipelineDefinition } from './pipeline-definition';
import { RustFunction } from './rust-function';
import { StoreApi } from './store-api';
import { StoreBus } from './store-bus';
import { storeFunction } from './store-function';
import { StoreMonitoring } from './store-monitoring';
import { addStoreOutputs } from './store-outputs';
import { TableDefinitions } from './table-definitions';

export interface ReplicaStackProps extends StackProps {
  readonly settings: DeploymentSettings;
  readonly tables: TableDefinitions;
  /** The region that takes appends: the write region's stacks' own. */
  readonly writeRegion: string;
}

/** The functions a replica region runs: the reads. */
export type ReplicaFunctionName = 'query' | 'api';

export class ReplicaStack extends Stack {
  readonly functions: Record<ReplicaFunctionName, RustFunction>;
  readonly storeBus: StoreBus;
  readonly api: StoreApi;
  readonly monitoring: StoreMonitoring;

  constructor(scope: Construct, id: string, props: ReplicaStackProps) {
    super(scope, id, props);
    const { settings, tables } = props;
    const pipeline = loadPipelineDefinition(settings.envName);
    // The replicas have the tables' names in every region; a replica's ARN is the region's.
    const eventsTable = dynamodb.TableV2.fromTableAttributes(this, 'Events', {
      tableName: pipeline.tables.events,
      globalIndexes: tables.events.indexes.map((index) => index.name),
    });
    const projectionsTable = dynamodb.TableV2.fromTableAttributes(this, 'Projections', {
      tableName: pipeline.tables.projections,
      globalIndexes: tables.projections.indexes.map((index) => index.name),
    });
    const keyArn = settings.replicaKeyArns?.[this.region];
    const resources: TableResources = {
      eventsTable,
      projectionsTable,
      key: keyArn ? kms.Key.fromKeyArn(this, 'DataKey', keyArn) : undefined,
      tables,
    };
    this.storeBus = new StoreBus(this, 'Bus', settings, pipeline.bus);
    const environment = {
      ...env.storeEnvironment(eventsTable.tableName, settings, props.writeRegion),
      [env.PROJECTIONS_TABLE.name]: projectionsTable.tableName,
    };
    // No REPLAY_FUNCTION_NAME: replays write read models, so they run in the write region.
    const query = storeFunction(this, 'query', settings, pipeline, { environment });
    const api = storeFunction(this, 'api', settings, pipeline, { environment });
    this.functions = { query, api };
    // Appends are refused here (WRITE_REGION), so the api's role only reads, as the query's.
    for (const fn of [query, api]) {
      for (const statement of queryStatements(resources)) {
        fn.role.addToPrincipalPolicy(statement);
      }
    }
    this.api = new StoreApi(this, 'RestApi', { settings, handler: api.function });
    this.monitoring = new StoreMonitoring(this, 'Monitoring', {
      envName: settings.envName,
      functions: { query: query.function, api: api.function },
      deadLetterQueues: {},
      tables: { events: eventsTable, projections: projectionsTable },
      dashboardName: `event-store-${settings.envName}-${this.region}`,
    });
    addStoreOutputs(this, {
      QueryHandlerFunction: query.function.functionName,
      EventStoreTable: eventsTable.tableName,
      EventBusName: this.storeBus.bus.eventBusName,
      EventArchive: this.storeBus.archive.ref,
      ProjectionsTable: projectionsTable.tableName,
      ApiUrl: this.api.api.url,
    });
  }
}
