import { Match } from 'aws-cdk-lib/assertions';
import { grants } from './grants';
import { INDEXES, IRELAND, REGIONS, REPLICAS, replicated, storeFunctions, storesByRegion, tableIn } from './regions';
import { onlyResource, synthesize } from './synthesize';

describe('a deployment with replica regions', () => {
  const built = replicated();
  const { data } = built;
  const stores = storesByRegion(built);

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

  test.each(REGIONS)('lets no function in %s use a data key the tables do not use', (region) => {
    for (const role of ['Persister', 'Query', 'Projector', 'Replay', 'Api']) {
      expect(grants(stores[region], role).filter((grant) => grant.startsWith('kms:'))).toEqual([]);
    }
  });

  test('adds one store stack per replica region, in that region, after the tables; the write region (the primary) last', () => {
    expect(built.replicas.map((replica) => [replica.stackName, replica.region])).toEqual(
      REPLICAS.map((region) => [`EventStore-dev-Replica-${region}`, region]),
    );
    for (const replica of built.replicas) {
      expect(replica.dependencies).toEqual([built.stateful]);
      expect(built.stateless.dependencies).toContain(replica);
    }
  });

  test.each(REGIONS)('the store in %s runs every function over its tables, told the write region, with every output', (region) => {
    const store = stores[region];
    const functions = storeFunctions(store);
    expect(functions.map((f) => f.FunctionName).sort()).toEqual(
      ['api', 'persister', 'projector', 'query', 'replay'].map((name) => `event-store-dev-${name}`),
    );
    for (const fn of functions) {
      expect(fn.Environment.Variables.WRITE_REGION).toBe('eu-west-1');
      // The persister outside the write region has no grant on the table: it does not warm up a
      // connection it may not use.
      const persisterElsewhere = fn.FunctionName === 'event-store-dev-persister' && region !== IRELAND.region;
      expect(fn.Environment.Variables.CONNECT_AT_INIT).toBe(persisterElsewhere ? 'false' : 'true');
      // A replica region's functions name its replicas: the tables' names in every region.
      expect(fn.Environment.Variables.EVENTS_TABLE).toEqual(
        region === IRELAND.region ? { 'Fn::ImportValue': expect.stringMatching(/EventsTable/) } : 'event-store-dev-events',
      );
    }
    onlyResource(store, 'AWS::Events::EventBus', { Name: 'event-store-dev' });
    onlyResource(store, 'AWS::ApiGateway::RestApi', { Name: 'event-store-dev' });
    // Dashboards are global to the account: one name per region.
    onlyResource(store, 'AWS::CloudWatch::Dashboard', {
      DashboardName: region === IRELAND.region ? 'event-store-dev' : `event-store-dev-${region}`,
    });
    const outputs = store.toJSON().Outputs;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'ApiUrl',
        'CommandHandlerFunction',
        'EventArchive',
        'EventBusName',
        'EventStoreTable',
        'ForgetSubjectsPolicy',
        'ProjectionsTable',
        'QueryHandlerFunction',
        'ReplayFunction',
      ],
    );
  });

  test.each(REPLICAS)("the projector in %s reads its replica's own stream, whose ARN DescribeTable reads at deploy time", (region) => {
    const store = stores[region];
    const mapping = onlyResource(store, 'AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: Match.stringLikeRegexp('^ProjectorFunction') },
    });
    expect(mapping.EventSourceArn).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^ReplicaTablesEventsStream/), 'Table.LatestStreamArn'],
    });
    const lookup = onlyResource(store, 'Custom::AWS');
    for (const call of [lookup.Create, lookup.Update]) {
      expect(JSON.parse(call)).toEqual({
        service: 'DynamoDB',
        action: 'describeTable',
        parameters: { TableName: 'event-store-dev-events' },
        physicalResourceId: { responsePath: 'Table.LatestStreamArn' },
        outputPaths: ['Table.LatestStreamArn'],
      });
    }
    expect(grants(store, 'ReplicaTablesStreamLookup')).toEqual([
      `dynamodb:DescribeTable on ${tableIn(region, 'events')}`,
      'logs:CreateLogStream on ReplicaTablesStreamLookupLogs',
      'logs:PutLogEvents on ReplicaTablesStreamLookupLogs',
    ]);
    const role = onlyResource(store, 'AWS::IAM::Role', { Description: Match.stringLikeRegexp('stream ARN') });
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(grants(store, 'Projector')).toEqual(
      expect.arrayContaining(
        ['DescribeStream', 'GetRecords', 'GetShardIterator'].map((action) => `dynamodb:${action} on ReplicaTablesEventsStream`),
      ),
    );
  });
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

  test('refuses replicas when the primary region is not known at synth', () => {
    expect(() => synthesize({ replicaRegions: 'us-east-1', replicaEncryption: 'awsManaged' }, {})).toThrow(
      /replicas need the primary region known at synth/,
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
