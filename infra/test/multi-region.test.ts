import { Match } from 'aws-cdk-lib/assertions';
import { grants } from './grants';
import { onlyResource, synthesize } from './synthesize';

const IRELAND = { account: '123456789012', region: 'eu-west-1' };
const REPLICAS = ['us-east-1', 'ap-southeast-2'];
const XRAY = ['xray:PutTelemetryRecords on *', 'xray:PutTraceSegments on *'];
const INDEXES = ['byAggregateType', 'byEventType', 'byCorrelation', 'byUser', 'byTime'];

describe('a deployment with replica regions', () => {
  const built = synthesize({ replicaRegions: REPLICAS.join(','), replicaEncryption: 'awsManaged' }, IRELAND);
  const { data, service, replicaTemplates } = built;

  test('makes both tables global tables, replicated to each replica region and kept in the write region', () => {
    data.resourceCountIs('AWS::DynamoDB::Table', 0);
    for (const name of ['event-store-dev-events', 'event-store-dev-projections']) {
      const table = onlyResource(data, 'AWS::DynamoDB::GlobalTable', { TableName: name });
      expect(table.Replicas.map((replica: any) => replica.Region).sort()).toEqual([...REPLICAS, 'eu-west-1'].sort());
      for (const replica of table.Replicas) {
        expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
        expect(replica.DeletionProtectionEnabled).toBe(true);
      }
    }
    const [events] = Object.values(data.findResources('AWS::DynamoDB::GlobalTable', { Properties: { TableName: 'event-store-dev-events' } })) as any[];
    expect(events.DeletionPolicy).toBe('Retain');
    // One stream for the global table: every replica has it.
    expect(events.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    expect(events.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(events.Properties.GlobalSecondaryIndexes.map((index: any) => index.IndexName)).toEqual(INDEXES);
    // AWS's managed key, asked for by name (replicaEncryption=awsManaged): no key per replica.
    expect(events.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
    for (const replica of events.Properties.Replicas) {
      expect(replica.SSESpecification).toBeUndefined();
    }
  });

  test('tells every function the write region, and lets none use the data key the tables do not use', () => {
    service.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WRITE_REGION: 'eu-west-1' }) },
    });
    for (const role of ['Persister', 'Query', 'Projector', 'Replay', 'Api']) {
      expect(grants(service, role).filter((grant) => grant.startsWith('kms:'))).toEqual([]);
    }
  });

  test("forwards what the store publishes to the bus of the same name in each replica region, with a role that may only put there", () => {
    const rule = onlyResource(service, 'AWS::Events::Rule', { Name: 'event-store-dev-replication' });
    expect(rule.EventBusName).toEqual({ Ref: expect.stringMatching(/^Bus/) });
    expect(rule.EventPattern).toEqual({
      source: ['event-store.changes', 'event-store.metering', 'event-store.replay'],
      // an archive replay of the bus is not forwarded a second time
      'replay-name': [{ exists: false }],
    });
    const busArn = (region: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:events:${region}:123456789012:event-bus/event-store-dev`]],
    });
    expect(rule.Targets.map((target: any) => target.Arn)).toEqual(REPLICAS.map(busArn));
    for (const target of rule.Targets) {
      expect(target.RoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^BusReplicationRole/), 'Arn'] });
      expect(target.DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^BusReplicationUndeliveredQueue/), 'Arn'] });
    }
    expect(grants(service, 'BusReplication')).toEqual(
      REPLICAS.map((region) => `events:PutEvents on arn:AWS::Partition:events:${region}:123456789012:event-bus/event-store-dev`).sort(),
    );
    const alarms = Object.values(service.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties.AlarmName);
    expect(alarms).toContain('event-store-dev-replication-undelivered-not-empty');
  });

  test('adds one read-side stack per replica region, in that region, after the tables and before the forwarding', () => {
    expect(built.replicas.map((replica) => [replica.stackName, replica.region])).toEqual(
      REPLICAS.map((region) => [`EventStore-dev-Replica-${region}`, region]),
    );
    for (const replica of built.replicas) {
      expect(replica.dependencies).toContain(built.stateful);
      expect(built.stateless.dependencies).toContain(replica);
    }
  });

  test.each(REPLICAS.map((region, i) => [region, i]))(
    'the stack in %s runs query and api over its replicas, told the write region, reading only',
    (region, i) => {
      const replica = replicaTemplates[i as number];
      const functions = Object.values(replica.findResources('AWS::Lambda::Function')).map((f: any) => f.Properties);
      expect(functions.map((f) => f.FunctionName).sort()).toEqual(['event-store-dev-api', 'event-store-dev-query']);
      for (const fn of functions) {
        expect(fn.Environment.Variables).toMatchObject({
          EVENTS_TABLE: 'event-store-dev-events',
          PROJECTIONS_TABLE: 'event-store-dev-projections',
          WRITE_REGION: 'eu-west-1',
        });
        expect(fn.Environment.Variables.REPLAY_FUNCTION_NAME).toBeUndefined();
      }
      const table = (name: string) => `arn:AWS::Partition:dynamodb:${region}:123456789012:table/event-store-dev-${name}`;
      const reads = [
        `dynamodb:GetItem on ${table('events')}`,
        `dynamodb:BatchGetItem on ${table('events')}`,
        `dynamodb:Query on ${table('events')}`,
        ...INDEXES.map((index) => `dynamodb:Query on ${table('events')}/index/${index}`),
        `dynamodb:GetItem on ${table('projections')}`,
        `dynamodb:Query on ${table('projections')}`,
      ];
      for (const role of ['Query', 'Api']) {
        expect(grants(replica, role)).toEqual(
          [`logs:CreateLogStream on ${role}Logs`, `logs:PutLogEvents on ${role}Logs`, ...XRAY, ...reads].sort(),
        );
      }
      onlyResource(replica, 'AWS::Events::EventBus', { Name: 'event-store-dev' });
      onlyResource(replica, 'AWS::ApiGateway::RestApi', { Name: 'event-store-dev' });
      onlyResource(replica, 'AWS::CloudWatch::Dashboard', { DashboardName: `event-store-dev-${region}` });
      replica.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
      const outputs = replica.toJSON().Outputs;
      expect(Object.keys(outputs).sort()).toEqual(
        ['ApiUrl', 'EventArchive', 'EventBusName', 'EventStoreTable', 'ProjectionsTable', 'QueryHandlerFunction'],
      );
      expect(outputs.EventStoreTable.Value).toBe('event-store-dev-events');
    },
  );
});

describe('a deployment with replica regions and a key in each', () => {
  const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/replica';
  const { data, service, replicaTemplates } = synthesize(
    { replicaRegions: 'us-east-1', replicaKeyArns: JSON.stringify({ 'us-east-1': keyArn }) },
    IRELAND,
  );

  test('keeps the global tables on customer-managed keys, the data key here and the given key there', () => {
    const events = onlyResource(data, 'AWS::DynamoDB::GlobalTable', { TableName: 'event-store-dev-events' });
    expect(events.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
    const keys = Object.fromEntries(events.Replicas.map((r: any) => [r.Region, r.SSESpecification.KMSMasterKeyId]));
    expect(keys).toEqual({
      'us-east-1': keyArn,
      'eu-west-1': { 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] },
    });
  });

  test('lets the functions use the key of their region', () => {
    expect(grants(service, 'Query').filter((grant) => grant.startsWith('kms:'))).toEqual([
      'kms:Decrypt on data-key',
      'kms:DescribeKey on data-key',
    ]);
    expect(grants(replicaTemplates[0], 'Api').filter((grant) => grant.startsWith('kms:'))).toEqual([
      `kms:Decrypt on ${keyArn}`,
      `kms:DescribeKey on ${keyArn}`,
    ]);
  });
});

describe('a deployment in one region', () => {
  const { data, service, replicas } = synthesize();

  test('has no global table, no WRITE_REGION, no forwarding and no replica stack', () => {
    data.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
    data.resourceCountIs('AWS::DynamoDB::Table', 2);
    for (const fn of Object.values(service.findResources('AWS::Lambda::Function')) as any[]) {
      expect(fn.Properties.Environment.Variables.WRITE_REGION).toBeUndefined();
    }
    expect(service.findResources('AWS::Events::Rule', { Properties: { Name: 'event-store-dev-replication' } })).toEqual({});
    expect(replicas).toEqual([]);
  });

  test('refuses replicas when the write region is not known at synth', () => {
    expect(() => synthesize({ replicaRegions: 'us-east-1', replicaEncryption: 'awsManaged' }, {})).toThrow(
      /replicas need the write region known at synth/,
    );
  });

  test('refuses replicas given no key in each region: no silent fall back to AWS-managed encryption', () => {
    expect(() => synthesize({ replicaRegions: 'us-east-1' }, IRELAND)).toThrow(
      /context parameter 'replicaKeyArns': the global tables stay on customer-managed keys/,
    );
    expect(() =>
      synthesize(
        { replicaRegions: 'us-east-1,ap-southeast-2', replicaKeyArns: '{"us-east-1": "arn:aws:kms:us-east-1:123456789012:key/a"}' },
        IRELAND,
      ),
    ).toThrow(/'replicaKeyArns': names regions us-east-1, not the replica regions us-east-1, ap-southeast-2/);
  });
});
