/**
 * An SQS queue as every queue of the store is made: SQS-managed encryption, TLS enforced, and
 * (unless it is one) a dead-letter queue it hands messages to after `maxReceiveCount` receives.
 */
import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface EncryptedQueueProps {
  readonly queueName: string;
  readonly visibilityTimeout?: Duration;
  readonly retention?: Duration;
  readonly deadLetterQueue?: sqs.DeadLetterQueue;
}

export function encryptedQueue(scope: Construct, id: string, props: EncryptedQueueProps): sqs.Queue {
  return new sqs.Queue(scope, id, {
    queueName: props.queueName,
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout: props.visibilityTimeout,
    retentionPeriod: props.retention ?? Duration.days(14),
    deadLetterQueue: props.deadLetterQueue,
  });
}
