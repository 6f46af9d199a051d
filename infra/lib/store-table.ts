/**
 * A DynamoDB table built from its definition in `tables.json`: keys, indexes, stream view and TTL
 * come from the definition; encryption, point-in-time recovery, billing and retention from here.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { BillingSettings } from './deployment-settings';
import { KeyDefinition, TableDefinition } from './table-definitions';

export interface StoreTableProps {
  readonly tableName: string;
  readonly definition: TableDefinition;
  readonly billing: BillingSettings;
  readonly encryptionKey: kms.IKey;
}

export class StoreTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StoreTableProps) {
    super(scope, id);
    const { definition, billing } = props;
    const provisioned = billing.mode === 'PROVISIONED' ? billing : undefined;
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: attribute(definition.partitionKey),
      sortKey: attribute(definition.sortKey),
      billingMode: provisioned ? dynamodb.BillingMode.PROVISIONED : dynamodb.BillingMode.PAY_PER_REQUEST,
      readCapacity: provisioned?.readCapacity,
      writeCapacity: provisioned?.writeCapacity,
      stream: definition.streamView ? dynamodb.StreamViewType[definition.streamView] : undefined,
      timeToLiveAttribute: definition.ttlAttribute ?? undefined,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of definition.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        projectionType: dynamodb.ProjectionType[index.projection],
        readCapacity: provisioned?.readCapacity,
        writeCapacity: provisioned?.writeCapacity,
      });
    }
  }
}

/** A key of a definition as CDK's attribute. */
export function attribute(key: KeyDefinition): dynamodb.Attribute {
  const types: Record<KeyDefinition['type'], dynamodb.AttributeType> = {
    S: dynamodb.AttributeType.STRING,
    N: dynamodb.AttributeType.NUMBER,
    B: dynamodb.AttributeType.BINARY,
  };
  return { name: key.name, type: types[key.type] };
}
