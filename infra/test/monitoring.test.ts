import * as fs from 'fs';
import * as path from 'path';
import { STORE_METRICS_NAMESPACE } from '../lib/store-monitoring';
import { synthesize } from './synthesize';

const REPOSITORY = path.join(__dirname, '..', '..');

describe('monitoring', () => {
  const { service } = synthesize();
  const alarms = Object.values(service.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
  const alarm = (name: string) => {
    const found = alarms.find((a) => a.AlarmName === `event-store-dev-${name}`);
    if (!found) {
      throw new Error(`no alarm ${name}; alarms: ${alarms.map((a) => a.AlarmName).join(', ')}`);
    }
    return found;
  };

  test.each(['ingest-dlq', 'ingest-undelivered', 'projector-failures', 'replay-failures'])('alarms when %s holds a message', (queue) => {
    expect(alarm(`${queue}-not-empty`)).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  test.each(['persister', 'query', 'projector', 'replay', 'api'])('alarms on errors and throttles of %s', (name) => {
    expect(alarm(`${name}-errors`)).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Threshold: 1 });
    expect(alarm(`${name}-throttles`)).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles', Threshold: 1 });
  });

  test("alarms when the projector falls five minutes behind the table's stream", () => {
    expect(alarm('projector-iterator-age')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Statistic: 'Maximum',
      Threshold: 300000,
    });
  });

  test.each(['events', 'projections'])('alarms on read and write throttles of the %s table', (table) => {
    for (const kind of ['ReadThrottleEvents', 'WriteThrottleEvents']) {
      expect(alarm(`${table}-${kind}`)).toMatchObject({ Namespace: 'AWS/DynamoDB', MetricName: kind, Threshold: 1 });
    }
  });

  test.each(['DocumentTooLarge', 'SnapshotFailures'])(
    "alarms on the projector's %s count, a metric the projector writes",
    (metricName) => {
      const name = metricName === 'DocumentTooLarge' ? 'projector-document-too-large' : 'projector-snapshot-failures';
      expect(alarm(name)).toMatchObject({
        Namespace: STORE_METRICS_NAMESPACE,
        MetricName: metricName,
        Statistic: 'Sum',
        Threshold: 1,
        Dimensions: [{ Name: 'Function', Value: { Ref: expect.stringMatching(/^Projector/) } }],
      });
      const handler = fs.readFileSync(path.join(REPOSITORY, 'crates/functions/projector/src/handler.rs'), 'utf8');
      expect(handler).toContain(`metrics.count("${metricName}"`);
      const metrics = fs.readFileSync(path.join(REPOSITORY, 'crates/functions/support/src/metrics.rs'), 'utf8');
      expect(metrics).toContain(`pub const NAMESPACE: &str = "${STORE_METRICS_NAMESPACE}";`);
    },
  );

  test("alarms when a replay chain stops (the replay function's ContinuationFailures count)", () => {
    expect(alarm('replay-continuation-failures')).toMatchObject({
      Namespace: STORE_METRICS_NAMESPACE,
      MetricName: 'ContinuationFailures',
      Statistic: 'Sum',
      Threshold: 1,
      // the deployed name, as the function's EMF lines say it (AWS_LAMBDA_FUNCTION_NAME)
      Dimensions: [{ Name: 'Function', Value: { Ref: expect.stringMatching(/^ReplayFunction/) } }],
    });
    const handler = fs.readFileSync(path.join(REPOSITORY, 'crates/functions/replay/src/handler.rs'), 'utf8');
    expect(handler).toContain('metrics.count("ContinuationFailures"');
  });

  test('alarms when EventBridge fails to deliver to the ingest queue', () => {
    expect(alarm('ingest-rule-failed-invocations')).toMatchObject({
      Namespace: 'AWS/Events',
      MetricName: 'FailedInvocations',
      Dimensions: [{ Name: 'RuleName', Value: { Ref: expect.stringMatching(/^IngestRule/) } }],
    });
  });

  test('every alarm notifies the encrypted alarm topic, and the dashboard shows them', () => {
    expect(alarms).toHaveLength(4 + 5 * 2 + 1 + 2 + 1 + 2 * 2 + 1);
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^MonitoringAlarms/) }]);
    }
    const topic = Object.values(service.findResources('AWS::SNS::Topic'))[0] as any;
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    service.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});
