/**
 * What keeps a replay chain (each link invoking the replay function again, asynchronously) from
 * stalling unseen or running away: Lambda retries a link that failed twice, then hands the
 * invocation (the replay's id and where it stood) to an encrypted on-failure queue, which the
 * alarms watch; the function's reserved concurrency (`replayConcurrency`) caps how many links run
 * at once, so a chain that forks by mistake cannot take the account's concurrency.
 */
import { Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { encryptedQueue } from './encrypted-queue';

export interface ReplayChainGuardProps {
  readonly envName: string;
  readonly replay: lambda.IFunction;
}

/** Lambda's retries of a failed asynchronous invocation before it goes to the queue. */
export const REPLAY_ASYNC_RETRIES = 2;

export class ReplayChainGuard extends Construct {
  /** Asynchronous invocations of replay that failed after their retries: resume their replays. */
  readonly failureQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ReplayChainGuardProps) {
    super(scope, id);
    this.failureQueue = encryptedQueue(this, 'FailureQueue', {
      queueName: `event-store-${props.envName}-replay-failures`,
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "It is the replay function's on-failure destination for asynchronous invocations: a dead-letter queue itself",
    });
    props.replay.configureAsyncInvoke({
      onFailure: new SqsDestination(this.failureQueue),
      retryAttempts: REPLAY_ASYNC_RETRIES,
    });
  }
}
