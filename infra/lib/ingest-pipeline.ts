/**
 * The bus path into the store: the ingest rule (the user's pattern plus the loop guard) puts each
 * event on the ingest queue; the persister takes batches from it, reports the messages that failed
 * (`ReportBatchItemFailures`), and a message that fails `maxReceiveCount` times moves to the
 * dead-letter queue with its error logged, so nothing that was accepted is lost. The rule is
 * enabled in the write region only.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { encryptedQueue } from './encrypted-queue';
import { toEventPattern } from './event-pattern';
import { guardedIngestPattern } from './ingest-pattern';
import { PipelineDefinition } from './pipeline-definition';

export interface IngestPipelineProps {
  readonly pipeline: PipelineDefinition;
  readonly bus: events.IEventBus;
  readonly pattern: Record<string, unknown>;
  readonly persister: lambda.IFunction;
  /** Off outside the write region (rule DISABLED): events there are forwarded to the write region's bus. */
  readonly enabled: boolean;
}

export class IngestPipeline extends Construct {
  readonly rule: events.Rule;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** Events the rule could not deliver to the queue (after EventBridge's own retries). */
  readonly undeliveredQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: IngestPipelineProps) {
    super(scope, id);
    const ingest = props.pipeline.ingest;
    this.deadLetterQueue = encryptedQueue(this, 'DeadLetterQueue', { queueName: ingest.deadLetterQueue });
    this.queue = encryptedQueue(this, 'Queue', {
      queueName: ingest.queue,
      visibilityTimeout: Duration.seconds(ingest.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: ingest.maxReceiveCount },
    });
    this.undeliveredQueue = encryptedQueue(this, 'UndeliveredQueue', { queueName: ingest.undeliveredQueue });
    Validations.of(this.undeliveredQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "It is the ingest rule target's dead-letter queue: a dead-letter queue itself",
    });
    this.rule = new events.Rule(this, 'Rule', {
      ruleName: ingest.rule,
      description: 'Every event to store, but the change notices and metering events the store publishes itself',
      eventBus: props.bus,
      eventPattern: toEventPattern(guardedIngestPattern(props.pattern)),
      enabled: props.enabled,
    });
    this.rule.addTarget(
      new targets.SqsQueue(this.queue, {
        deadLetterQueue: this.undeliveredQueue,
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    );
    props.persister.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: ingest.mapping.batchSize,
        maxBatchingWindow: Duration.seconds(ingest.mapping.batchingWindowSeconds),
        reportBatchItemFailures: true,
        maxConcurrency: ingest.mapping.maxConcurrency,
      }),
    );
  }
}
