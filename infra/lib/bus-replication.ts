/**
 * The bus's copy to each replica region: a rule on the store's bus that matches what the store
 * publishes itself (change notices, metering events, replays: the sources never ingested) and
 * puts each such event on the bus of the same name in every replica region, so consumers there
 * hear it too (not again when an archive replay sends it once more). Stored events need no copy (the tables replicate). EventBridge assumes a role that
 * may put events on those buses only; what it cannot deliver goes to an encrypted queue.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { encryptedQueue } from './encrypted-queue';
import { toEventPattern } from './event-pattern';
import { NEVER_INGESTED } from './ingest-pattern';

export interface BusReplicationProps {
  readonly envName: string;
  readonly bus: events.IEventBus;
  /** The bus's name, which its copy in each replica region has too. */
  readonly busName: string;
  readonly regions: readonly string[];
}

/**
 * What the store publishes on its bus (every event from the sources it never ingests), as it
 * publishes it: an EventBridge archive replay of the bus carries `replay-name` and is left out,
 * since a replica region has those events already (its own copies when they were first sent,
 * and the stored ones from its table).
 */
export const STORE_PUBLICATIONS: Record<string, unknown> = {
  source: [...NEVER_INGESTED],
  'replay-name': [{ exists: false }],
};

export class BusReplication extends Construct {
  readonly rule: events.Rule;
  readonly role: iam.Role;
  /** Events EventBridge could not put on a replica region's bus (after its retries). */
  readonly undeliveredQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: BusReplicationProps) {
    super(scope, id);
    this.undeliveredQueue = encryptedQueue(this, 'UndeliveredQueue', {
      queueName: `event-store-${props.envName}-replication-undelivered`,
    });
    Validations.of(this.undeliveredQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "It is the replication rule targets' dead-letter queue: a dead-letter queue itself",
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: `Event store ${props.envName}: EventBridge puts the store's publications on the replica regions' buses`,
    });
    this.rule = new events.Rule(this, 'Rule', {
      ruleName: `event-store-${props.envName}-replication`,
      description: `What the store publishes, to the bus ${props.busName} in ${props.regions.join(', ')}`,
      eventBus: props.bus,
      eventPattern: toEventPattern(STORE_PUBLICATIONS),
    });
    for (const region of props.regions) {
      const replicaBus = events.EventBus.fromEventBusArn(
        this,
        `Bus-${region}`,
        Stack.of(this).formatArn({ service: 'events', region, resource: 'event-bus', resourceName: props.busName }),
      );
      // The target adds `events:PutEvents` on this bus, and nothing else, to the role.
      this.rule.addTarget(new targets.EventBus(replicaBus, { role: this.role, deadLetterQueue: this.undeliveredQueue }));
    }
  }
}
