import * as path from 'path';
import { loadPipelineDefinition } from '../lib/pipeline-definition';
import { loadTableDefinitions } from '../lib/table-definitions';
import { FUNCTION_NAMES } from './function-assets';
import { grants } from './grants';
import { onlyResource, synthesize } from './synthesize';

/** The repository's event types file: it declares personal data. */
const EVENT_TYPES_FILE = path.join(__dirname, '..', '..', 'fixtures', 'event-types.json');

describe('the keys of an event types file that declares personal data', () => {
  const pipeline = loadPipelineDefinition('dev');
  const { data, service } = synthesize({ eventTypesFile: EVENT_TYPES_FILE });
  const resourceOf = (type: string, props: Record<string, unknown>) => {
    const found = Object.entries(data.findResources(type, { Properties: props }));
    expect(found).toHaveLength(1);
    return found[0] as [string, any];
  };
  const [dataKeyId] = resourceOf('AWS::KMS::Key', { Description: 'Event store dev: encrypts the events and projections tables' });
  /** Each function's grants on the keys table and the personal data key. */
  const onKeys = (role: string) => grants(service, role).filter((grant) => / on (keys|personal-data-key)$/.test(grant));

  test("deploys the keys table as tables.json defines it (pipeline.json's name), on the tables' key, retained, with no stream", () => {
    const keys = loadTableDefinitions().keys;
    const [, table] = resourceOf('AWS::DynamoDB::Table', { TableName: pipeline.tables.keys });
    expect(table.Properties.TableName).toBe('event-store-dev-keys');
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: keys.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: keys.sortKey.name, KeyType: 'RANGE' },
    ]);
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: 'subjectId', KeyType: 'HASH' },
      { AttributeName: 'keyId', KeyType: 'RANGE' },
    ]);
    expect(table.Properties.AttributeDefinitions).toEqual([
      { AttributeName: 'subjectId', AttributeType: 'S' },
      { AttributeName: 'keyId', AttributeType: 'S' },
    ]);
    expect(table.Properties.SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: { 'Fn::GetAtt': [dataKeyId, 'Arn'] },
    });
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      DeletionProtectionEnabled: true,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(table.Properties.StreamSpecification).toBeUndefined();
    expect(table.DeletionPolicy).toBe('Retain');
  });

  test('provisions the keys table too when the tables are provisioned', () => {
    const provisioned = synthesize({ eventTypesFile: EVENT_TYPES_FILE, billingMode: 'PROVISIONED', readCapacity: 3, writeCapacity: 4 }).data;
    expect(onlyResource(provisioned, 'AWS::DynamoDB::Table', { TableName: 'event-store-dev-keys' }).ProvisionedThroughput).toEqual({
      ReadCapacityUnits: 3,
      WriteCapacityUnits: 4,
    });
  });

  test("wraps the subjects' keys with a second customer-managed key: rotated, retained, 30 days' pending window, under pipeline.json's alias", () => {
    const [keyId, key] = resourceOf('AWS::KMS::Key', {
      Description: "Event store dev: wraps each data subject's data key (crypto-shredding)",
    });
    expect(keyId).toMatch(/^PersonalDataKey/);
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.PendingWindowInDays).toBe(30);
    expect(key.DeletionPolicy).toBe('Retain');
    expect(onlyResource(data, 'AWS::KMS::Alias')).toEqual({
      AliasName: pipeline.personalDataKey,
      TargetKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    expect(pipeline.personalDataKey).toBe('alias/event-store-dev-personal-data');
  });

  test('tells every function the keys table and the alias of the personal data key', () => {
    for (const name of FUNCTION_NAMES) {
      const fn = onlyResource(service, 'AWS::Lambda::Function', { FunctionName: `event-store-dev-${name}` });
      expect(fn.Environment.Variables).toMatchObject({
        EVENT_TYPES_FILE: '/opt/event-types.json',
        KEYS_TABLE: { 'Fn::ImportValue': expect.stringMatching(/^EventStore-dev-Data:ExportsOutputRefKeysTable/) },
        PERSONAL_DATA_KEY: 'alias/event-store-dev-personal-data',
      });
    }
  });

  test('lets the persister read a subject\'s newest key, put a first one under a condition check, and make and unwrap keys', () => {
    expect(onKeys('Persister')).toEqual(
      [
        'dynamodb:Query on keys',
        'dynamodb:PutItem on keys',
        'dynamodb:ConditionCheckItem on keys',
        'kms:GenerateDataKey on personal-data-key',
        'kms:Decrypt on personal-data-key',
      ].sort(),
    );
  });

  test.each(['Query', 'Projector', 'Replay'])('lets %s only read keys by id and unwrap them', (role) => {
    expect(onKeys(role)).toEqual(['dynamodb:BatchGetItem on keys', 'kms:Decrypt on personal-data-key']);
    for (const forbidden of ['dynamodb:PutItem on keys', 'dynamodb:UpdateItem on keys', 'kms:GenerateDataKey on personal-data-key']) {
      expect(grants(service, role)).not.toContain(forbidden);
    }
  });

  test("lets the api seal as the persister does, read as the readers do, and forget (removing wrapped keys)", () => {
    expect(onKeys('Api')).toEqual(
      [
        'dynamodb:Query on keys',
        'dynamodb:PutItem on keys',
        'dynamodb:ConditionCheckItem on keys',
        'dynamodb:BatchGetItem on keys',
        'dynamodb:UpdateItem on keys',
        'kms:GenerateDataKey on personal-data-key',
        'kms:Decrypt on personal-data-key',
      ].sort(),
    );
  });

  test("lets each function use the tables' key on the keys table as on the others: the same key, named already", () => {
    const onDataKey = (role: string) => grants(service, role).filter((grant) => grant.endsWith(' on data-key'));
    expect(onDataKey('Query')).toEqual(['kms:Decrypt on data-key', 'kms:DescribeKey on data-key']);
    for (const role of ['Persister', 'Projector', 'Replay', 'Api']) {
      expect(onDataKey(role)).toEqual(
        ['kms:Decrypt on data-key', 'kms:DescribeKey on data-key', 'kms:Encrypt on data-key', 'kms:GenerateDataKey on data-key'],
      );
    }
  });

  test('names the keys table and the key by ARN, each in statements of its own', () => {
    const statements = Object.values(service.findResources('AWS::IAM::Policy')).flatMap(
      (policy: any) => policy.Properties.PolicyDocument.Statement,
    );
    const onKeys = statements.filter((statement: any) => /KeysTable|PersonalDataKey/.test(JSON.stringify(statement.Resource)));
    for (const statement of onKeys) {
      const arnOf = /^(Wrap|Unwrap)/.test(statement.Sid) ? 'PersonalDataKey' : 'KeysTable';
      expect(statement.Resource).toEqual({
        'Fn::ImportValue': expect.stringMatching(new RegExp(`^EventStore-dev-Data:ExportsOutputFnGetAtt${arnOf}[0-9A-F]{8}Arn`)),
      });
    }
    expect(onKeys.map((statement: any) => statement.Sid).sort()).toEqual(
      [
        'SealWithSubjectKeys', // persister
        'WrapSubjectKeys',
        ...['ReadSubjectKeys', 'UnwrapSubjectKeys'].flatMap((sid) => [sid, sid, sid]), // query, projector, replay
        'ManageSubjectKeys', // api
        'WrapSubjectKeys',
      ].sort(),
    );
  });
});
