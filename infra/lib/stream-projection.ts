/**
 * The events table's stream feeding the projector: batches in order per stream, partial batch
 * failures reported, a failing batch bisected, bounded retries and record age, and what still
 * fails sent (as a pointer to the shard range) to an on-failure queue to be replayed. Enabled in
 * the write region only: a replica's stream holds every event replicated to it too, and two
 * regions projecting them would both write the (global) projections table.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { encryptedQueue } from './encrypted-queue';
import { PipelineDefinition } from './pipeline-definition';

export interface StreamProjectionProps {
  readonly pipeline: PipelineDefinition;
  readonly table: dynamodb.ITable;
  readonly projector: lambda.IFunction;
  /** Off outside the write region: the mapping exists but reads nothing until it is the write region. */
  readonly enabled: boolean;
}

/** The event source mapping's grant of `dynamodb:ListStreams`, which has no resource to name. */
export const STREAM_WILDCARD_REASON =
  'dynamodb:ListStreams (granted by the stream event source mapping) does not support resource-level permissions';


export class StreamProjection extends Construct {
  /** Batches that kept failing: their shard and sequence range, for a replay. */
  readonly failureQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: StreamProjectionProps) {
    super(scope, id);
    this.failureQueue = encryptedQueue(this, 'FailureQueue', {
      queueName: props.pipeline.projection.failureQueue,
    });
    const mapping = props.pipeline.projection.mapping;
    props.projector.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: mapping.batchSize,
        maxBatchingWindow: Duration.seconds(mapping.batchingWindowSeconds),
        bisectBatchOnError: mapping.bisectOnError,
        retryAttempts: mapping.retryAttempts,
        maxRecordAge: Duration.seconds(mapping.maxRecordAgeSeconds),
        reportBatchItemFailures: true,
        parallelizationFactor: mapping.parallelizationFactor,
        filters: [lambda.FilterCriteria.filter(mapping.filter)],
        onFailure: new SqsDlq(this.failureQueue),
        enabled: props.enabled,
      }),
    );
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "It is the stream mapping's on-failure destination: a dead-letter queue itself",
    });
  }
}
