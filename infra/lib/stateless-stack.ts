/**
 * Everything that can be replaced at will: the bus and its archive, the ingest path, the five
 * functions with their least-privilege roles, the REST API in front of the api function, the
 * stream mapping, the replay chain's guard, the optional raw archive, the bus's copy to replica regions, the alarms, the
 * dashboard and the stack outputs. It takes the tables and key from the stateful stack.
 */
import { Stack, StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { BusReplication } from './bus-replication';
import { CycleSweep } from './cycle-sweep';
import { DeploymentSettings } from './deployment-settings';
import * as env from './function-environment';
import {
  apiStatements,
  persisterStatements,
  projectorStatements,
  queryStatements,
  replayStatements,
  StoreResources,
} from './function-permissions';
import { IngestPipeline } from './ingest-pipeline';
import { loadPipelineDefinition } from './pipeline-definition';
import { RawEventArchive } from './raw-event-archive';
import { ReplayChainGuard } from './replay-chain-guard';
import { FunctionName, RustFunction } from './rust-function';
import { StoreApi } from './store-api';
import { StoreBus } from './store-bus';
import { storeFunction } from './store-function';
import { StoreMonitoring } from './store-monitoring';
import { addStoreOutputs } from './store-outputs';
import { STREAM_WILDCARD_REASON, StreamProjection } from './stream-projection';
import { TableDefinitions } from './table-definitions';

export interface StatelessStackProps extends StackProps {
  readonly settings: DeploymentSettings;
  readonly tables: TableDefinitions;
  readonly eventsTable: dynamodb.ITable;
  readonly projectionsTable: dynamodb.ITable;
  /** The tables' customer-managed key; none when they use AWS's managed key. */
  readonly key?: kms.IKey;
}

export class StatelessStack extends Stack {
  readonly functions: Record<FunctionName, RustFunction>;
  readonly storeBus: StoreBus;
  readonly ingest: IngestPipeline;
  readonly projection: StreamProjection;
  readonly cycleSweep: CycleSweep;
  readonly replayChainGuard: ReplayChainGuard;
  readonly api: StoreApi;
  readonly monitoring: StoreMonitoring;
  readonly rawArchive?: RawEventArchive;
  /** Only with replica regions. */
  readonly busReplication?: BusReplication;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const pipeline = loadPipelineDefinition(settings.envName);
    this.storeBus = new StoreBus(this, 'Bus', settings, pipeline.bus);
    const bus = this.storeBus.bus;
    const resources: StoreResources = {
      eventsTable: props.eventsTable,
      projectionsTable: props.projectionsTable,
      key: props.key,
      bus,
      tables: props.tables,
    };
    const replicated = settings.replicaRegions.length > 0;
    // With replicas, this stack's region is the write region (checked to be known at synth).
    const store = env.storeEnvironment(props.eventsTable.tableName, settings, replicated ? this.region : undefined);
    const projections = { [env.PROJECTIONS_TABLE.name]: props.projectionsTable.tableName };
    const publishing = {
      [env.EVENT_BUS_NAME.name]: bus.eventBusName,
      ...(settings.projectorSettings
        ? { [env.PROJECTOR_SETTINGS.name]: JSON.stringify(settings.projectorSettings) }
        : {}),
    };
    const make = (name: FunctionName, environment: Record<string, string>, otherWildcardResources?: string) =>
      storeFunction(this, name, settings, pipeline, { environment, otherWildcardResources });
    const persister = make('persister', store);
    const query = make('query', { ...store, ...projections });
    const projector = make(
      'projector',
      {
        ...store,
        ...projections,
        ...publishing,
        [env.PROJECTOR_EVENT_BUDGET.name]: String(settings.projectorEventBudget),
      },
      STREAM_WILDCARD_REASON,
    );
    const replay = storeFunction(this, 'replay', settings, pipeline, {
      environment: {
        ...store,
        ...projections,
        ...publishing,
        [env.REBUILD_GRACE_HOURS.name]: String(settings.rebuildGraceHours),
      },
      // A replay asked to run until done invokes the function again, asynchronously, after each
      // checkpoint: a chain of invocations that Lambda's loop detection would stop after 16.
      recursiveLoop: lambda.RecursiveLoop.ALLOW,
      reservedConcurrency: settings.replayConcurrency,
    });
    const api = make('api', {
      ...store,
      ...projections,
      [env.REPLAY_FUNCTION_NAME.name]: replay.functionName,
    });
    this.functions = { persister, query, projector, replay, api };
    const grant = (name: FunctionName, statements: ReturnType<typeof persisterStatements>) => {
      for (const statement of statements) {
        this.functions[name].role.addToPrincipalPolicy(statement);
      }
    };
    grant('persister', persisterStatements(resources));
    grant('query', queryStatements(resources));
    grant('projector', projectorStatements(resources));
    // Its own ARN from its name: the function's ARN attribute would make the role depend on it.
    grant('replay', replayStatements(resources, replay.arnFromName));
    grant('api', apiStatements(resources, replay.function.functionArn));

    this.ingest = new IngestPipeline(this, 'Ingest', {
      pipeline,
      bus,
      pattern: settings.ingestPattern,
      persister: persister.function,
    });
    this.projection = new StreamProjection(this, 'Projection', {
      pipeline,
      table: props.eventsTable,
      projector: projector.function,
    });
    this.cycleSweep = new CycleSweep(this, 'CycleSweep', {
      pipeline,
      projector: projector.function,
    });
    this.replayChainGuard = new ReplayChainGuard(this, 'ReplayChain', { envName: settings.envName, replay: replay.function });
    this.api = new StoreApi(this, 'RestApi', { settings, handler: api.function });
    if (settings.rawArchive) {
      this.rawArchive = new RawEventArchive(this, 'RawArchive', { envName: settings.envName, bus });
    }
    if (replicated) {
      this.busReplication = new BusReplication(this, 'BusReplication', {
        envName: settings.envName,
        bus,
        busName: settings.existingBusName ?? pipeline.bus,
        regions: settings.replicaRegions,
      });
    }
    this.monitoring = new StoreMonitoring(this, 'Monitoring', {
      envName: settings.envName,
      functions: Object.fromEntries(Object.entries(this.functions).map(([name, f]) => [name, f.function])),
      deadLetterQueues: {
        'ingest-dlq': this.ingest.deadLetterQueue,
        'ingest-undelivered': this.ingest.undeliveredQueue,
        'projector-failures': this.projection.failureQueue,
        'replay-failures': this.replayChainGuard.failureQueue,
        ...(this.busReplication ? { 'replication-undelivered': this.busReplication.undeliveredQueue } : {}),
      },
      tables: { events: props.eventsTable, projections: props.projectionsTable },
      ingestRule: this.ingest.rule,
      projector: projector.function,
      replay: replay.function,
    });
    addStoreOutputs(this, {
      CommandHandlerFunction: persister.function.functionName,
      QueryHandlerFunction: query.function.functionName,
      EventStoreTable: props.eventsTable.tableName,
      EventBusName: bus.eventBusName,
      EventArchive: this.storeBus.archive.ref,
      ProjectionsTable: props.projectionsTable.tableName,
      ReplayFunction: replay.function.functionName,
      ApiUrl: this.api.api.url,
    });
  }
}
