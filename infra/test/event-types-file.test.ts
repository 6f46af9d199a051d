import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SettingsError } from '../lib/deployment-settings';
import { declaresPersonalData } from '../lib/event-types-file';
import { FUNCTION_NAMES } from './function-assets';
import { IRELAND } from './regions';
import { onlyResource, synthesize } from './synthesize';

/** The repository's event types file: it declares personal data. */
const WITH_PERSONAL_DATA = path.join(__dirname, '..', '..', 'fixtures', 'event-types.json');

function writtenFile(contents: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'event-store-types-test-')), 'types.json');
  fs.writeFileSync(file, contents);
  return file;
}

/** The SettingsError synthesizing with `context` throws (failing when it throws none). */
function refusal(context: Record<string, unknown>, environment?: typeof IRELAND): SettingsError {
  try {
    synthesize(context, environment);
  } catch (e) {
    expect(e).toBeInstanceOf(SettingsError);
    return e as SettingsError;
  }
  throw new Error(`synth with ${JSON.stringify(context)} succeeded`);
}

const fn = (template: ReturnType<typeof synthesize>['service'], name: string) =>
  onlyResource(template, 'AWS::Lambda::Function', { FunctionName: `event-store-dev-${name}` });

describe('the event types file', () => {
  test('ships in a layer of its own, as event-types.json, to all five functions, told EVENT_TYPES_FILE=/opt/event-types.json', () => {
    const built = synthesize({ eventTypesFile: WITH_PERSONAL_DATA });
    const layer = onlyResource(built.service, 'AWS::Lambda::LayerVersion');
    expect(layer).toMatchObject({
      LayerName: 'event-store-dev-event-types',
      CompatibleRuntimes: ['provided.al2023'],
      CompatibleArchitectures: ['arm64'],
    });
    const [layerId] = Object.keys(built.service.findResources('AWS::Lambda::LayerVersion'));
    for (const name of FUNCTION_NAMES) {
      expect(fn(built.service, name).Layers).toEqual([{ Ref: layerId }]);
      expect(fn(built.service, name).Environment.Variables.EVENT_TYPES_FILE).toBe('/opt/event-types.json');
    }
    // The layer's asset, as the cloud assembly holds it: the file alone.
    const staged = path.join(built.app.synth().directory, `asset.${layer.Content.S3Key.replace(/\.zip$/, '')}`);
    expect(fs.readdirSync(staged)).toEqual(['event-types.json']);
    expect(fs.readFileSync(path.join(staged, 'event-types.json'), 'utf8')).toBe(fs.readFileSync(WITH_PERSONAL_DATA, 'utf8'));
  });

  test('without personal data ships the layer, but no keys table, personal data key or key variables', () => {
    const { data, service } = synthesize({ eventTypesFile: writtenFile('{"eventTypes":{}}') });
    service.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    data.resourceCountIs('AWS::DynamoDB::Table', 2);
    data.resourceCountIs('AWS::KMS::Key', 1);
    data.resourceCountIs('AWS::KMS::Alias', 0);
    for (const name of FUNCTION_NAMES) {
      const variables = fn(service, name).Environment.Variables;
      expect(variables.EVENT_TYPES_FILE).toBe('/opt/event-types.json');
      expect(variables.KEYS_TABLE).toBeUndefined();
      expect(variables.PERSONAL_DATA_KEY).toBeUndefined();
    }
  });

  test('not given: no layer and no variable', () => {
    const { service } = synthesize();
    service.resourceCountIs('AWS::Lambda::LayerVersion', 0);
    for (const name of FUNCTION_NAMES) {
      expect(fn(service, name).Layers).toBeUndefined();
      expect(fn(service, name).Environment.Variables.EVENT_TYPES_FILE).toBeUndefined();
    }
  });

  test.each([
    ['a missing file', '/nonexistent/event-types.json'],
    ['a directory', os.tmpdir()],
    ['a file that is not JSON', writtenFile('{"eventTypes":')],
    ['a file that is not a JSON object', writtenFile('[{"personalData": {}}]')],
  ])('%s is refused naming eventTypesFile', (_, file) => {
    const error = refusal({ eventTypesFile: file });
    expect(error.parameter).toBe('eventTypesFile');
    expect(error.message).toContain("'eventTypesFile'");
  });

  test('with personal data, replica regions are refused: the key lives in one region', () => {
    const error = refusal({ eventTypesFile: WITH_PERSONAL_DATA, replicaRegions: 'us-east-1', replicaEncryption: 'awsManaged' }, IRELAND);
    expect(error.parameter).toBe('eventTypesFile');
    expect(error.message).toMatch(/declares personal data/);
    expect(error.message).toMatch(/a KMS key lives in one region/);
    expect(error.message).toMatch(/does not yet deploy a multi-region key for personal data/);
    expect(error.message).toMatch(/replica regions could not open sealed values/);
  });

  test('without personal data, replica regions take the layer in every region', () => {
    const built = synthesize(
      { eventTypesFile: writtenFile('{"eventTypes":{}}'), replicaRegions: 'us-east-1', replicaEncryption: 'awsManaged' },
      IRELAND,
    );
    for (const template of [built.service, ...built.replicaTemplates]) {
      template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
      expect(fn(template, 'query').Environment.Variables.EVENT_TYPES_FILE).toBe('/opt/event-types.json');
    }
  });

  test('declares personal data with a personalData at the top or in an entry of eventTypes, not with none or null', () => {
    expect(declaresPersonalData(JSON.parse(fs.readFileSync(WITH_PERSONAL_DATA, 'utf8')))).toBe(true);
    expect(declaresPersonalData({ personalData: { subject: '/id', fields: ['/name'] } })).toBe(true);
    expect(declaresPersonalData({ eventTypes: { A: {}, B: { personalData: { subject: '/id', fields: [] } } } })).toBe(true);
    expect(declaresPersonalData({ eventTypes: {} })).toBe(false);
    expect(declaresPersonalData({ eventTypes: { A: { schemas: {} } } })).toBe(false);
    expect(declaresPersonalData({ personalData: null, eventTypes: { A: { personalData: null } } })).toBe(false);
  });
});
