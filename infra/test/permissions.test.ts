import { Template } from 'aws-cdk-lib/assertions';
import { synthesize } from './synthesize';

const { service } = synthesize();

/** Every (action, resource) pair granted to the role whose logical id starts with `role`. */
function grants(template: Template, role: string): string[] {
  const pairs = new Set<string>();
  const policies = template.findResources('AWS::IAM::Policy');
  for (const policy of Object.values(policies) as any[]) {
    const roles = policy.Properties.Roles.map((r: any) => r.Ref as string);
    if (!roles.some((ref: string) => ref.startsWith(`${role}Role`))) {
      continue;
    }
    for (const statement of policy.Properties.PolicyDocument.Statement) {
      expect(statement.Effect).toBe('Allow');
      const actions = [statement.Action].flat();
      const resources = [statement.Resource].flat().map(describeResource);
      const condition = statement.Condition ? ` if ${JSON.stringify(statement.Condition)}` : '';
      for (const action of actions) {
        for (const resource of resources) {
          pairs.add(`${action} on ${resource}${condition}`);
        }
      }
    }
  }
  return [...pairs].sort();
}

/** A resource as a short readable name: `events`, `events/index/byUser`, `*`, a logical id. */
function describeResource(resource: any): string {
  if (typeof resource === 'string') {
    return resource;
  }
  if (resource['Fn::ImportValue']) {
    return importedName(resource['Fn::ImportValue']);
  }
  if (resource['Fn::GetAtt']) {
    return resource['Fn::GetAtt'][0].replace(/[0-9A-F]{8}$/, '');
  }
  if (resource['Fn::Join']) {
    return resource['Fn::Join'][1].map(describeResource).join('');
  }
  return JSON.stringify(resource);
}

function importedName(exported: string): string {
  if (exported.includes('EventsTable') && exported.includes('StreamArn')) return 'events-stream';
  if (exported.includes('EventsTable')) return 'events';
  if (exported.includes('ProjectionsTable')) return 'projections';
  if (exported.includes('DataKey')) return 'data-key';
  return exported;
}

const LOGS = (fn: string) => [`logs:CreateLogStream on ${fn}Logs`, `logs:PutLogEvents on ${fn}Logs`];
const XRAY = ['xray:PutTelemetryRecords on *', 'xray:PutTraceSegments on *'];
const KEY_READ = ['kms:Decrypt on data-key', 'kms:DescribeKey on data-key'];
const KEY_WRITE = [...KEY_READ, 'kms:Encrypt on data-key', 'kms:GenerateDataKey on data-key'];
const PROJECTION_WRITES = ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'DeleteItem'].map(
  (action) => `dynamodb:${action} on projections`,
);
const INDEXES = ['byAggregateType', 'byEventType', 'byCorrelation', 'byUser', 'byTime'];
const onEventsAndIndexes = (action: string) => [
  `${action} on events`,
  ...INDEXES.map((index) => `${action} on events/index/${index}`),
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
        ...onEventsAndIndexes('dynamodb:GetItem'),
        ...onEventsAndIndexes('dynamodb:Query'),
        ...onEventsAndIndexes('dynamodb:BatchGetItem'),
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
        ...onEventsAndIndexes('dynamodb:GetItem'),
        ...onEventsAndIndexes('dynamodb:Query'),
        ...onEventsAndIndexes('dynamodb:BatchGetItem'),
        ...onEventsAndIndexes('dynamodb:Scan'),
        'dynamodb:DescribeTable on events',
        ...PROJECTION_WRITES,
        'events:PutEvents on Bus',
        ...KEY_WRITE,
      ].sort(),
    );
  });

  test('no role has a managed policy or a wildcard action', () => {
    const roles = service.findResources('AWS::IAM::Role');
    for (const role of Object.values(roles) as any[]) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    const policies = service.findResources('AWS::IAM::Policy');
    for (const policy of Object.values(policies) as any[]) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        for (const action of [statement.Action].flat()) {
          expect(action).not.toContain('*');
        }
      }
    }
  });
});
