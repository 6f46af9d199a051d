/**
 * The stack outputs operators and test plans read (seed 004 reads
 * `Stacks[0].Outputs[?OutputKey==\`CommandHandlerFunction\`].OutputValue`): each made directly on
 * the stack, so its OutputKey is exactly its name, with no construct-path hash.
 */
import { CfnOutput, Stack } from 'aws-cdk-lib';

export type StoreOutputKey =
  | 'CommandHandlerFunction'
  | 'QueryHandlerFunction'
  | 'EventStoreTable'
  | 'EventBusName'
  | 'EventArchive'
  | 'ProjectionsTable'
  | 'ReplayFunction'
  | 'ApiUrl'
  | 'ForgetSubjectsPolicy';

const DESCRIPTIONS: Record<StoreOutputKey, string> = {
  CommandHandlerFunction: 'The persister: appends events (invoke it, or publish to the bus)',
  QueryHandlerFunction: 'The query function: reads streams, state, events and read models',
  EventStoreTable: 'The events table (events, snapshots, idempotency guards)',
  EventBusName: 'The bus producers publish to and the store publishes on',
  EventArchive: "The bus archive, for EventBridge replay (aws events start-replay)",
  ProjectionsTable: 'The projections table (read models, checkpoints, transactions)',
  ReplayFunction: 'The replay function: rebuilds read models, re-publishes events',
  ApiUrl: "The REST API's stage URL",
  ForgetSubjectsPolicy: 'The managed policy that may forget data subjects (POST /subjects/{subjectId}/forget, IAM-authorized): attach it to a data-protection role',
};

/** One output per given key, on `stack`; keys left out are not output. */
export function addStoreOutputs(stack: Stack, values: Partial<Record<StoreOutputKey, string>>): CfnOutput[] {
  return Object.entries(values).map(
    ([key, value]) => new CfnOutput(stack, key, { value: value as string, description: DESCRIPTIONS[key as StoreOutputKey] }),
  );
}
