/**
 * The cycle sweep: an EventBridge schedule invoking the projector with `{"sweep": "cycles"}`, so a
 * cycle whose entity stops sending events is marked partial (timed out) instead of staying "in
 * progress" forever, and the read-model generations a rebuild replaced or abandoned are deleted
 * once their grace period has passed (crates/functions/projector/src/sweep.rs). Its period and
 * rule name come from infra/pipeline.json, which the local stack reads too. Enabled in the write
 * region only.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { PipelineDefinition } from './pipeline-definition';

export interface CycleSweepProps {
  readonly pipeline: PipelineDefinition;
  readonly projector: lambda.IFunction;
  /** Off outside the write region: the sweep writes the (global) projections table. */
  readonly enabled: boolean;
}

/** What the schedule sends: the projector's sweep input. */
export const SWEEP_INPUT = { sweep: 'cycles' };

export class CycleSweep extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: CycleSweepProps) {
    super(scope, id);
    const sweep = props.pipeline.projection.cycleSweep;
    this.rule = new events.Rule(this, 'Schedule', {
      ruleName: sweep.rule,
      description: 'Marks cycles past their timeout partial, deletes retired read-model generations (the projector\'s sweep)',
      schedule: events.Schedule.rate(Duration.minutes(sweep.everyMinutes)),
      enabled: props.enabled,
      targets: [
        new targets.LambdaFunction(props.projector, {
          event: events.RuleTargetInput.fromObject(SWEEP_INPUT),
          retryAttempts: 2,
        }),
      ],
    });
  }
}
