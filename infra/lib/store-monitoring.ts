/**
 * Alarms on everything that means an event is waiting or lost, sent to one encrypted SNS topic, and
 * a dashboard of the same metrics: dead-letter queue depths, function errors and throttles, the
 * stream's iterator age, read-model documents too large, snapshot failures, replay chains that
 * stopped, DynamoDB throttles, the ingest rule's failed invocations and, in the write region of a
 * deployment with replicas, the events table's replication latency to each other region.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface StoreMonitoringProps {
  readonly envName: string;
  readonly functions: Record<string, lambda.IFunction>;
  /** Queues whose every message is an event waiting on an operator. */
  readonly deadLetterQueues: Record<string, sqs.IQueue>;
  readonly tables: Record<string, dynamodb.ITable>;
  readonly ingestRule?: events.IRule;
  readonly projector?: lambda.IFunction;
  /** The replay function, whose chains report links they could not queue (`ContinuationFailures`). */
  readonly replay?: lambda.IFunction;
  /**
   * The write region's events table and the regions it replicates to: DynamoDB reports each
   * replica's ReplicationLatency in the region writes come from.
   */
  readonly replication?: { readonly table: dynamodb.ITable; readonly receivingRegions: readonly string[] };
  /** Dashboards are global to the account: a replica region's needs a name of its own. */
  readonly dashboardName?: string;
}

/** The namespace the functions' Embedded Metric Format lines publish in. */
export const STORE_METRICS_NAMESPACE = 'EventStore';

/** The projector is behind when its oldest unread record is older than this. */
export const MAX_ITERATOR_AGE = Duration.minutes(5);

/**
 * A replica is behind when a minute's average replication latency reaches this: what a failover
 * at that moment would lose (the write region's events not yet replicated) spans about as long.
 */
export const MAX_REPLICATION_LATENCY = Duration.minutes(1);

export class StoreMonitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: StoreMonitoringProps) {
    super(scope, id);
    const key = new kms.Key(this, 'AlarmKey', {
      description: `Event store ${props.envName}: encrypts the alarm topic`,
      enableKeyRotation: true,
    });
    // CloudWatch publishes to the encrypted topic with this key.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Alarms', {
      topicName: `event-store-${props.envName}-alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    const action = new actions.SnsAction(this.topic);
    const alarm = (name: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      const created = new cloudwatch.Alarm(this, name, {
        alarmName: `event-store-${props.envName}-${name}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
      return created;
    };
    const period = Duration.minutes(1);

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `${name}-not-empty`,
        queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        1,
        `Messages wait in ${name}: read them, fix the cause, redrive them`,
      );
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${name}-errors`, fn.metricErrors({ period, statistic: 'Sum' }), 1, `The ${name} function failed`);
      alarm(`${name}-throttles`, fn.metricThrottles({ period, statistic: 'Sum' }), 1, `The ${name} function was throttled`);
    }
    const metric = (namespace: string, metricName: string, dimensionsMap: Record<string, string>, statistic: string) =>
      new cloudwatch.Metric({ namespace, metricName, dimensionsMap, period, statistic });
    const { projector, ingestRule } = props;
    const iteratorAge =
      projector && metric('AWS/Lambda', 'IteratorAge', { FunctionName: projector.functionName }, 'Maximum');
    if (iteratorAge) {
      alarm(
        'projector-iterator-age',
        iteratorAge,
        MAX_ITERATOR_AGE.toMilliseconds(),
        `The projector is more than ${MAX_ITERATOR_AGE.toHumanString()} behind the events table`,
      );
    }
    for (const [name, table] of Object.entries(props.tables)) {
      for (const kind of ['ReadThrottleEvents', 'WriteThrottleEvents']) {
        alarm(
          `${name}-${kind}`,
          metric('AWS/DynamoDB', kind, { TableName: table.tableName }, 'Sum'),
          1,
          `DynamoDB throttled the ${name} table (${kind})`,
        );
      }
    }
    // The functions' own metrics (crates/functions/support/src/metrics.rs), dimension Function the
    // deployed name: an event whose read-model document would pass 400 KB stops its stream;
    // a snapshot that fails costs later loads their speed, never an event.
    const storeMetric = (metricName: string, fn: lambda.IFunction) =>
      metric(STORE_METRICS_NAMESPACE, metricName, { Function: fn.functionName }, 'Sum');
    if (projector) {
      alarm(
        'projector-document-too-large',
        storeMetric('DocumentTooLarge', projector),
        1,
        'A read-model document would pass 400 KB: its stream waits; split the model or drop fields',
      );
      alarm(
        'projector-snapshot-failures',
        storeMetric('SnapshotFailures', projector),
        1,
        'The projector could not write snapshots: loads read more events until it can',
      );
    }
    // A replay chain whose next link could not be queued waits, resumable, for an operator
    // (crates/functions/replay/src/handler.rs): its progress stays inProgress and goes no further.
    if (props.replay) {
      alarm(
        'replay-continuation-failures',
        storeMetric('ContinuationFailures', props.replay),
        1,
        'A replay chain could not queue its next link and stopped: resume it (POST /replays/{id}/resume, esctl replay --resume)',
      );
    }
    const replicationLatency = (props.replication?.receivingRegions ?? []).map((region) => {
      const latency = metric(
        'AWS/DynamoDB',
        'ReplicationLatency',
        { TableName: props.replication!.table.tableName, ReceivingRegion: region },
        'Average',
      );
      alarm(
        `events-replication-latency-${region}`,
        latency,
        MAX_REPLICATION_LATENCY.toMilliseconds(),
        `The events table's replica in ${region} is ${MAX_REPLICATION_LATENCY.toHumanString()} or more behind: a failover now would lose that much`,
      );
      return latency;
    });
    const failedInvocations =
      ingestRule && metric('AWS/Events', 'FailedInvocations', { RuleName: ingestRule.ruleName }, 'Sum');
    if (failedInvocations) {
      alarm('ingest-rule-failed-invocations', failedInvocations, 1, 'EventBridge could not deliver events to the ingest queue');
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? `event-store-${props.envName}`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }),
    );
    this.dashboard.addWidgets(
      ...Object.entries(props.functions).map(
        ([name, fn]) =>
          new cloudwatch.GraphWidget({
            title: name,
            left: [fn.metricInvocations({ period }), fn.metricErrors({ period }), fn.metricThrottles({ period })],
            right: [fn.metricDuration({ period, statistic: 'p99' })],
            width: 6,
          }),
      ),
    );
    const pipelineWidgets: cloudwatch.IWidget[] = [];
    if (iteratorAge) {
      pipelineWidgets.push(new cloudwatch.GraphWidget({ title: 'Projector iterator age (ms)', left: [iteratorAge], width: 8 }));
    }
    if (Object.keys(props.deadLetterQueues).length > 0) {
      pipelineWidgets.push(
        new cloudwatch.GraphWidget({
          title: 'Dead-letter queues',
          left: Object.values(props.deadLetterQueues).map((queue) =>
            queue.metricApproximateNumberOfMessagesVisible({ period }),
          ),
          width: 8,
        }),
      );
    }
    if (failedInvocations) {
      pipelineWidgets.push(
        new cloudwatch.GraphWidget({ title: 'Ingest rule failed invocations', left: [failedInvocations], width: 8 }),
      );
    }
    if (replicationLatency.length > 0) {
      pipelineWidgets.push(
        new cloudwatch.GraphWidget({ title: 'Events table replication latency (ms)', left: replicationLatency, width: 8 }),
      );
    }
    if (pipelineWidgets.length > 0) {
      this.dashboard.addWidgets(...pipelineWidgets);
    }
  }
}
