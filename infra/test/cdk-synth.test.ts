import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { placeholderAssets } from './function-assets';

const INFRA = path.join(__dirname, '..');

test('`cdk synth` runs offline with no AWS credentials and writes both stacks', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'event-store-no-aws-'));
  const out = path.join(home, 'cdk.out');
  const environment: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('AWS_') && !name.startsWith('CDK_')) {
      environment[name] = value;
    }
  }
  environment.HOME = home;
  const result = spawnSync(
    path.join(INFRA, 'node_modules', '.bin', 'cdk'),
    ['synth', '--quiet', '--no-notices', '--no-version-reporting', '-c', `lambdaAssets=${placeholderAssets()}`, '-o', out],
    { cwd: INFRA, env: environment, encoding: 'utf8' },
  );
  expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({ status: 0, stderr: '' });
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  const stacks = Object.entries(manifest.artifacts)
    .filter(([, artifact]: [string, any]) => artifact.type === 'aws:cloudformation:stack')
    .map(([name]) => name)
    .sort();
  expect(stacks).toEqual(['EventStore-dev', 'EventStore-dev-Data']);
  expect(fs.existsSync(path.join(out, 'EventStore-dev.template.json'))).toBe(true);
});
