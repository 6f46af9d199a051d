import { synthesize } from './synthesize';

// Seed 004's test plan reads `Stacks[0].Outputs[?OutputKey==`CommandHandlerFunction`].OutputValue`.
describe('the outputs of the stack EventStore-<env>', () => {
  const { service } = synthesize();
  const outputs = service.toJSON().Outputs as Record<string, { Value: unknown; Description?: string }>;
  const imported = (table: string) => ({ 'Fn::ImportValue': expect.stringMatching(new RegExp(`^EventStore-dev-Data:ExportsOutputRef${table}`)) });
  const ref = (logicalId: string) => ({ Ref: expect.stringMatching(new RegExp(`^${logicalId}[0-9A-F]{8}$`)) });

  test.each([
    ['CommandHandlerFunction', ref('PersisterFunction')],
    ['QueryHandlerFunction', ref('QueryFunction')],
    ['EventStoreTable', imported('EventsTable')],
    ['EventBusName', ref('Bus')],
    ['EventArchive', ref('BusArchive')],
    ['ProjectionsTable', imported('ProjectionsTable')],
    ['ReplayFunction', ref('ReplayFunction')],
  ])('%s names what it says', (key, value) => {
    expect(outputs[key].Value).toEqual(value);
    expect(outputs[key].Description).toEqual(expect.any(String));
  });

  test("ApiUrl is the stage's URL", () => {
    const parts = (outputs.ApiUrl.Value as any)['Fn::Join'][1];
    expect(parts[0]).toBe('https://');
    expect(parts[1]).toEqual(ref('RestApi'));
    expect(parts[parts.length - 2]).toEqual(ref('RestApiDeploymentStagedev'));
    expect(outputs.ApiUrl.Description).toEqual(expect.any(String));
  });

  test('ForgetSubjectsPolicy is the ARN of the managed policy that may forget data subjects', () => {
    const [policyId] = Object.keys(service.findResources('AWS::IAM::ManagedPolicy', { Properties: { ManagedPolicyName: 'event-store-dev-forget-subjects' } }));
    expect(outputs.ForgetSubjectsPolicy.Value).toEqual({ Ref: policyId });
    expect(outputs.ForgetSubjectsPolicy.Description).toEqual(expect.any(String));
  });

  test('are exactly these, under keys with no hash', () => {
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'CommandHandlerFunction',
        'QueryHandlerFunction',
        'EventStoreTable',
        'EventBusName',
        'EventArchive',
        'ProjectionsTable',
        'ReplayFunction',
        'ApiUrl',
        'ForgetSubjectsPolicy',
      ].sort(),
    );
  });

  test("the archive output names the bus's archive", () => {
    const archives = service.findResources('AWS::Events::Archive');
    expect(Object.keys(archives)).toEqual([(outputs.EventArchive.Value as any).Ref]);
  });
});
