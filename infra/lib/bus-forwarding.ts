/**
 * Forwarding between the regions' buses (each region's bus has the store's bus name): a rule on
 * the store's bus that puts the events matching its pattern on the bus of the same name in other
 * regions. Two patterns, disjoint, so nothing is forwarded back: the write region forwards what
 * the store publishes itself (STORE_PUBLICATIONS: change notices, metering events, replays, the
 * sources never ingested) to every other region, so consumers there hear it too; every other
 * region forwards everything else (EVENTS_TO_STORE) to the write region, whose ingest rule
 * stores it, so a producer may publish to any region's bus. Stored events need no copy (the
 * tables replicate). EventBridge assumes a role that may put events on those buses only; what it
 * cannot deliver goes to an encrypted queue.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_INGEST_PATTERN } from './deployment-settings';
import { encryptedQueue } from './encrypted-queue';
import { toEventPattern } from './event-pattern';
import { guardedIngestPattern, NEVER_INGESTED } from './ingest-pattern';

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

/**
 * Every event but the store's own publications: the ingest rule's loop guard with no pattern of
 * the user's, which the write region's ingest rule then applies. Archive replays included, so a
 * region's archive can be replayed into the store through this rule.
 */
export const EVENTS_TO_STORE: Record<string, unknown> = guardedIngestPattern(DEFAULT_INGEST_PATTERN);

export interface BusForwardingProps {
  readonly envName: string;
  readonly bus: events.IEventBus;
  /** The bus's name, which its copy in every region has too. */
  readonly busName: string;
  /** The regions whose bus gets the events. */
  readonly regions: readonly string[];
  /** `event-store-<env>-<name>` names the rule, and with `-undelivered` its queue. */
  readonly name: string;
  readonly pattern: Record<string, unknown>;
  /** What the rule forwards, for descriptions: "What the store publishes". */
  readonly forwards: string;
}

export class BusForwarding extends Construct {
  /** The props' name: `replication`, `to-write-region`. */
  readonly forwardingName: string;
  readonly rule: events.Rule;
  readonly role: iam.Role;
  /** Events EventBridge could not put on another region's bus (after its retries). */
  readonly undeliveredQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: BusForwardingProps) {
    super(scope, id);
    this.forwardingName = props.name;
    const name = `event-store-${props.envName}-${props.name}`;
    const regions = props.regions.join(', ');
    this.undeliveredQueue = encryptedQueue(this, 'UndeliveredQueue', { queueName: `${name}-undelivered` });
    Validations.of(this.undeliveredQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `It is the ${props.name} rule targets' dead-letter queue: a dead-letter queue itself`,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: `Event store ${props.envName}: EventBridge puts ${props.forwards.toLowerCase()} on the bus ${props.busName} in ${regions}`,
    });
    this.rule = new events.Rule(this, 'Rule', {
      ruleName: name,
      description: `${props.forwards}, to the bus ${props.busName} in ${regions}`,
      eventBus: props.bus,
      eventPattern: toEventPattern(props.pattern),
    });
    for (const region of props.regions) {
      const otherBus = events.EventBus.fromEventBusArn(
        this,
        `Bus-${region}`,
        Stack.of(this).formatArn({ service: 'events', region, resource: 'event-bus', resourceName: props.busName }),
      );
      // The target adds `events:PutEvents` on this bus, and nothing else, to the role.
      this.rule.addTarget(new targets.EventBus(otherBus, { role: this.role, deadLetterQueue: this.undeliveredQueue }));
    }
  }
}
