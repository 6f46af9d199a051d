import * as fs from 'fs';
import * as path from 'path';
import { ALL_VARIABLES } from '../lib/function-environment';
import { functionZip, retentionOf } from '../lib/rust-function';
import { onlyResource, synthesize } from './synthesize';

const REPOSITORY = path.join(__dirname, '..', '..');

describe('the functions', () => {
  const { service } = synthesize({
    eventTtlDays: 90,
    snapshotEvery: 50,
    logRetentionDays: 14,
    projectorEventBudget: 250,
    rebuildGraceHours: 48,
  });
  const fn = (name: string) => onlyResource(service, 'AWS::Lambda::Function', { FunctionName: `event-store-dev-${name}` });

  test.each([
    ['persister', 256, 30],
    ['query', 256, 10],
    ['projector', 256, 60],
    ['replay', 1769, 900],
    ['api', 256, 26],
  ])('%s runs the cargo lambda build on provided.al2023, arm64, traced, logging JSON', (name, memory, timeout) => {
    expect(fn(name)).toMatchObject({
      Runtime: 'provided.al2023',
      Architectures: ['arm64'],
      Handler: 'bootstrap',
      MemorySize: memory,
      Timeout: timeout,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.stringMatching(new RegExp(`^${name[0].toUpperCase()}${name.slice(1)}Logs`)) } },
    });
  });

  test('each function logs to a group of its own, kept for the configured days', () => {
    for (const name of ['persister', 'query', 'projector', 'replay', 'api']) {
      const group = onlyResource(service, 'AWS::Logs::LogGroup', { LogGroupName: `/aws/lambda/event-store-dev-${name}` });
      expect(group.RetentionInDays).toBe(14);
    }
  });

  test('each function is told the tables, the bus and the settings it uses, and no more', () => {
    const variables = (name: string) => Object.keys(fn(name).Environment.Variables).sort();
    const store = ['AGGREGATE_TYPE_FROM_CATEGORY', 'CONNECT_AT_INIT', 'DEDUPE_SCOPE', 'EVENTS_TABLE', 'EVENT_TTL_DAYS', 'INDEXES'];
    expect(variables('persister')).toEqual([...store, 'SNAPSHOT_EVERY']);
    expect(variables('query')).toEqual([...store, 'PROJECTIONS_TABLE', 'SNAPSHOT_EVERY']);
    expect(variables('projector')).toEqual(
      [...store, 'EVENT_BUS_NAME', 'PROJECTIONS_TABLE', 'PROJECTOR_EVENT_BUDGET', 'SNAPSHOT_EVERY'].sort(),
    );
    expect(variables('replay')).toEqual(
      [...store, 'EVENT_BUS_NAME', 'PROJECTIONS_TABLE', 'REBUILD_GRACE_HOURS', 'SNAPSHOT_EVERY'].sort(),
    );
    expect(variables('api')).toEqual([...store, 'PROJECTIONS_TABLE', 'REPLAY_FUNCTION_NAME', 'SNAPSHOT_EVERY']);
    expect(fn('api').Environment.Variables.REPLAY_FUNCTION_NAME).toBe('event-store-dev-replay');
    expect(fn('projector').Environment.Variables).toMatchObject({ PROJECTOR_EVENT_BUDGET: '250' });
    expect(fn('replay').Environment.Variables).toMatchObject({ REBUILD_GRACE_HOURS: '48' });
    expect(fn('persister').Environment.Variables).toMatchObject({ DEDUPE_SCOPE: 'store', AGGREGATE_TYPE_FROM_CATEGORY: 'true' });
    expect(fn('projector').Environment.Variables).toMatchObject({ EVENT_TTL_DAYS: '90', SNAPSHOT_EVERY: '50' });
  });

  test('replay may invoke itself in a chain (a replay run until done), which no other function does', () => {
    expect(fn('replay').RecursiveLoop).toBe('Allow');
    for (const name of ['persister', 'query', 'projector', 'api']) {
      expect(fn(name).RecursiveLoop).toBeUndefined();
    }
  });

  test('replay runs at most 10 links at once (reserved concurrency, replayConcurrency), which no other function reserves', () => {
    expect(fn('replay').ReservedConcurrentExecutions).toBe(10);
    for (const name of ['persister', 'query', 'projector', 'api']) {
      expect(fn(name).ReservedConcurrentExecutions).toBeUndefined();
    }
    const fewer = synthesize({ replayConcurrency: '3' }).service;
    expect(onlyResource(fewer, 'AWS::Lambda::Function', { FunctionName: 'event-store-dev-replay' }).ReservedConcurrentExecutions).toBe(3);
  });

  test("a replay link that failed is retried twice, then sent to replay's encrypted on-failure queue", () => {
    const config = onlyResource(service, 'AWS::Lambda::EventInvokeConfig');
    expect(config).toEqual({
      FunctionName: { Ref: expect.stringMatching(/^ReplayFunction/) },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^ReplayChainFailureQueue/), 'Arn'] } },
      },
    });
    expect(onlyResource(service, 'AWS::SQS::Queue', { QueueName: 'event-store-dev-replay-failures' })).toMatchObject({
      SqsManagedSseEnabled: true,
    });
  });

  test.each(['projector', 'replay', 'query', 'api'])('hands the %s the settings file as PROJECTOR_SETTINGS (replay rebuilds its read models, query and api list them)', (name) => {
    const file = path.join(REPOSITORY, 'fixtures', 'settings', 'projector.json');
    const configured = synthesize({ projectorSettingsFile: file }).service;
    const fn = onlyResource(configured, 'AWS::Lambda::Function', { FunctionName: `event-store-dev-${name}` });
    expect(JSON.parse(fn.Environment.Variables.PROJECTOR_SETTINGS)).toEqual(JSON.parse(fs.readFileSync(file, 'utf8')));
  });

  test('every variable name is the one the Rust side reads', () => {
    for (const variable of ALL_VARIABLES) {
      const source = fs.readFileSync(path.join(REPOSITORY, variable.declaredIn), 'utf8');
      expect(source).toContain(`"${variable.name}"`);
    }
  });

  test('a missing build says to run make build', () => {
    expect(() => functionZip('/nonexistent', 'query')).toThrow(/no build of function 'query'.*run `make build` first/);
  });

  test('log retention rounds up to a period CloudWatch offers', () => {
    expect(retentionOf(30)).toBe(30);
    expect(retentionOf(31)).toBe(60);
    expect(() => retentionOf(100000)).toThrow(/longer than CloudWatch keeps logs/);
  });
});
