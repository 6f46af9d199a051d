/**
 * A store table as a DynamoDB global table (`AWS::DynamoDB::GlobalTable`), for a deployment with
 * replica regions: the same keys, indexes, stream view and TTL as `StoreTable` builds from its
 * definition in `tables.json`, replicated to each region. Stream, point-in-time recovery and
 * deletion protection are table-wide settings here, so every replica has them; billing and
 * retention as `StoreTable`. Replication runs on a stream: a definition without one (the
 * projections table) gets the NEW_AND_OLD_IMAGES stream CDK gives a global table, read by nothing
 * but DynamoDB's replication.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { BillingSettings } from './deployment-settings';
import { attribute } from './store-table';
import { TableDefinition } from './table-definitions';

export interface GlobalStoreTableProps {
  readonly tableName: string;
  readonly definition: TableDefinition;
  readonly billing: BillingSettings;
  readonly encryption: dynamodb.TableEncryptionV2;
  /** Every region but the stack's own, which holds the table the others replicate. */
  readonly replicaRegions: readonly string[];
}

export class GlobalStoreTable extends Construct {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: GlobalStoreTableProps) {
    super(scope, id);
    const { definition, billing } = props;
    // A global table's write capacity is always autoscaled: minimum = maximum holds it at the units given.
    const capacity =
      billing.mode === 'PROVISIONED'
        ? {
            readCapacity: dynamodb.Capacity.fixed(billing.readCapacity),
            writeCapacity: dynamodb.Capacity.autoscaled({
              minCapacity: billing.writeCapacity,
              maxCapacity: billing.writeCapacity,
            }),
          }
        : undefined;
    this.table = new dynamodb.TableV2(this, 'Table', {
      tableName: props.tableName,
      partitionKey: attribute(definition.partitionKey),
      sortKey: attribute(definition.sortKey),
      billing: capacity ? dynamodb.Billing.provisioned(capacity) : dynamodb.Billing.onDemand(),
      dynamoStream: definition.streamView ? dynamodb.StreamViewType[definition.streamView] : undefined,
      timeToLiveAttribute: definition.ttlAttribute ?? undefined,
      encryption: props.encryption,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      replicas: props.replicaRegions.map((region) => ({ region })),
      globalSecondaryIndexes: definition.indexes.map((index) => ({
        indexName: index.name,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        projectionType: dynamodb.ProjectionType[index.projection],
        readCapacity: capacity?.readCapacity,
        writeCapacity: capacity?.writeCapacity,
      })),
    });
  }
}
