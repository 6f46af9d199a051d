import { Template } from 'aws-cdk-lib/assertions';
import { NEVER_INGESTED } from '../lib/ingest-pattern';
import { grants } from './grants';
import { alarmsOf, busArn, IRELAND, REGIONS, REPLICAS, replicated, storesByRegion } from './regions';
import { onlyResource } from './synthesize';

const forwardingRules = (store: Template) =>
  Object.values(store.findResources('AWS::Events::Rule'))
    .map((r: any) => r.Properties.Name as string)
    .filter((name) => name === 'event-store-dev-replication' || name === 'event-store-dev-to-write-region');

/** The rule's targets: the other regions' buses, through the forwarding role, failures to its queue. */
function expectTargets(store: Template, rule: any, construct: string, regions: string[]) {
  expect(rule.EventBusName).toEqual({ Ref: expect.stringMatching(/^Bus/) });
  expect(rule.State).toBe('ENABLED');
  expect(rule.Targets.map((target: any) => target.Arn)).toEqual(regions.map(busArn));
  for (const target of rule.Targets) {
    expect(target.RoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${construct}Role`)), 'Arn'] });
    expect(target.DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${construct}UndeliveredQueue`)), 'Arn'] });
  }
  expect(grants(store, construct)).toEqual(
    regions.map((region) => `events:PutEvents on arn:AWS::Partition:events:${region}:123456789012:event-bus/event-store-dev`).sort(),
  );
}

describe("forwarding between the regions' buses", () => {
  const built = replicated();
  const stores = storesByRegion(built);
  const write = stores[IRELAND.region];

  test("the write region forwards what the store publishes, but archive replays, to every other region's bus", () => {
    const rule = onlyResource(write, 'AWS::Events::Rule', { Name: 'event-store-dev-replication' });
    expect(rule.EventPattern).toEqual({
      source: ['event-store.changes', 'event-store.metering', 'event-store.replay'],
      // an archive replay of the bus is not forwarded a second time
      'replay-name': [{ exists: false }],
    });
    expectTargets(write, rule, 'BusReplication', REPLICAS);
    expect(alarmsOf(write)).toHaveProperty(['event-store-dev-replication-undelivered-not-empty']);
    expect(forwardingRules(write)).toEqual(['event-store-dev-replication']);
  });

  test.each(REPLICAS)("%s forwards every event the store did not publish to the write region's bus, to be stored there", (region) => {
    const store = stores[region];
    const rule = onlyResource(store, 'AWS::Events::Rule', { Name: 'event-store-dev-to-write-region' });
    expect(rule.EventPattern).toEqual({ source: [{ 'anything-but': [...NEVER_INGESTED] }] });
    expectTargets(store, rule, 'WriteRegionForwarding', [IRELAND.region]);
    expect(alarmsOf(store)).toHaveProperty(['event-store-dev-to-write-region-undelivered-not-empty']);
    expect(forwardingRules(store)).toEqual(['event-store-dev-to-write-region']);
  });

  test('cannot loop: what the write region forwards is exactly what the other regions never forward back', () => {
    const published = onlyResource(write, 'AWS::Events::Rule', { Name: 'event-store-dev-replication' }).EventPattern.source;
    for (const region of REPLICAS) {
      const back = onlyResource(stores[region], 'AWS::Events::Rule', { Name: 'event-store-dev-to-write-region' });
      expect(back.EventPattern.source).toEqual([{ 'anything-but': published }]);
    }
  });

  test('after a failover the new write region replicates and every other region, the primary too, forwards to it', () => {
    const failedOver = storesByRegion(replicated({ writeRegion: 'us-east-1' }));
    expectTargets(
      failedOver['us-east-1'],
      onlyResource(failedOver['us-east-1'], 'AWS::Events::Rule', { Name: 'event-store-dev-replication' }),
      'BusReplication',
      ['eu-west-1', 'ap-southeast-2'],
    );
    for (const region of REGIONS.filter((r) => r !== 'us-east-1')) {
      const rule = onlyResource(failedOver[region], 'AWS::Events::Rule', { Name: 'event-store-dev-to-write-region' });
      expectTargets(failedOver[region], rule, 'WriteRegionForwarding', ['us-east-1']);
      expect(forwardingRules(failedOver[region])).toEqual(['event-store-dev-to-write-region']);
    }
  });
});
