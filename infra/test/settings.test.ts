import * as path from 'path';
import { deploymentRegions } from '../lib/deployment-regions';
import { readDeploymentSettings, SettingsError } from '../lib/deployment-settings';
import { guardedIngestPattern, IngestPatternError } from '../lib/ingest-pattern';
import { synthesize } from './synthesize';

/** The repository's event types file: it declares personal data. */
const EVENT_TYPES_FILE = path.join(__dirname, '..', '..', 'fixtures', 'event-types.json');

const read = (context: Record<string, unknown>) => readDeploymentSettings((name) => context[name], '/assets');

describe('deployment settings', () => {
  test('default to an on-demand dev deployment that keeps events forever', () => {
    expect(read({})).toEqual({
      envName: 'dev',
      eventTtlDays: 0,
      archiveRetentionDays: 365,
      billing: { mode: 'PAY_PER_REQUEST' },
      logRetentionDays: 30,
      existingBusName: undefined,
      ingestPattern: {},
      projectorSettings: undefined,
      eventTypesFile: undefined,
      snapshotEvery: 100,
      dedupeScope: 'store',
      indexes: ['byAggregateType', 'byUser', 'byTime'],
      aggregateTypeFromCategory: true,
      connectAtInit: true,
      projectorEventBudget: 1000,
      rebuildGraceHours: 24,
      replayConcurrency: 10,
      rawArchive: false,
      apiAuth: 'apiKey',
      apiRateLimit: 100,
      apiBurstLimit: 200,
      apiDailyQuota: undefined,
      tracing: false,
      replicaRegions: [],
      writeRegion: undefined,
      replicaKeyArns: undefined,
      replicaEncryption: 'customerManaged',
      lambdaAssetsDir: '/assets',
    });
  });

  test('read the API, tracing and replica parameters', () => {
    expect(
      read({
        apiAuth: 'iam',
        apiRateLimit: '50',
        apiBurstLimit: 80,
        apiDailyQuota: '10000',
        tracing: 'true',
        replicaRegions: 'us-east-1, ap-southeast-2',
        replicaKeyArns:
          '{"us-east-1": "arn:aws:kms:us-east-1:123456789012:key/a", "ap-southeast-2": "arn:aws:kms:ap-southeast-2:123456789012:key/b"}',
      }),
    ).toMatchObject({
      apiAuth: 'iam',
      apiRateLimit: 50,
      apiBurstLimit: 80,
      apiDailyQuota: 10000,
      tracing: true,
      replicaRegions: ['us-east-1', 'ap-southeast-2'],
      replicaKeyArns: {
        'us-east-1': 'arn:aws:kms:us-east-1:123456789012:key/a',
        'ap-southeast-2': 'arn:aws:kms:ap-southeast-2:123456789012:key/b',
      },
    });
    const awsManaged = { replicaEncryption: 'awsManaged' };
    expect(read({ ...awsManaged, replicaRegions: '["us-east-1"]' }).replicaRegions).toEqual(['us-east-1']);
    expect(read({ ...awsManaged, replicaRegions: ['us-east-1', 'us-west-2'] }).replicaRegions).toEqual(['us-east-1', 'us-west-2']);
  });

  test('read the event types file: its path, and whether it declares personal data', () => {
    expect(read({ eventTypesFile: EVENT_TYPES_FILE }).eventTypesFile).toEqual({ path: EVENT_TYPES_FILE, declaresPersonalData: true });
  });

  test("read the indexes: all, none, or names (in tables.json's order, whatever order they are given in)", () => {
    expect(read({ indexes: 'all' }).indexes).toEqual(['byAggregateType', 'byEventType', 'byCorrelation', 'byUser', 'byTime']);
    expect(read({ indexes: 'none' }).indexes).toEqual([]);
    expect(read({ indexes: 'byTime, byAggregateType,byEventType' }).indexes).toEqual(['byAggregateType', 'byEventType', 'byTime']);
    expect(read({ indexes: '["byCorrelation"]' }).indexes).toEqual(['byCorrelation']);
    expect(read({ indexes: ['byUser'] }).indexes).toEqual(['byUser']);
  });

  test("refuse an index name that is not one of the events table's, listing the names there are", () => {
    expect(() => read({ indexes: 'byAggregateType,byColour' })).toThrow(
      "context parameter 'indexes': 'byAggregateType,byColour' names 'byColour', not an index of the events table: use all, none, or a comma-separated list of byAggregateType, byEventType, byCorrelation, byUser, byTime",
    );
  });

  test("refuse replicas without a key in each region, unless AWS's managed key is asked for by name", () => {
    expect(() => read({ replicaRegions: 'us-east-1,ap-southeast-2' })).toThrow(
      /'replicaKeyArns': the global tables stay on customer-managed keys: give the ARN of a KMS key in each replica region \(us-east-1, ap-southeast-2\).*-c replicaEncryption=awsManaged/,
    );
    expect(read({ replicaRegions: 'us-east-1', replicaEncryption: 'awsManaged' })).toMatchObject({
      replicaKeyArns: undefined,
      replicaEncryption: 'awsManaged',
    });
    // No replicas: the data key, nothing to choose.
    expect(read({}).replicaEncryption).toBe('customerManaged');
  });

  test('need the primary region known, not among the replicas, and a write region among the regions', () => {
    expect(deploymentRegions(read({}), undefined)).toEqual({ primary: undefined, replicas: [] });
    expect(deploymentRegions(read({}), 'eu-west-1')).toEqual({ primary: 'eu-west-1', replicas: [] });
    const awsManaged = { replicaEncryption: 'awsManaged' };
    const replicated = read({ ...awsManaged, replicaRegions: 'us-east-1' });
    expect(deploymentRegions(replicated, 'eu-west-1')).toEqual({ primary: 'eu-west-1', write: 'eu-west-1', replicas: ['us-east-1'] });
    expect(deploymentRegions(read({ ...awsManaged, replicaRegions: 'us-east-1', writeRegion: 'us-east-1' }), 'eu-west-1')).toEqual({
      primary: 'eu-west-1',
      write: 'us-east-1',
      replicas: ['us-east-1'],
    });
    expect(() => deploymentRegions(replicated, undefined)).toThrow(/'replicaRegions': replicas need the primary region known at synth/);
    expect(() => deploymentRegions(read({ ...awsManaged, replicaRegions: 'us-east-1,eu-west-1' }), 'eu-west-1')).toThrow(
      /'eu-west-1' is the primary region/,
    );
    expect(() => deploymentRegions(read({ ...awsManaged, replicaRegions: 'us-east-1', writeRegion: 'us-west-2' }), 'eu-west-1')).toThrow(
      /'writeRegion': 'us-west-2' is not a region of the deployment: the primary eu-west-1 or a replica region \(us-east-1\)/,
    );
    expect(() => deploymentRegions(read({ writeRegion: 'us-west-2' }), 'eu-west-1')).toThrow(
      /'writeRegion': 'us-west-2': a deployment without replicaRegions writes in its own region \(eu-west-1\)/,
    );
    expect(deploymentRegions(read({ writeRegion: 'eu-west-1' }), 'eu-west-1').write).toBeUndefined();
  });

  test.each([
    [{ envName: 'prod env' }, 'envName'],
    [{ eventTtlDays: 'ten' }, 'eventTtlDays'],
    [{ archiveRetentionDays: -1 }, 'archiveRetentionDays'],
    [{ billingMode: 'ON_DEMAND' }, 'billingMode'],
    [{ billingMode: 'PROVISIONED', writeCapacity: 0 }, 'writeCapacity'],
    [{ logRetentionDays: 1.5 }, 'logRetentionDays'],
    [{ busName: '' }, 'busName'],
    [{ ingestPattern: '{not json' }, 'ingestPattern'],
    [{ ingestPattern: '[1]' }, 'ingestPattern'],
    [{ rawArchive: 'yes' }, 'rawArchive'],
    [{ dedupeScope: 'global' }, 'dedupeScope'],
    [{ indexes: 'byAggregateType,byColour' }, 'indexes'],
    [{ indexes: 'byUser,byUser' }, 'indexes'],
    [{ indexes: '' }, 'indexes'],
    [{ indexes: 'byUser,' }, 'indexes'],
    [{ indexes: 'all,byUser' }, 'indexes'],
    [{ indexes: '["byUser"' }, 'indexes'],
    [{ indexes: [] }, 'indexes'],
    [{ projectorSettings: '{"changeNotices": {"source": "my.changes"}}' }, 'projectorSettings'],
    [{ projectorSettings: '{"changeNotices": {"source": "event-store.metering"}}' }, 'projectorSettings'],
    [{ aggregateTypeFromCategory: 'maybe' }, 'aggregateTypeFromCategory'],
    [{ connectAtInit: 'yes' }, 'connectAtInit'],
    [{ projectorEventBudget: 0 }, 'projectorEventBudget'],
    [{ rebuildGraceHours: -1 }, 'rebuildGraceHours'],
    [{ replayConcurrency: 0 }, 'replayConcurrency'],
    [{ projectorSettingsFile: '/nonexistent.json' }, 'projectorSettingsFile'],
    [{ eventTypesFile: '/nonexistent.json' }, 'eventTypesFile'],
    [{ eventTypesFile: '' }, 'eventTypesFile'],
    [{ eventTypesFile: EVENT_TYPES_FILE, replicaRegions: 'us-east-1', replicaEncryption: 'awsManaged' }, 'eventTypesFile'],
    [{ apiAuth: 'cognito' }, 'apiAuth'],
    [{ apiRateLimit: 0 }, 'apiRateLimit'],
    [{ apiBurstLimit: 'lots' }, 'apiBurstLimit'],
    [{ apiDailyQuota: 0 }, 'apiDailyQuota'],
    [{ tracing: 'on' }, 'tracing'],
    [{ replicaRegions: 'us-east-1' }, 'replicaKeyArns'],
    [{ replicaEncryption: 'none' }, 'replicaEncryption'],
    [{ writeRegion: 'Ireland' }, 'writeRegion'],
    [
      {
        replicaRegions: 'us-east-1',
        replicaEncryption: 'awsManaged',
        replicaKeyArns: '{"us-east-1": "arn:aws:kms:us-east-1:123456789012:key/a"}',
      },
      'replicaEncryption',
    ],
    [{ replicaRegions: 'us-east-1,Ireland' }, 'replicaRegions'],
    [{ replicaRegions: 'us-east-1,us-east-1' }, 'replicaRegions'],
    [{ replicaRegions: '["us-east-1"' }, 'replicaRegions'],
    [{ replicaRegions: 'us-east-1', replicaKeyArns: '{"us-west-2": "arn:aws:kms:us-west-2:123456789012:key/a"}' }, 'replicaKeyArns'],
    [{ replicaRegions: 'us-east-1', replicaKeyArns: '{"us-east-1": "arn:aws:kms:us-west-2:123456789012:key/a"}' }, 'replicaKeyArns'],
  ])('%j is refused with an error naming %s', (context, parameter) => {
    let error: unknown;
    try {
      read(context);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).parameter).toBe(parameter);
    expect((error as Error).message).toContain(`'${parameter}'`);
  });

  test('name every stack and resource after the environment', () => {
    const { stateful, stateless, service } = synthesize({ envName: 'prod' });
    expect([stateful.stackName, stateless.stackName]).toEqual(['EventStore-prod-Data', 'EventStore-prod']);
    service.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'event-store-prod-persister' });
    service.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'event-store-prod-ingest' });
  });
});

describe('the ingest loop guard', () => {
  test('excludes what the store publishes when the pattern does not filter by source', () => {
    expect(guardedIngestPattern({ detail: { kind: ['x'] } })).toEqual({
      detail: { kind: ['x'] },
      source: [{ 'anything-but': ['event-store.changes', 'event-store.metering', 'event-store.replay'] }],
    });
  });

  test.each([
    [['orders', { prefix: 'billing.' }, { 'anything-but': ['event-store.changes', 'event-store.metering', 'event-store.replay', 'x'] }, { suffix: '.eu' }]],
    [['event-store.follow-ups']],
  ])('keeps source filters that cannot match what the store publishes: %j', (source) => {
    expect(guardedIngestPattern({ source })).toEqual({ source });
  });

  test.each([
    [['event-store.changes'], /is 'event-store.changes'/],
    [[{ prefix: 'event' }], /matches the prefix/],
    [[{ suffix: 'changes' }], /matches the end/],
    [[{ 'anything-but': ['orders'] }], /does not exclude/],
    [[{ 'anything-but': ['event-store.changes'] }], /does not exclude 'event-store.metering'/],
    [['event-store.metering'], /is 'event-store.metering'/],
    [[{ wildcard: 'event-*' }], /uses 'wildcard'/],
    [[], /non-empty list/],
  ])('refuses source %j', (source, reason) => {
    expect(() => guardedIngestPattern({ source })).toThrow(IngestPatternError);
    expect(() => guardedIngestPattern({ source })).toThrow(reason);
  });
});
