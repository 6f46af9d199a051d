import * as fs from 'fs';
import * as path from 'path';
import { synthesize } from './synthesize';

/** Violations that the validation report lists (acknowledged ones are not listed). */
function reportedViolations(outdir: string): unknown[] {
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  return report.pluginReports.flatMap((plugin: any) => plugin.violations ?? plugin.conformanceReports ?? []);
}

describe('cdk-nag AwsSolutions checks', () => {
  test.each([
    ['the default deployment', {}],
    ['a deployment with the raw archive, an existing bus and provisioned capacity', {
      rawArchive: true,
      busName: 'orders',
      billingMode: 'PROVISIONED',
    }],
  ])('find nothing unacknowledged in %s', (_, context) => {
    const { app } = synthesize(context);
    const assembly = app.synth();
    expect(reportedViolations(assembly.directory)).toEqual([]);
  });
});
