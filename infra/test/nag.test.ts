import * as fs from 'fs';
import * as path from 'path';
import { synthesize } from './synthesize';

/** Violations that the validation report lists (acknowledged ones are not listed). */
function reportedViolations(outdir: string): unknown[] {
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  return report.pluginReports.flatMap((plugin: any) => plugin.violations ?? plugin.conformanceReports ?? []);
}

describe('cdk-nag AwsSolutions checks', () => {
  const inIreland = { account: '123456789012', region: 'eu-west-1' };
  test.each([
    ['the default deployment', {}, undefined],
    ['a deployment with the raw archive, an existing bus and provisioned capacity', {
      rawArchive: true,
      busName: 'orders',
      billingMode: 'PROVISIONED',
    }, undefined],
    ['a deployment whose API takes IAM authorization and is traced', { apiAuth: 'iam', tracing: true }, undefined],
    ['a deployment with no secondary index', { indexes: 'none' }, undefined],
    ['a deployment with an event types file that declares personal data (layer, keys table, personal data key), provisioned', {
      eventTypesFile: path.join(__dirname, '..', '..', 'fixtures', 'event-types.json'),
      billingMode: 'PROVISIONED',
    }, undefined],
    ['a deployment with replica regions (global tables on AWS-managed keys)', {
      replicaRegions: 'us-east-1,ap-southeast-2',
      replicaEncryption: 'awsManaged',
    }, inIreland],
    ['a deployment with replica regions on customer-managed keys, provisioned, IAM-authorized', {
      replicaRegions: 'us-east-1',
      replicaKeyArns: '{"us-east-1": "arn:aws:kms:us-east-1:123456789012:key/replica"}',
      billingMode: 'PROVISIONED',
      apiAuth: 'iam',
    }, inIreland],
    ['a deployment failed over to a replica region (writeRegion), the raw archive on', {
      replicaRegions: 'us-east-1,ap-southeast-2',
      replicaEncryption: 'awsManaged',
      writeRegion: 'us-east-1',
      rawArchive: true,
    }, inIreland],
  ])('find nothing unacknowledged in %s', (_, context, environment) => {
    const { app } = synthesize(context, environment);
    const assembly = app.synth();
    expect(reportedViolations(assembly.directory)).toEqual([]);
  });
});
