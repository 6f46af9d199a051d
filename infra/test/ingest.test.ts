import { Match } from 'aws-cdk-lib/assertions';
import { onlyResource, synthesize } from './synthesize';

describe('the bus and the ingest path', () => {
  const { service } = synthesize();

  test('creates the bus with an archive that keeps every event for the retention days', () => {
    onlyResource(service, 'AWS::Events::EventBus', { Name: 'event-store-dev' });
    const archive = onlyResource(service, 'AWS::Events::Archive');
    expect(archive.RetentionDays).toBe(365);
    expect(archive.EventPattern).toBeUndefined();
    expect(archive.SourceArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Bus/), 'Arn'] });
  });

  test("routes every event but the store's change notices and metering events to the ingest queue", () => {
    const rule = onlyResource(service, 'AWS::Events::Rule', { Name: 'event-store-dev-ingest' });
    expect(rule.EventPattern).toEqual({
      source: [{ 'anything-but': ['event-store.changes', 'event-store.metering', 'event-store.replay'] }],
    });
    expect(rule.Targets).toHaveLength(1);
    expect(rule.Targets[0].Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^IngestQueue/), 'Arn'] });
    expect(rule.Targets[0].DeadLetterConfig.Arn).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^IngestUndeliveredQueue/), 'Arn'],
    });
  });

  test('the ingest queue hands a message that failed five times to its dead-letter queue', () => {
    const queue = onlyResource(service, 'AWS::SQS::Queue', { QueueName: 'event-store-dev-ingest' });
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^IngestDeadLetterQueue/), 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(queue.VisibilityTimeout).toBe(180);
    service.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  test('the persister drains the queue in batches and reports the messages that failed', () => {
    const mapping = onlyResource(service, 'AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IngestQueue'), 'Arn'] },
    });
    expect(mapping).toMatchObject({
      FunctionName: { Ref: expect.stringMatching(/^PersisterFunction/) },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 20 },
    });
  });

  test("keeps a user's pattern and adds the loop guard to it", () => {
    const custom = synthesize({ ingestPattern: '{"detail-type": ["AccountCreated", "MoneyDeposited"]}' }).service;
    const rule = onlyResource(custom, 'AWS::Events::Rule', { Name: 'event-store-dev-ingest' });
    expect(rule.EventPattern).toEqual({
      'detail-type': ['AccountCreated', 'MoneyDeposited'],
      source: [{ 'anything-but': ['event-store.changes', 'event-store.metering', 'event-store.replay'] }],
    });
  });

  test("keeps the envelope's dashed field names of a user's pattern as EventBridge reads them", () => {
    const custom = synthesize({
      ingestPattern: '{"detail-type": ["AccountCreated"], "replay-name": [{"exists": false}], "detail": {"kind": ["x"]}}',
    }).service;
    const rule = onlyResource(custom, 'AWS::Events::Rule', { Name: 'event-store-dev-ingest' });
    expect(rule.EventPattern).toEqual({
      'detail-type': ['AccountCreated'],
      'replay-name': [{ exists: false }],
      detail: { kind: ['x'] },
      source: [{ 'anything-but': ['event-store.changes', 'event-store.metering', 'event-store.replay'] }],
    });
  });

  test('refuses a pattern that would re-ingest what the store publishes', () => {
    expect(() => synthesize({ ingestPattern: { source: [{ prefix: 'event-store.' }] } })).toThrow(
      /ingestPattern: source matcher \{"prefix":"event-store."\} matches the prefix of 'event-store.changes'/,
    );
  });

  test('uses an existing bus by name instead of creating one, and archives it', () => {
    const existing = synthesize({ busName: 'orders', archiveRetentionDays: 0 }).service;
    existing.resourceCountIs('AWS::Events::EventBus', 0);
    const archive = onlyResource(existing, 'AWS::Events::Archive');
    expect(archive.RetentionDays).toBe(0);
    expect(JSON.stringify(archive.SourceArn)).toContain(':event-bus/orders');
    const rule = onlyResource(existing, 'AWS::Events::Rule', { Name: 'event-store-dev-ingest' });
    expect(rule.EventBusName).toBe('orders');
  });

  test('copies raw events to S3 through Firehose in 128 MB / 900 s batches only when asked', () => {
    synthesize().service.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 0);
    const withArchive = synthesize({ rawArchive: 'true' }).service;
    const stream = onlyResource(withArchive, 'AWS::KinesisFirehose::DeliveryStream');
    expect(stream.ExtendedS3DestinationConfiguration).toMatchObject({
      BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 },
      CompressionFormat: 'GZIP',
    });
    const rule = onlyResource(withArchive, 'AWS::Events::Rule', { Name: 'event-store-dev-raw-archive' });
    expect(rule.Targets[0].Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^RawArchiveDeliveryStream/), 'Arn'] });
  });
});
