import { Match } from 'aws-cdk-lib/assertions';
import { loadPipelineDefinition } from '../lib/pipeline-definition';
import { onlyResource, synthesize } from './synthesize';

// The local stack builds from the same file; its own test compares what it built with it.
describe('what deploys is what pipeline.json says', () => {
  const pipeline = loadPipelineDefinition('dev');
  const { service, data } = synthesize();

  test('names of the tables, bus, rule and queues', () => {
    onlyResource(data, 'AWS::DynamoDB::Table', { TableName: pipeline.tables.events });
    onlyResource(data, 'AWS::DynamoDB::Table', { TableName: pipeline.tables.projections });
    onlyResource(service, 'AWS::Events::EventBus', { Name: pipeline.bus });
    for (const name of [
      pipeline.ingest.queue,
      pipeline.ingest.deadLetterQueue,
      pipeline.ingest.undeliveredQueue,
      pipeline.projection.failureQueue,
    ]) {
      onlyResource(service, 'AWS::SQS::Queue', { QueueName: name });
    }
  });

  test("the rule's default pattern, the queue's redrive and visibility", () => {
    const rule = onlyResource(service, 'AWS::Events::Rule', { Name: pipeline.ingest.rule });
    expect(rule.EventPattern).toEqual(pipeline.ingest.defaultPattern);
    const queue = onlyResource(service, 'AWS::SQS::Queue', { QueueName: pipeline.ingest.queue });
    expect(queue.VisibilityTimeout).toBe(pipeline.ingest.visibilityTimeoutSeconds);
    expect(queue.RedrivePolicy.maxReceiveCount).toBe(pipeline.ingest.maxReceiveCount);
  });

  test("both mappings' settings", () => {
    const sqs = onlyResource(service, 'AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IngestQueue'), 'Arn'] },
    });
    expect(sqs).toMatchObject({
      BatchSize: pipeline.ingest.mapping.batchSize,
      MaximumBatchingWindowInSeconds: pipeline.ingest.mapping.batchingWindowSeconds,
      ScalingConfig: { MaximumConcurrency: pipeline.ingest.mapping.maxConcurrency },
    });
    const stream = onlyResource(service, 'AWS::Lambda::EventSourceMapping', {
      EventSourceArn: Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp('StreamArn') }),
    });
    const mapping = pipeline.projection.mapping;
    expect(stream).toMatchObject({
      BatchSize: mapping.batchSize,
      MaximumBatchingWindowInSeconds: mapping.batchingWindowSeconds,
      BisectBatchOnFunctionError: mapping.bisectOnError,
      MaximumRetryAttempts: mapping.retryAttempts,
      MaximumRecordAgeInSeconds: mapping.maxRecordAgeSeconds,
      ParallelizationFactor: mapping.parallelizationFactor,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(mapping.filter) }] },
    });
  });

  test("each function's memory and timeout", () => {
    for (const [name, sizing] of Object.entries(pipeline.functions)) {
      const fn = onlyResource(service, 'AWS::Lambda::Function', { FunctionName: `event-store-dev-${name}` });
      expect([fn.MemorySize, fn.Timeout]).toEqual([sizing.memoryMb, sizing.timeoutSeconds]);
    }
  });

  test('the sources never ingested are the ones the projector and replay publish change notices, metering events and replays with', () => {
    const read = (file: string) => require('fs').readFileSync(`${__dirname}/../../${file}`, 'utf8');
    expect(read('crates/domain/src/projector_settings.rs')).toContain(
      `DEFAULT_SOURCE: &'static str = "${pipeline.changeNoticeSource}"`,
    );
    expect(read('crates/domain/src/projector_settings.rs')).toContain(
      `METERING_SOURCE: &str = "${pipeline.neverIngested[1]}"`,
    );
    expect(read('crates/domain/src/projector_settings.rs')).toContain(
      `REPLAY_SOURCE: &str = "${pipeline.neverIngested[2]}"`,
    );
    expect(read('crates/functions/projector/src/cycles.rs')).toContain('pub use event_store_domain::METERING_SOURCE;');
    expect(read('crates/functions/replay/src/replay_request.rs')).toContain('pub use event_store_domain::REPLAY_SOURCE;');
    expect(pipeline.neverIngested).toEqual([pipeline.changeNoticeSource, 'event-store.metering', 'event-store.replay']);
    expect(pipeline.ingest.defaultPattern).toEqual({ source: [{ 'anything-but': pipeline.neverIngested }] });
  });
});
