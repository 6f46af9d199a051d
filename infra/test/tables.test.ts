import { Match } from 'aws-cdk-lib/assertions';
import { loadTableDefinitions, TableDefinition, withEnabledIndexes } from '../lib/table-definitions';
import { INDEXES } from './regions';
import { onlyResource, synthesize } from './synthesize';

/** tables.json with the indexes a deployment has by default (its defaultIndexes). */
const definitions = withEnabledIndexes(loadTableDefinitions(), INDEXES);
const { data, stateful } = synthesize();

/** What CloudFormation must say for `definition`: keys, attribute types, indexes, stream, TTL. */
function expectMatchesDefinition(table: any, definition: TableDefinition) {
  expect(table.KeySchema).toEqual([
    { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
    { AttributeName: definition.sortKey.name, KeyType: 'RANGE' },
  ]);
  const declared = new Map<string, string>();
  for (const key of [definition.partitionKey, definition.sortKey, ...definition.indexes.flatMap((i) => [i.partitionKey, i.sortKey])]) {
    declared.set(key.name, key.type);
  }
  expect(new Map(table.AttributeDefinitions.map((a: any) => [a.AttributeName, a.AttributeType]))).toEqual(declared);
  expect(
    (table.GlobalSecondaryIndexes ?? []).map((index: any) => ({
      name: index.IndexName,
      keys: index.KeySchema,
      projection: index.Projection.ProjectionType,
    })),
  ).toEqual(
    definition.indexes.map((index) => ({
      name: index.name,
      keys: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
      ],
      projection: index.projection,
    })),
  );
  expect(table.StreamSpecification?.StreamViewType ?? null).toBe(definition.streamView);
  expect(table.TimeToLiveSpecification?.AttributeName ?? null).toBe(definition.ttlAttribute);
}

describe('the stateful stack', () => {
  test('builds the events table exactly as tables.json defines it, with its default indexes', () => {
    const events = onlyResource(data, 'AWS::DynamoDB::Table', { TableName: 'event-store-dev-events' });
    expectMatchesDefinition(events, definitions.events);
    expect(events.StreamSpecification.StreamViewType).toBe('NEW_IMAGE');
    expect(events.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(events.GlobalSecondaryIndexes.map((i: any) => i.IndexName)).toEqual(['byAggregateType', 'byUser', 'byTime']);
  });

  test('builds the projections table exactly as tables.json defines it', () => {
    const projections = onlyResource(data, 'AWS::DynamoDB::Table', { TableName: 'event-store-dev-projections' });
    expectMatchesDefinition(projections, definitions.projections);
  });

  test('encrypts both tables with the customer-managed key, keeps point-in-time recovery, and retains them', () => {
    const keys = data.findResources('AWS::KMS::Key');
    expect(Object.keys(keys)).toHaveLength(1);
    const [keyId, key] = Object.entries(keys)[0] as [string, any];
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
    const tables = data.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(2);
    for (const table of Object.values(tables) as any[]) {
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.Properties.SSESpecification).toEqual({
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    }
  });

  test('is protected from termination', () => {
    expect(stateful.terminationProtection).toBe(true);
  });

  test('provisions capacity on every table and index when asked to', () => {
    const provisioned = synthesize({ billingMode: 'PROVISIONED', readCapacity: '7', writeCapacity: 9 }).data;
    provisioned.allResourcesProperties('AWS::DynamoDB::Table', {
      BillingMode: Match.absent(),
      ProvisionedThroughput: { ReadCapacityUnits: 7, WriteCapacityUnits: 9 },
    });
    const events = onlyResource(provisioned, 'AWS::DynamoDB::Table', { TableName: 'event-store-dev-events' });
    for (const index of events.GlobalSecondaryIndexes) {
      expect(index.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 7, WriteCapacityUnits: 9 });
    }
  });
});
