/**
 * What holds data and must outlive every redeploy: the customer-managed key, the events table (with
 * its stream, TTL and indexes) and the projections table (read models, the projector's checkpoints,
 * cycle transactions). Termination protection on; tables and key are retained on delete.
 */
import { Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { DeploymentSettings } from './deployment-settings';
import { loadPipelineDefinition } from './pipeline-definition';
import { StoreTable } from './store-table';
import { TableDefinitions } from './table-definitions';

export interface StatefulStackProps extends StackProps {
  readonly settings: DeploymentSettings;
  readonly tables: TableDefinitions;
}

export class StatefulStack extends Stack {
  readonly key: kms.Key;
  readonly eventsTable: dynamodb.Table;
  readonly projectionsTable: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, { ...props, terminationProtection: true });
    const { settings, tables } = props;
    const names = loadPipelineDefinition(settings.envName).tables;
    this.key = new kms.Key(this, 'DataKey', {
      description: `Event store ${settings.envName}: encrypts the events and projections tables`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.eventsTable = new StoreTable(this, 'Events', {
      tableName: names.events,
      definition: tables.events,
      billing: settings.billing,
      encryptionKey: this.key,
    }).table;
    this.projectionsTable = new StoreTable(this, 'Projections', {
      tableName: names.projections,
      definition: tables.projections,
      billing: settings.billing,
      encryptionKey: this.key,
    }).table;
  }
}
