/**
 * A deployment with replica regions as the multi-region tests build it: Ireland the primary,
 * two replica regions, AWS's managed key asked for by name; each region's store template by
 * region, and a table as the grants of that region's roles name it.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { Synthesized, synthesize } from './synthesize';

export const IRELAND = { account: '123456789012', region: 'eu-west-1' };
export const REPLICAS = ['us-east-1', 'ap-southeast-2'];
export const REGIONS = [IRELAND.region, ...REPLICAS];
/** The indexes a deployment has when `indexes` names none: tables.json's defaultIndexes. */
export const INDEXES = ['byAggregateType', 'byUser', 'byTime'];
/** Every index of the events table (`-c indexes=all`). */
export const ALL_INDEXES = ['byAggregateType', 'byEventType', 'byCorrelation', 'byUser', 'byTime'];
export const XRAY = ['xray:PutTelemetryRecords on *', 'xray:PutTraceSegments on *'];

/** The deployment, with `context` on top (e.g. another `writeRegion`). */
export function replicated(context: Record<string, unknown> = {}): Synthesized {
  return synthesize({ replicaRegions: REPLICAS.join(','), replicaEncryption: 'awsManaged', ...context }, IRELAND);
}

/** Each region's store (the stack EventStore-dev in the primary, a replica stack elsewhere). */
export function storesByRegion(built: Synthesized): Record<string, Template> {
  return Object.fromEntries([
    [IRELAND.region, built.service],
    ...REPLICAS.map((region, i) => [region, built.replicaTemplates[i]]),
  ]);
}

/** A table as grants() shows it: the stateful stack's import in the primary, the ARN elsewhere. */
export function tableIn(region: string, name: 'events' | 'projections'): string {
  return region === IRELAND.region
    ? name
    : `arn:AWS::Partition:dynamodb:${region}:123456789012:table/event-store-dev-${name}`;
}

/** The bus of the store's name in `region`, as an event bus target's ARN. */
export function busArn(region: string) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:events:${region}:123456789012:event-bus/event-store-dev`]] };
}

/** The alarms of a template, by name. */
export function alarmsOf(template: Template): Record<string, any> {
  return Object.fromEntries(
    Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => [a.Properties.AlarmName, a.Properties]),
  );
}

/** The store's own functions in a template (not the custom resource's provider), their properties. */
export function storeFunctions(template: Template): any[] {
  return Object.values(template.findResources('AWS::Lambda::Function'))
    .map((f: any) => f.Properties)
    .filter((f) => typeof f.FunctionName === 'string' && f.FunctionName.startsWith('event-store-'));
}
