/**
 * What holds data and must outlive every redeploy: the customer-managed key, the events table (with
 * its stream, TTL and indexes) and the projections table (read models, the projector's checkpoints,
 * cycle transactions); and when the event types file declares personal data, the keys table (each
 * data subject's keys, on the same key as the other tables) and the personal data key that wraps
 * those keys, with its alias (pipeline.json's personalDataKey). Termination protection on; tables
 * and keys are retained on delete. With replica regions both tables are global tables, replicated
 * to each (the store there works on them; which region writes is the stores' setting, not the
 * tables'); without, they are plain tables, as they always were. (Replicating the tables of a
 * deployment that exists changes their resource type: retain them, remove them from the stack,
 * and import them as global tables; CloudFormation cannot convert a table in place.)
 */
import { Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { DeploymentSettings } from './deployment-settings';
import { PersonalDataResources } from './function-permissions';
import { GlobalStoreTable } from './global-store-table';
import { loadPipelineDefinition } from './pipeline-definition';
import { StoreTable } from './store-table';
import { TableDefinition, TableDefinitions } from './table-definitions';

export interface StatefulStackProps extends StackProps {
  readonly settings: DeploymentSettings;
  readonly tables: TableDefinitions;
}

export class StatefulStack extends Stack {
  readonly key: kms.Key;
  /**
   * The key the tables are encrypted with: the data key, but none when the global tables use
   * AWS's managed key (`replicaEncryption=awsManaged`).
   */
  readonly tableKey?: kms.IKey;
  readonly eventsTable: dynamodb.ITable;
  readonly projectionsTable: dynamodb.ITable;
  /** The keys table and the personal data key: only for an event types file that declares personal data. */
  readonly personalData?: PersonalDataResources;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, { ...props, terminationProtection: true });
    const { settings, tables } = props;
    const pipeline = loadPipelineDefinition(settings.envName);
    const names = pipeline.tables;
    this.key = new kms.Key(this, 'DataKey', {
      description: `Event store ${settings.envName}: encrypts the events and projections tables`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const replicated = settings.replicaRegions.length > 0;
    // A global table on a customer-managed key needs a key in every replica region (a KMS key
    // lives in one region): the settings hold one per replica region, or AWS's managed key asked
    // for by name (replicaEncryption=awsManaged).
    const awsManaged = replicated && settings.replicaEncryption === 'awsManaged';
    const globalEncryption = awsManaged
      ? dynamodb.TableEncryptionV2.awsManagedKey()
      : dynamodb.TableEncryptionV2.customerManagedKey(this.key, settings.replicaKeyArns);
    this.tableKey = awsManaged ? undefined : this.key;
    const table = (id: string, tableName: string, definition: TableDefinition): dynamodb.ITable =>
      replicated
        ? new GlobalStoreTable(this, id, {
            tableName,
            definition,
            billing: settings.billing,
            encryption: globalEncryption,
            replicaRegions: settings.replicaRegions,
          }).table
        : new StoreTable(this, id, { tableName, definition, billing: settings.billing, encryptionKey: this.key }).table;
    this.eventsTable = table('Events', names.events, tables.events);
    this.projectionsTable = table('Projections', names.projections, tables.projections);
    // The settings refuse personal data with replica regions: its key would live in this region only.
    if (settings.eventTypesFile?.declaresPersonalData && !replicated) {
      const keysTable = new StoreTable(this, 'Keys', {
        tableName: names.keys,
        definition: tables.keys,
        billing: settings.billing,
        encryptionKey: this.key,
      }).table;
      const personalDataKey = new kms.Key(this, 'PersonalDataKey', {
        description: `Event store ${settings.envName}: wraps each data subject's data key (crypto-shredding)`,
        enableKeyRotation: true,
        pendingWindow: Duration.days(30),
        removalPolicy: RemovalPolicy.RETAIN,
      });
      new kms.Alias(this, 'PersonalDataKeyAlias', { aliasName: pipeline.personalDataKey, targetKey: personalDataKey });
      this.personalData = { keysTable, key: personalDataKey, keyAlias: pipeline.personalDataKey };
    }
  }
}
