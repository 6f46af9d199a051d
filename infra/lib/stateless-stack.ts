/**
 * The store in one region, everything that can be replaced at will: the bus and its archive, the
 * ingest path, the five functions with their least-privilege roles (and the event types file's
 * layer, when there is one), the REST API in front of the api function (its forget route and
 * that route's policy among it), the stream mapping, the cycle sweep, the replay chain's guard,
 * the optional raw archive, the forwarding between the regions' buses, the alarms, the dashboard
 * and the stack outputs. `EventStore-<env>` in the primary region takes the tables and key from the stateful
 * stack; `EventStore-<env>-Replica-<region>` works on its region's replicas (ReplicaTables).
 * Every region runs the same functions, told the write region (`WRITE_REGION`); only the write
 * region's store writes: there the ingest rule, the stream mapping and the sweep are enabled,
 * replay may run, the persister and api roles may append and the api may start replays. Elsewhere
 * those are disabled (replay's reserved concurrency 0), the roles only read, and the bus forwards
 * the events to store to the write region's bus.
 */
import { Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { BusForwarding, EVENTS_TO_STORE, STORE_PUBLICATIONS } from './bus-forwarding';
import { CycleSweep } from './cycle-sweep';
import { DeploymentRegions, otherRegions, takesWrites } from './deployment-regions';
import { DeploymentSettings } from './deployment-settings';
import { EventTypesLayer } from './event-types-layer';
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
import { RegionTables, ReplicaTables } from './replica-tables';
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
  readonly regions: DeploymentRegions;
  /** The stateful stack's tables and key (the primary region); unset: this region's replicas. */
  readonly regionTables?: RegionTables;
}

export class StatelessStack extends Stack {
  readonly functions: Record<FunctionName, RustFunction>;
  /** Whether this region's store takes writes (the write region, or the only region). */
  readonly takesWrites: boolean;
  readonly regionTables: RegionTables;
  readonly storeBus: StoreBus;
  readonly ingest: IngestPipeline;
  readonly projection: StreamProjection;
  readonly cycleSweep: CycleSweep;
  readonly replayChainGuard: ReplayChainGuard;
  readonly api: StoreApi;
  readonly monitoring: StoreMonitoring;
  readonly rawArchive?: RawEventArchive;
  /** The event types file, in a layer every function has; none without `eventTypesFile`. */
  readonly eventTypesLayer?: EventTypesLayer;
  /** With replicas: the write region's copy of the store's publications to every other region. */
  readonly busReplication?: BusForwarding;
  /** With replicas, outside the write region: the events to store, to the write region's bus. */
  readonly writeRegionForwarding?: BusForwarding;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { settings, regions } = props;
    const pipeline = loadPipelineDefinition(settings.envName);
    this.takesWrites = takesWrites(regions, this.region);
    const writes = this.takesWrites;
    this.regionTables =
      props.regionTables ?? new ReplicaTables(this, 'ReplicaTables', { settings, pipeline, tables: props.tables });
    const { eventsTable, projectionsTable } = this.regionTables;
    this.storeBus = new StoreBus(this, 'Bus', settings, pipeline.bus);
    const bus = this.storeBus.bus;
    const resources: StoreResources = { ...this.regionTables, bus, tables: props.tables };
    if (settings.eventTypesFile) {
      this.eventTypesLayer = new EventTypesLayer(this, 'EventTypes', {
        envName: settings.envName,
        file: settings.eventTypesFile.path,
      });
    }
    const layers = this.eventTypesLayer ? [this.eventTypesLayer.layer] : undefined;
    const store = {
      ...env.storeEnvironment(eventsTable.tableName, settings, regions.write),
      ...env.eventTypesEnvironment(this.eventTypesLayer?.filePath, this.regionTables.personalData),
    };
    const projections = { [env.PROJECTIONS_TABLE.name]: projectionsTable.tableName };
    // The read models, cycles and rules: the projector and replay keep them; query and api list them.
    const projectorSettings = settings.projectorSettings
      ? { [env.PROJECTOR_SETTINGS.name]: JSON.stringify(settings.projectorSettings) }
      : {};
    const publishing = { [env.EVENT_BUS_NAME.name]: bus.eventBusName, ...projectorSettings };
    const make = (name: FunctionName, environment: Record<string, string>, otherWildcardResources?: string) =>
      storeFunction(this, name, settings, pipeline, { environment, otherWildcardResources, layers });
    // Outside the write region the persister may not read the table (below): nothing to connect to.
    const persister = make('persister', writes ? store : { ...store, [env.CONNECT_AT_INIT.name]: 'false' });
    const query = make('query', { ...store, ...projections, ...projectorSettings });
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
      // Replays write read models: outside the write region none may run.
      reservedConcurrency: writes ? settings.replayConcurrency : 0,
      layers,
    });
    // Replays are started (and followed) in the write region only.
    const api = make('api', {
      ...store,
      ...projections,
      ...projectorSettings,
      ...(writes ? { [env.REPLAY_FUNCTION_NAME.name]: replay.functionName } : {}),
    });
    this.functions = { persister, query, projector, replay, api };
    const grant = (name: FunctionName, statements: iam.PolicyStatement[]) => {
      for (const statement of statements) {
        this.functions[name].role.addToPrincipalPolicy(statement);
      }
    };
    // Outside the write region appends are refused (NotWriteRegion) and IAM agrees: the persister
    // may not touch the tables, the api only reads.
    grant('persister', writes ? persisterStatements(resources) : []);
    grant('query', queryStatements(resources));
    grant('projector', projectorStatements(resources));
    // Its own ARN from its name: the function's ARN attribute would make the role depend on it.
    grant('replay', replayStatements(resources, replay.arnFromName));
    grant('api', writes ? apiStatements(resources, replay.function.functionArn) : queryStatements(resources));

    this.ingest = new IngestPipeline(this, 'Ingest', {
      pipeline,
      bus,
      pattern: settings.ingestPattern,
      persister: persister.function,
      enabled: writes,
    });
    this.projection = new StreamProjection(this, 'Projection', {
      pipeline,
      table: eventsTable,
      projector: projector.function,
      enabled: writes,
    });
    this.cycleSweep = new CycleSweep(this, 'CycleSweep', {
      pipeline,
      projector: projector.function,
      enabled: writes,
    });
    this.replayChainGuard = new ReplayChainGuard(this, 'ReplayChain', { envName: settings.envName, replay: replay.function });
    this.api = new StoreApi(this, 'RestApi', { settings, handler: api.function });
    if (settings.rawArchive) {
      this.rawArchive = new RawEventArchive(this, 'RawArchive', { envName: settings.envName, bus });
    }
    const elsewhere = otherRegions(regions, this.region);
    const forwarding = { envName: settings.envName, bus, busName: settings.existingBusName ?? pipeline.bus };
    if (regions.write !== undefined && writes) {
      this.busReplication = new BusForwarding(this, 'BusReplication', {
        ...forwarding,
        regions: elsewhere,
        name: 'replication',
        pattern: STORE_PUBLICATIONS,
        forwards: 'What the store publishes',
      });
    }
    if (regions.write !== undefined && !writes) {
      this.writeRegionForwarding = new BusForwarding(this, 'WriteRegionForwarding', {
        ...forwarding,
        regions: [regions.write],
        name: 'to-write-region',
        pattern: EVENTS_TO_STORE,
        forwards: 'Every event to store (not what the store publishes)',
      });
    }
    const forwardedBy = this.busReplication ?? this.writeRegionForwarding;
    this.monitoring = new StoreMonitoring(this, 'Monitoring', {
      envName: settings.envName,
      functions: Object.fromEntries(Object.entries(this.functions).map(([name, f]) => [name, f.function])),
      deadLetterQueues: {
        'ingest-dlq': this.ingest.deadLetterQueue,
        'ingest-undelivered': this.ingest.undeliveredQueue,
        'projector-failures': this.projection.failureQueue,
        'replay-failures': this.replayChainGuard.failureQueue,
        ...(forwardedBy ? { [`${forwardedBy.forwardingName}-undelivered`]: forwardedBy.undeliveredQueue } : {}),
      },
      tables: { events: eventsTable, projections: projectionsTable },
      ingestRule: this.ingest.rule,
      projector: projector.function,
      replay: replay.function,
      replication: this.busReplication ? { table: eventsTable, receivingRegions: elsewhere } : undefined,
      // Dashboards are global to the account: the replica regions' are named after their region.
      dashboardName: props.regionTables ? undefined : `event-store-${settings.envName}-${this.region}`,
    });
    addStoreOutputs(this, {
      CommandHandlerFunction: persister.function.functionName,
      QueryHandlerFunction: query.function.functionName,
      EventStoreTable: eventsTable.tableName,
      EventBusName: bus.eventBusName,
      EventArchive: this.storeBus.archive.ref,
      ProjectionsTable: projectionsTable.tableName,
      ReplayFunction: replay.function.functionName,
      ApiUrl: this.api.api.url,
      ForgetSubjectsPolicy: this.api.forgetRoute.policy.managedPolicyArn,
    });
  }
}
