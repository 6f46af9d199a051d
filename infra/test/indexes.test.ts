import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { SettingsError } from '../lib/deployment-settings';
import { loadTableDefinitions, TABLE_DEFINITIONS_PATH, withEnabledIndexes } from '../lib/table-definitions';
import { grants } from './grants';
import { ALL_INDEXES, INDEXES, replicated, storeFunctions, storesByRegion } from './regions';
import { onlyResource, synthesize } from './synthesize';

const STORE_FUNCTIONS = ['persister', 'query', 'projector', 'replay', 'api'];
const ROLES = ['Persister', 'Query', 'Projector', 'Replay', 'Api'];

const eventsTable = (data: Template) => onlyResource(data, 'AWS::DynamoDB::Table', { TableName: 'event-store-dev-events' });
const indexNames = (table: any) => (table.GlobalSecondaryIndexes ?? []).map((index: any) => index.IndexName);
const indexVariable = (service: Template) =>
  Object.fromEntries(storeFunctions(service).map((fn) => [fn.FunctionName.replace('event-store-dev-', ''), fn.Environment.Variables.INDEXES]));
/** Every index ARN any role of `template` is granted, as grants() shows it. */
const indexGrants = (template: Template, roles: string[]) =>
  roles.flatMap((role) => grants(template, role)).filter((grant) => grant.includes('/index/'));

describe('the events table indexes', () => {
  test('tables.json names byAggregateType, byUser and byTime as the default indexes', () => {
    expect(loadTableDefinitions().events.defaultIndexes).toEqual(INDEXES);
  });

  test('by default: exactly the three default indexes, queried by their ARNs, and INDEXES names them to every store function', () => {
    const { data, service } = synthesize();
    expect(indexNames(eventsTable(data))).toEqual(INDEXES);
    expect(indexVariable(service)).toEqual(Object.fromEntries(STORE_FUNCTIONS.map((name) => [name, 'byAggregateType,byUser,byTime'])));
    for (const role of ['Query', 'Replay', 'Api']) {
      expect(grants(service, role).filter((grant) => grant.includes('/index/'))).toEqual(
        INDEXES.map((index) => `dynamodb:Query on events/index/${index}`).sort(),
      );
    }
  });

  test('indexes=all builds all five, grants all five and tells the functions of all five', () => {
    const { data, service } = synthesize({ indexes: 'all' });
    expect(indexNames(eventsTable(data))).toEqual(ALL_INDEXES);
    expect(new Set(Object.values(indexVariable(service)))).toEqual(new Set([ALL_INDEXES.join(',')]));
    expect(grants(service, 'Query').filter((grant) => grant.includes('/index/'))).toHaveLength(5);
  });

  test('a list builds only the indexes it names, and declares only their key attributes', () => {
    const { data, service } = synthesize({ indexes: 'byTime,byEventType' });
    const table = eventsTable(data);
    expect(indexNames(table)).toEqual(['byEventType', 'byTime']);
    expect(table.AttributeDefinitions.map((a: any) => a.AttributeName).sort()).toEqual(
      ['eventTime', 'eventTypeKey', 'streamId', 'timeKey', 'version'].sort(),
    );
    expect(indexVariable(service).query).toBe('byEventType,byTime');
  });

  test('indexes=none builds no index, grants no index ARN in any policy, and sets INDEXES to none', () => {
    const { data, service } = synthesize({ indexes: 'none' });
    expect(eventsTable(data).GlobalSecondaryIndexes).toBeUndefined();
    const policies = JSON.stringify(service.findResources('AWS::IAM::Policy'));
    expect(policies).not.toContain('/index/');
    expect(indexGrants(service, ROLES)).toEqual([]);
    // Queries of the table itself stay granted.
    expect(grants(service, 'Query')).toContain('dynamodb:Query on events');
    expect(new Set(Object.values(indexVariable(service)))).toEqual(new Set(['none']));
  });

  test('an unknown index name fails synth naming indexes and the names there are', () => {
    expect(() => synthesize({ indexes: 'byAggregateType,byColour' })).toThrow(SettingsError);
    expect(() => synthesize({ indexes: 'byAggregateType,byColour' })).toThrow(
      /context parameter 'indexes': 'byAggregateType,byColour' names 'byColour'.*byAggregateType, byEventType, byCorrelation, byUser, byTime/,
    );
  });

  test('a deployment with replica regions builds, grants and names only the enabled indexes in every region', () => {
    const built = replicated({ indexes: 'byAggregateType,byCorrelation' });
    const events = onlyResource(built.data, 'AWS::DynamoDB::GlobalTable', { TableName: 'event-store-dev-events' });
    expect(indexNames(events)).toEqual(['byAggregateType', 'byCorrelation']);
    for (const [region, store] of Object.entries(storesByRegion(built))) {
      const granted = indexGrants(store, ['Query']);
      expect([region, granted.map((grant) => grant.replace(/.*\/index\//, '')).sort()]).toEqual([region, ['byAggregateType', 'byCorrelation']]);
      for (const fn of storeFunctions(store)) {
        expect(fn.Environment.Variables.INDEXES).toBe('byAggregateType,byCorrelation');
      }
    }
    const none = replicated({ indexes: 'none' });
    expect(onlyResource(none.data, 'AWS::DynamoDB::GlobalTable', { TableName: 'event-store-dev-events' }).GlobalSecondaryIndexes).toBeUndefined();
    for (const store of Object.values(storesByRegion(none))) {
      expect(indexGrants(store, ROLES)).toEqual([]);
    }
  });
});

describe('tables.json defaultIndexes', () => {
  const withDefaults = (defaultIndexes: unknown) => {
    const raw = JSON.parse(fs.readFileSync(TABLE_DEFINITIONS_PATH, 'utf8'));
    raw.events.defaultIndexes = defaultIndexes;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tables-')), 'tables.json');
    fs.writeFileSync(file, JSON.stringify(raw));
    return () => loadTableDefinitions(file);
  };

  test('must name indexes of the events table, each once', () => {
    expect(withDefaults(['byUser', 'byColour'])).toThrow(/events.defaultIndexes names 'byColour', which is not one of its indexes/);
    expect(withDefaults(['byUser', 'byUser'])).toThrow(/events.defaultIndexes names an index twice/);
    expect(withDefaults('byUser')).toThrow(/events.defaultIndexes must be a list of index names/);
    expect(withDefaults(['byUser'])().events.defaultIndexes).toEqual(['byUser']);
  });

  test('narrowing keeps the file order and refuses a name that is no index', () => {
    const definitions = loadTableDefinitions();
    expect(withEnabledIndexes(definitions, ['byTime', 'byUser']).events.indexes.map((index) => index.name)).toEqual(['byUser', 'byTime']);
    expect(withEnabledIndexes(definitions, ['byTime']).projections).toBe(definitions.projections);
    expect(() => withEnabledIndexes(definitions, ['byColour'])).toThrow(/no index of the events table is named byColour/);
  });
});
