import { Match, Template } from 'aws-cdk-lib/assertions';
import { grants } from './grants';
import { alarmsOf, INDEXES, IRELAND, REGIONS, REPLICAS, replicated, storeFunctions, storesByRegion, tableIn, XRAY } from './regions';
import { onlyResource } from './synthesize';

const LOGS = (fn: string) => [`logs:CreateLogStream on ${fn}Logs`, `logs:PutLogEvents on ${fn}Logs`];
const INGEST_QUEUE = ['ChangeMessageVisibility', 'DeleteMessage', 'GetQueueAttributes', 'GetQueueUrl', 'ReceiveMessage'].map(
  (action) => `sqs:${action} on IngestQueue`,
);

const rule = (store: Template, name: string) => onlyResource(store, 'AWS::Events::Rule', { Name: `event-store-dev-${name}` });
const fn = (store: Template, name: string) =>
  onlyResource(store, 'AWS::Lambda::Function', { FunctionName: `event-store-dev-${name}` });
const projectorMapping = (store: Template) =>
  onlyResource(store, 'AWS::Lambda::EventSourceMapping', { FunctionName: { Ref: Match.stringLikeRegexp('^ProjectorFunction') } });

/** The reads the api and query roles hold in `region`. */
function reads(region: string): string[] {
  const events = tableIn(region, 'events');
  return [
    `dynamodb:GetItem on ${events}`,
    `dynamodb:BatchGetItem on ${events}`,
    `dynamodb:Query on ${events}`,
    ...INDEXES.map((index) => `dynamodb:Query on ${events}/index/${index}`),
    `dynamodb:GetItem on ${tableIn(region, 'projections')}`,
    `dynamodb:Query on ${tableIn(region, 'projections')}`,
  ];
}

/** The store in the write region: it ingests, projects, sweeps, replays and appends. */
function expectWrites(store: Template, region: string) {
  expect(rule(store, 'ingest').State).toBe('ENABLED');
  expect(projectorMapping(store).Enabled).toBe(true);
  expect(rule(store, 'cycle-sweep').State).toBe('ENABLED');
  expect(fn(store, 'replay').ReservedConcurrentExecutions).toBe(10);
  expect(fn(store, 'api').Environment.Variables.REPLAY_FUNCTION_NAME).toBe('event-store-dev-replay');
  const events = tableIn(region, 'events');
  const appends = ['PutItem', 'UpdateItem', 'GetItem'].map((action) => `dynamodb:${action} on ${events}`);
  expect(grants(store, 'Persister')).toEqual(expect.arrayContaining(appends));
  expect(grants(store, 'Api')).toEqual(expect.arrayContaining([...appends, 'lambda:InvokeFunction on ReplayFunction']));
}

/** The store in any other region: everything that writes is off, and its roles only read. */
function expectDoesNotWrite(store: Template, region: string) {
  expect(rule(store, 'ingest').State).toBe('DISABLED');
  expect(projectorMapping(store).Enabled).toBe(false);
  expect(rule(store, 'cycle-sweep').State).toBe('DISABLED');
  // Reserved concurrency 0: no replay runs here.
  expect(fn(store, 'replay').ReservedConcurrentExecutions).toBe(0);
  expect(fn(store, 'api').Environment.Variables.REPLAY_FUNCTION_NAME).toBeUndefined();
  expect(grants(store, 'Api')).toEqual([...LOGS('Api'), ...XRAY, ...reads(region)].sort());
  expect(grants(store, 'Persister')).toEqual([...LOGS('Persister'), ...XRAY, ...INGEST_QUEUE].sort());
}

describe('the write region, by default the primary', () => {
  const built = replicated();
  const stores = storesByRegion(built);

  test('writes: ingest rule, stream mapping and sweep enabled, replay able to run, appends granted', () => {
    expectWrites(stores[IRELAND.region], IRELAND.region);
  });

  test.each(REPLICAS)('the store in %s does not write: ingest DISABLED, mapping and sweep off, replay held at 0, roles read only', (region) => {
    expectDoesNotWrite(stores[region], region);
  });

  test('alarms when a replica of the events table falls a minute behind, one alarm per receiving region', () => {
    const alarms = alarmsOf(stores[IRELAND.region]);
    for (const region of REPLICAS) {
      expect(alarms[`event-store-dev-events-replication-latency-${region}`]).toMatchObject({
        Namespace: 'AWS/DynamoDB',
        MetricName: 'ReplicationLatency',
        Statistic: 'Average',
        Threshold: 60000,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Dimensions: expect.arrayContaining([
          { Name: 'ReceivingRegion', Value: region },
          { Name: 'TableName', Value: { 'Fn::ImportValue': expect.stringMatching(/EventsTable/) } },
        ]),
      });
    }
    expect(Object.keys(alarms).filter((name) => name.includes('replication-latency'))).toHaveLength(REPLICAS.length);
    for (const region of REPLICAS) {
      expect(Object.keys(alarmsOf(stores[region])).filter((name) => name.includes('replication-latency'))).toEqual([]);
    }
  });
});

describe('a failover: writeRegion=us-east-1', () => {
  const before = replicated();
  const built = replicated({ writeRegion: 'us-east-1' });
  const stores = storesByRegion(built);

  test('moves no table: the tables stack is the same as before', () => {
    expect(built.data.toJSON()).toEqual(before.data.toJSON());
  });

  test('tells every function in every region the new write region', () => {
    for (const region of REGIONS) {
      const functions = storeFunctions(stores[region]);
      expect(functions).toHaveLength(5);
      for (const fn of functions) {
        expect(fn.Environment.Variables.WRITE_REGION).toBe('us-east-1');
      }
    }
  });

  test('the store in us-east-1 writes', () => {
    expectWrites(stores['us-east-1'], 'us-east-1');
  });

  test.each(['eu-west-1', 'ap-southeast-2'])('the store in %s, the old write region among them, no longer writes', (region) => {
    expectDoesNotWrite(stores[region], region);
  });

  test('alarms on replication latency from us-east-1, to the primary and the other replica', () => {
    const names = Object.keys(alarmsOf(stores['us-east-1'])).filter((name) => name.includes('replication-latency'));
    expect(names.sort()).toEqual(['eu-west-1', 'ap-southeast-2'].map((region) => `event-store-dev-events-replication-latency-${region}`).sort());
    expect(Object.keys(alarmsOf(stores['eu-west-1'])).filter((name) => name.includes('replication-latency'))).toEqual([]);
  });

  test('deploys the new write region last, after the old one stopped writing (cdk deploy --all)', () => {
    const [usEast, apSoutheast] = built.replicas;
    expect(usEast.dependencies).toEqual(expect.arrayContaining([built.stateful, built.stateless, apSoutheast]));
    expect(built.stateless.dependencies).toEqual([built.stateful]);
    expect(apSoutheast.dependencies).toEqual([built.stateful]);
  });
});
