/**
 * Builds the app as `cdk synth` would (cdk.json's context, the nag plugin), with the given context
 * on top and placeholder function zips, and hands back each stack's template. `environment` stands
 * for the CLI's account and region (a deployment with replicas needs its region).
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BuildOptions, buildEventStore, EventStoreApp } from '../lib/event-store-app';
import { placeholderAssets } from './function-assets';

const CDK_JSON = path.join(__dirname, '..', 'cdk.json');

export interface Synthesized extends EventStoreApp {
  readonly app: App;
  readonly data: Template;
  readonly service: Template;
  /** The replica stacks' templates, in the order of `replicaRegions`. */
  readonly replicaTemplates: Template[];
}

export function synthesize(
  context: Record<string, unknown> = {},
  environment?: BuildOptions['environment'],
): Synthesized {
  const base = JSON.parse(fs.readFileSync(CDK_JSON, 'utf8')).context ?? {};
  const app = new App({ context: { ...base, lambdaAssets: placeholderAssets(), ...context } });
  const built = buildEventStore(app, { defaultAssetsDir: '/nonexistent', environment });
  return {
    app,
    ...built,
    data: Template.fromStack(built.stateful),
    service: Template.fromStack(built.stateless),
    replicaTemplates: built.replicas.map((replica) => Template.fromStack(replica)),
  };
}

/** The one resource of `type` in `template` (its properties), failing if there are more or none. */
export function onlyResource(template: Template, type: string, props: Record<string, unknown> = {}): any {
  const found = Object.values(template.findResources(type, props ? { Properties: props } : undefined));
  if (found.length !== 1) {
    throw new Error(`expected one ${type} matching ${JSON.stringify(props)}, found ${found.length}`);
  }
  return (found[0] as any).Properties;
}
