/**
 * The global tables as the store in a replica region sees them: its region's replicas, by the
 * names the tables have in every region; the KMS key of its region (`replicaKeyArns`), none on
 * AWS's managed key; and the events replica's own stream for the projector. CloudFormation gives
 * a global table's stream ARN in the primary region only, and a replica's carries a label
 * DynamoDB chooses when it creates the replica, so a custom resource reads it at deploy time
 * (DescribeTable in this region, on this table only).
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { DeploymentSettings } from './deployment-settings';
import { TableResources } from './function-permissions';
import { PipelineDefinition } from './pipeline-definition';
import { retentionOf } from './rust-function';
import { TableDefinitions } from './table-definitions';

/** The tables a region's store works on: the stateful stack's, or a replica region's. */
export type RegionTables = Omit<TableResources, 'tables'>;

export interface ReplicaTablesProps {
  readonly settings: DeploymentSettings;
  readonly pipeline: PipelineDefinition;
  readonly tables: TableDefinitions;
}

export class ReplicaTables extends Construct implements RegionTables {
  readonly eventsTable: dynamodb.ITableV2;
  readonly projectionsTable: dynamodb.ITableV2;
  readonly key?: kms.IKey;

  constructor(scope: Construct, id: string, props: ReplicaTablesProps) {
    super(scope, id);
    const { settings, pipeline, tables } = props;
    const region = Stack.of(this).region;
    const eventsTableArn = Stack.of(this).formatArn({ service: 'dynamodb', resource: 'table', resourceName: pipeline.tables.events });
    const describe: cr.AwsSdkCall = {
      service: 'DynamoDB',
      action: 'describeTable',
      parameters: { TableName: pipeline.tables.events },
      physicalResourceId: cr.PhysicalResourceId.fromResponse('Table.LatestStreamArn'),
      outputPaths: ['Table.LatestStreamArn'],
    };
    const logGroup = new logs.LogGroup(this, 'StreamLookupLogs', {
      retention: retentionOf(settings.logRetentionDays),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // The lookup's own role: its log group and the one DescribeTable, no managed policy.
    const role = new iam.Role(this, 'StreamLookupRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Event store ${settings.envName}: reads the stream ARN of the events table's replica in ${region}`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const stream = new cr.AwsCustomResource(this, 'EventsStream', {
      onCreate: describe,
      onUpdate: describe,
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [eventsTableArn] }),
      role,
      logGroup,
      installLatestAwsSdk: false,
    });
    this.eventsTable = dynamodb.TableV2.fromTableAttributes(this, 'Events', {
      tableName: pipeline.tables.events,
      tableStreamArn: stream.getResponseField('Table.LatestStreamArn'),
      globalIndexes: tables.events.indexes.map((index) => index.name),
    });
    this.projectionsTable = dynamodb.TableV2.fromTableAttributes(this, 'Projections', {
      tableName: pipeline.tables.projections,
      globalIndexes: tables.projections.indexes.map((index) => index.name),
    });
    const keyArn = settings.replicaKeyArns?.[region];
    this.key = keyArn ? kms.Key.fromKeyArn(this, 'DataKey', keyArn) : undefined;
  }
}
