import { grants } from './grants';
import { INDEXES } from './regions';
import { synthesize } from './synthesize';

const { service } = synthesize();

const LOGS = (fn: string) => [`logs:CreateLogStream on ${fn}Logs`, `logs:PutLogEvents on ${fn}Logs`];
const XRAY = ['xray:PutTelemetryRecords on *', 'xray:PutTraceSegments on *'];
const KEY_READ = ['kms:Decrypt on data-key', 'kms:DescribeKey on data-key'];
const KEY_WRITE = [...KEY_READ, 'kms:Encrypt on data-key', 'kms:GenerateDataKey on data-key'];
const PROJECTION_WRITES = ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'DeleteItem'].map(
  (action) => `dynamodb:${action} on projections`,
);
const onEventsAndIndexes = (action: string) => [
  `${action} on events`,
  ...INDEXES.map((index) => `${action} on events/index/${index}`),
];
/** Key reads mean nothing on an index: the table only; queries on the table and each index. */
const READ_EVENTS = [
  'dynamodb:GetItem on events',
  'dynamodb:BatchGetItem on events',
  ...onEventsAndIndexes('dynamodb:Query'),
];

describe('each function holds exactly the permissions it needs', () => {
  test('the persister appends events and drains the ingest queue, nothing else', () => {
    expect(grants(service, 'Persister')).toEqual(
      [
        ...LOGS('Persister'),
        ...XRAY,
        'dynamodb:PutItem on events',
        'dynamodb:UpdateItem on events',
        'dynamodb:GetItem on events',
        ...KEY_WRITE,
        ...['ChangeMessageVisibility', 'DeleteMessage', 'GetQueueAttributes', 'GetQueueUrl', 'ReceiveMessage'].map(
          (action) => `sqs:${action} on IngestQueue`,
        ),
      ].sort(),
    );
  });

  test('the query function only reads', () => {
    expect(grants(service, 'Query')).toEqual(
      [
        ...LOGS('Query'),
        ...XRAY,
        ...READ_EVENTS,
        'dynamodb:GetItem on projections',
        'dynamodb:Query on projections',
        ...KEY_READ,
      ].sort(),
    );
  });

  test('the projector reads the stream and events, and writes only snapshots, read models and the bus', () => {
    const snapshotOnly =
      ' if {"ForAllValues:StringEquals":{"dynamodb:Attributes":["streamId","version","snapshotVersion","aggregateType","state","takenAt"]}}';
    expect(grants(service, 'Projector')).toEqual(
      [
        ...LOGS('Projector'),
        ...XRAY,
        'dynamodb:GetItem on events',
        'dynamodb:Query on events',
        `dynamodb:PutItem on events${snapshotOnly}`,
        ...PROJECTION_WRITES,
        // the sweep's purge of retired generations
        'dynamodb:BatchWriteItem on projections',
        'events:PutEvents on Bus',
        ...KEY_WRITE,
        // the stream event source mapping's grant
        'dynamodb:ListStreams on *',
        'dynamodb:DescribeStream on events-stream',
        'dynamodb:GetRecords on events-stream',
        'dynamodb:GetShardIterator on events-stream',
        // its on-failure destination
        'sqs:SendMessage on ProjectionFailureQueue',
        'sqs:GetQueueAttributes on ProjectionFailureQueue',
        'sqs:GetQueueUrl on ProjectionFailureQueue',
      ].sort(),
    );
  });

  test('replay reads and scans events, writes read models and checkpoints, and publishes', () => {
    expect(grants(service, 'Replay')).toEqual(
      [
        ...LOGS('Replay'),
        ...XRAY,
        ...READ_EVENTS,
        'dynamodb:Scan on events',
        'dynamodb:DescribeTable on events',
        ...PROJECTION_WRITES,
        'events:PutEvents on Bus',
        ...KEY_WRITE,
        // carrying a replay on: its own function only, by its name (no dependency on itself)
        'lambda:InvokeFunction on arn:AWS::Partition:lambda:AWS::Region:AWS::AccountId:function:event-store-dev-replay',
        // its asynchronous invocations' on-failure destination (Lambda sends with the function's role)
        'sqs:SendMessage on ReplayChainFailureQueue',
        'sqs:GetQueueAttributes on ReplayChainFailureQueue',
        'sqs:GetQueueUrl on ReplayChainFailureQueue',
      ].sort(),
    );
  });

  test("the api appends as the persister does (no queue), reads as the query function does, and invokes only replay", () => {
    expect(grants(service, 'Api')).toEqual(
      [
        ...LOGS('Api'),
        ...XRAY,
        // the persister's append statement (its GetItem on events is among the reads below)
        'dynamodb:PutItem on events',
        'dynamodb:UpdateItem on events',
        ...READ_EVENTS,
        'dynamodb:GetItem on projections',
        'dynamodb:Query on projections',
        ...KEY_WRITE,
        'lambda:InvokeFunction on ReplayFunction',
      ].sort(),
    );
  });

  test('no role has a managed policy or a wildcard action', () => {
    const roles = service.findResources('AWS::IAM::Role');
    const documents: any[] = [];
    for (const role of Object.values(roles) as any[]) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      documents.push(...(role.Properties.Policies ?? []).map((policy: any) => policy.PolicyDocument));
    }
    const policies = service.findResources('AWS::IAM::Policy');
    documents.push(...(Object.values(policies) as any[]).map((policy) => policy.Properties.PolicyDocument));
    for (const document of documents) {
      for (const statement of document.Statement) {
        for (const action of [statement.Action].flat()) {
          expect(action).not.toContain('*');
        }
      }
    }
  });
});
