/**
 * Everything that can be replaced at will: the bus and its archive, the ingest path, the four
 * functions with their least-privilege roles, the stream mapping, the optional raw archive, the
 * alarms and the dashboard. It takes the tables and key from the stateful stack.
 */
import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { CycleSweep } from './cycle-sweep';
import { DeploymentSettings } from './deployment-settings';
import * as env from './function-environment';
import {
  persisterStatements,
  projectorStatements,
  queryStatements,
  replayStatements,
  StoreResources,
} from './function-permissions';
import { IngestPipeline } from './ingest-pipeline';
import { loadPipelineDefinition } from './pipeline-definition';
import { RawEventArchive } from './raw-event-archive';
import { FunctionName, RustFunction } from './rust-function';
import { StoreBus } from './store-bus';
import { StoreMonitoring } from './store-monitoring';
import { STREAM_WILDCARD_REASON, StreamProjection } from './stream-projection';
import { TableDefinitions } from './table-definitions';

export interface StatelessStackProps extends StackProps {
  readonly settings: DeploymentSettings;
  readonly tables: TableDefinitions;
  readonly eventsTable: dynamodb.ITable;
  readonly projectionsTable: dynamodb.ITable;
  readonly key: kms.IKey;
}

export class StatelessStack extends Stack {
  readonly functions: Record<FunctionName, RustFunction>;
  readonly storeBus: StoreBus;
  readonly ingest: IngestPipeline;
  readonly projection: StreamProjection;
  readonly cycleSweep: CycleSweep;
  readonly monitoring: StoreMonitoring;
  readonly rawArchive?: RawEventArchive;

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
    const store = {
      [env.EVENTS_TABLE.name]: props.eventsTable.tableName,
      [env.EVENT_TTL_DAYS.name]: String(settings.eventTtlDays),
      [env.SNAPSHOT_EVERY.name]: String(settings.snapshotEvery),
      [env.DEDUPE_SCOPE.name]: settings.dedupeScope,
      [env.AGGREGATE_TYPE_FROM_CATEGORY.name]: String(settings.aggregateTypeFromCategory),
    };
    const projections = { [env.PROJECTIONS_TABLE.name]: props.projectionsTable.tableName };
    const publishing = {
      [env.EVENT_BUS_NAME.name]: bus.eventBusName,
      ...(settings.projectorSettings
        ? { [env.PROJECTOR_SETTINGS.name]: JSON.stringify(settings.projectorSettings) }
        : {}),
    };
    const make = (name: FunctionName, environment: Record<string, string>, otherWildcardResources?: string) =>
      new RustFunction(this, pascal(name), {
        name,
        envName: settings.envName,
        assetsDir: settings.lambdaAssetsDir,
        // Memory buys CPU on Lambda: 256 MB for the small functions that wait on DynamoDB;
        // replay scans and re-publishes for up to 15 minutes, so one full vCPU (1,769 MB).
        memorySize: pipeline.functions[name].memoryMb,
        timeout: Duration.seconds(pipeline.functions[name].timeoutSeconds),
        environment,
        logRetentionDays: settings.logRetentionDays,
        otherWildcardResources,
      });
    this.functions = {
      persister: make('persister', store),
      query: make('query', { ...store, ...projections }),
      projector: make(
        'projector',
        {
          ...store,
          ...projections,
          ...publishing,
          [env.PROJECTOR_EVENT_BUDGET.name]: String(settings.projectorEventBudget),
        },
        STREAM_WILDCARD_REASON,
      ),
      replay: make('replay', {
        ...store,
        ...projections,
        ...publishing,
        [env.REBUILD_GRACE_HOURS.name]: String(settings.rebuildGraceHours),
      }),
    };
    const grant = (name: FunctionName, statements: ReturnType<typeof persisterStatements>) => {
      for (const statement of statements) {
        this.functions[name].role.addToPrincipalPolicy(statement);
      }
    };
    grant('persister', persisterStatements(resources));
    grant('query', queryStatements(resources));
    grant('projector', projectorStatements(resources));
    grant('replay', replayStatements(resources));

    this.ingest = new IngestPipeline(this, 'Ingest', {
      pipeline,
      bus,
      pattern: settings.ingestPattern,
      persister: this.functions.persister.function,
    });
    this.projection = new StreamProjection(this, 'Projection', {
      pipeline,
      table: props.eventsTable,
      projector: this.functions.projector.function,
    });
    this.cycleSweep = new CycleSweep(this, 'CycleSweep', {
      pipeline,
      projector: this.functions.projector.function,
    });
    if (settings.rawArchive) {
      this.rawArchive = new RawEventArchive(this, 'RawArchive', { envName: settings.envName, bus });
    }
    this.monitoring = new StoreMonitoring(this, 'Monitoring', {
      envName: settings.envName,
      functions: Object.fromEntries(Object.entries(this.functions).map(([name, f]) => [name, f.function])),
      deadLetterQueues: {
        'ingest-dlq': this.ingest.deadLetterQueue,
        'ingest-undelivered': this.ingest.undeliveredQueue,
        'projector-failures': this.projection.failureQueue,
      },
      tables: { events: props.eventsTable, projections: props.projectionsTable },
      ingestRule: this.ingest.rule,
      projector: this.functions.projector.function,
    });
  }
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
