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
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^ProjectionFailureQueue/), 'Arn'] } },
      },
    });
  });
});
