/**
 * The events table's stream feeding the projector: batches in order per stream, partial batch
 * failures reported, a failing batch bisected, bounded retries and record age, and what still
 * fails sent (as a pointer to the shard range) to an on-failure queue to be replayed.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { encryptedQueue } from './encrypted-queue';

export interface StreamProjectionProps {
  readonly envName: string;
  readonly table: dynamodb.ITable;
  readonly projector: lambda.IFunction;
}

/** The event source mapping's grant of `dynamodb:ListStreams`, which has no resource to name. */
export const STREAM_WILDCARD_REASON =
  'dynamodb:ListStreams (granted by the stream event source mapping) does not support resource-level permissions';

export const STREAM_BATCH_SIZE = 100;
export const STREAM_BATCHING_WINDOW = Duration.seconds(1);
export const STREAM_RETRY_ATTEMPTS = 10;
export const STREAM_MAX_RECORD_AGE = Duration.days(1);

export class StreamProjection extends Construct {
  /** Batches that kept failing: their shard and sequence range, for a replay. */
  readonly failureQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: StreamProjectionProps) {
    super(scope, id);
    this.failureQueue = encryptedQueue(this, 'FailureQueue', {
      queueName: `event-store-${props.envName}-projector-failures`,
    });
    props.projector.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: STREAM_BATCH_SIZE,
        maxBatchingWindow: STREAM_BATCHING_WINDOW,
        bisectBatchOnError: true,
        retryAttempts: STREAM_RETRY_ATTEMPTS,
        maxRecordAge: STREAM_MAX_RECORD_AGE,
        reportBatchItemFailures: true,
        parallelizationFactor: 1,
        onFailure: new SqsDlq(this.failureQueue),
      }),
    );
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "It is the stream mapping's on-failure destination: a dead-letter queue itself",
    });
  }
}
