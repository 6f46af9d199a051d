/**
 * What each function may do, and nothing more: the IAM statements of the persister (writes events),
 * the query function (reads), the projector (reads the stream and events, writes read models,
 * snapshots and the bus) and replay (reads events, writes read models, checkpoints and the bus).
 * Actions are named one by one; resources are the tables and indexes by ARN.
 */
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { TableDefinitions } from './table-definitions';

export interface StoreResources {
  readonly eventsTable: dynamodb.ITable;
  readonly projectionsTable: dynamodb.ITable;
  readonly key: kms.IKey;
  readonly bus: events.IEventBus;
  readonly tables: TableDefinitions;
}

/**
 * Writing read models: an event's projection step reads its documents in one BatchGetItem and
 * writes them (puts, deletes) in one TransactWriteItems, which DynamoDB authorizes action by
 * action; listings query.
 */
const PROJECTION_WRITES = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
];

/** The projector's sweep also purges retired generations, in BatchWriteItem deletes. */
const PROJECTION_WRITES_AND_PURGES = [...PROJECTION_WRITES, 'dynamodb:BatchWriteItem'];

/** DynamoDB reads data keys with the caller's credentials: readers decrypt, writers also encrypt. */
const KEY_READ = ['kms:Decrypt', 'kms:DescribeKey'];
const KEY_WRITE = [...KEY_READ, 'kms:Encrypt', 'kms:GenerateDataKey'];

/**
 * Appends: one transaction of puts (events, guards, a new stream's head) and an update (the
 * stream's head); the head's read when no version is expected.
 */
export function persisterStatements(r: StoreResources): iam.PolicyStatement[] {
  return [
    statement('AppendEvents', ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem'], [
      r.eventsTable.tableArn,
    ]),
    statement('UseDataKey', KEY_WRITE, [r.key.keyArn]),
  ];
}

/** Reads of events, indexes, snapshots, read models and transactions. */
export function queryStatements(r: StoreResources): iam.PolicyStatement[] {
  return [
    statement('ReadEvents', ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'], [
      r.eventsTable.tableArn,
      ...indexArns(r),
    ]),
    statement('ReadProjections', ['dynamodb:GetItem', 'dynamodb:Query'], [r.projectionsTable.tableArn]),
    statement('UseDataKey', KEY_READ, [r.key.keyArn]),
  ];
}

/**
 * Gap fills and state loads read the events table; snapshots are the only items it writes there,
 * and the `dynamodb:Attributes` condition holds those puts to a snapshot's attributes, so the
 * projector cannot write an event. The stream itself is granted by the event source mapping.
 */
export function projectorStatements(r: StoreResources): iam.PolicyStatement[] {
  return [
    statement('ReadEvents', ['dynamodb:GetItem', 'dynamodb:Query'], [r.eventsTable.tableArn]),
    new iam.PolicyStatement({
      sid: 'WriteSnapshotsOnly',
      actions: ['dynamodb:PutItem'],
      resources: [r.eventsTable.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': r.tables.events.snapshotAttributes } },
    }),
    statement('WriteProjections', PROJECTION_WRITES_AND_PURGES, [
      r.projectionsTable.tableArn,
    ]),
    statement('Publish', ['events:PutEvents'], [r.bus.eventBusArn]),
    statement('UseDataKey', KEY_WRITE, [r.key.keyArn]),
  ];
}

/**
 * Global reads and scans of events (and the table's item count, a rebuild's progress estimate);
 * rebuilt read models, generation pointers and checkpoints; re-publication.
 */
export function replayStatements(r: StoreResources): iam.PolicyStatement[] {
  return [
    statement('ReadEvents', ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:Scan'], [
      r.eventsTable.tableArn,
      ...indexArns(r),
    ]),
    statement('CountEvents', ['dynamodb:DescribeTable'], [r.eventsTable.tableArn]),
    statement('WriteProjections', PROJECTION_WRITES, [
      r.projectionsTable.tableArn,
    ]),
    statement('Publish', ['events:PutEvents'], [r.bus.eventBusArn]),
    statement('UseDataKey', KEY_WRITE, [r.key.keyArn]),
  ];
}

function statement(sid: string, actions: string[], resources: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid, actions, resources });
}

/** Each index of the events table by its own ARN: no `index/*`. */
function indexArns(r: StoreResources): string[] {
  return r.tables.events.indexes.map((index) => `${r.eventsTable.tableArn}/index/${index.name}`);
}
