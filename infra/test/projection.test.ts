import { Match } from 'aws-cdk-lib/assertions';
import { onlyResource, synthesize } from './synthesize';

describe("the events table's stream feeds the projector", () => {
  const { service } = synthesize();

  test('in batches, bisecting a failing batch, with bounded retries and age, reporting partial failures', () => {
    const mapping = onlyResource(service, 'AWS::Lambda::EventSourceMapping', {
      EventSourceArn: Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp('EventsTable.*StreamArn') }),
    });
    expect(mapping).toEqual({
      FunctionName: { Ref: expect.stringMatching(/^ProjectorFunction/) },
      EventSourceArn: expect.anything(),
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 86400,
      ParallelizationFactor: 1,
      FilterCriteria: {
        Filters: [
          { Pattern: '{"eventName":["INSERT"],"dynamodb":{"NewImage":{"eventType":{"S":[{"exists":true}]}}}}' },
        ],
      },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      Enabled: true,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^ProjectionFailureQueue/), 'Arn'] } },
      },
    });
  });
});

describe('the cycle sweep', () => {
  const { service } = synthesize();

  test("a schedule invokes the projector's sweep every few minutes, as pipeline.json says", () => {
    const rule = onlyResource(service, 'AWS::Events::Rule', { Name: 'event-store-dev-cycle-sweep' });
    expect(rule.ScheduleExpression).toBe('rate(5 minutes)');
    expect(rule.State).toBe('ENABLED');
    expect(rule.Targets).toHaveLength(1);
    expect(JSON.parse(rule.Targets[0].Input)).toEqual({ sweep: 'cycles' });
    expect(rule.Targets[0].Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ProjectorFunction/), 'Arn'] });
    expect(rule.Targets[0].RetryPolicy).toEqual({ MaximumRetryAttempts: 2 });
  });
});
