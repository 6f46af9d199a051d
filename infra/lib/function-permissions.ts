/**
 * What each function may do, and nothing more: the IAM statements of the persister (writes events),
 * the query function (reads), the projector (reads the stream and events, writes read models,
 * snapshots and the bus), replay (reads events, writes read models, checkpoints and the bus, and
 * invokes itself to carry a replay on) and the api (the persister's appends, the query function's
 * reads, and starting replays). Actions are named one by one; resources are the tables, the
 * indexes (for `Query` only: key reads and scans of the store name the table) and the function,
 * by ARN.
 */
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { TableDefinitions } from './table-definitions';

/** The tables a function reads or writes, and the key they are encrypted with. */
export interface TableResources {
  readonly eventsTable: dynamodb.ITable;
  readonly projectionsTable: dynamodb.ITable;
  /**
   * The customer-managed key of the tables; none when they use AWS's managed key (global tables
   * with `replicaEncryption=awsManaged`), which DynamoDB uses without the caller's permission.
   */
  readonly key?: kms.IKey;
  readonly tables: TableDefinitions;
}

export interface StoreResources extends TableResources {
  readonly bus: events.IEventBus;
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
  return [appendEvents(r), ...useDataKey(r, KEY_WRITE)];
}

/** Reads of events, indexes, snapshots, read models and transactions. */
export function queryStatements(r: TableResources): iam.PolicyStatement[] {
  return [...readEventsAndProjections(r), ...useDataKey(r, KEY_READ)];
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
    ...useDataKey(r, KEY_WRITE),
  ];
}

/**
 * Global reads and scans of events (and the table's item count, a rebuild's progress estimate);
 * rebuilt read models, generation pointers and checkpoints; re-publication; and invoking itself
 * (`replayArn`, the function's own ARN), asynchronously, to carry a replay on after a checkpoint.
 */
export function replayStatements(r: StoreResources, replayArn: string): iam.PolicyStatement[] {
  return [
    ...readEvents(r, ['dynamodb:Scan']),
    statement('CountEvents', ['dynamodb:DescribeTable'], [r.eventsTable.tableArn]),
    statement('WriteProjections', PROJECTION_WRITES, [
      r.projectionsTable.tableArn,
    ]),
    statement('Publish', ['events:PutEvents'], [r.bus.eventBusArn]),
    ...useDataKey(r, KEY_WRITE),
    statement('ContinueReplay', ['lambda:InvokeFunction'], [replayArn]),
  ];
}

/**
 * The persister's appends, the query function's reads, and replays started and followed through
 * the replay function (`replayArn`).
 */
export function apiStatements(r: StoreResources, replayArn: string): iam.PolicyStatement[] {
  return [
    appendEvents(r),
    ...readEventsAndProjections(r),
    ...useDataKey(r, KEY_WRITE),
    statement('StartReplays', ['lambda:InvokeFunction'], [replayArn]),
  ];
}

function appendEvents(r: TableResources): iam.PolicyStatement {
  return statement('AppendEvents', ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem'], [
    r.eventsTable.tableArn,
  ]);
}

function readEventsAndProjections(r: TableResources): iam.PolicyStatement[] {
  return [
    ...readEvents(r),
    statement('ReadProjections', ['dynamodb:GetItem', 'dynamodb:Query'], [r.projectionsTable.tableArn]),
  ];
}

/**
 * Reads of the events table: items by key (`GetItem`, `BatchGetItem`, and `tableActions` such as
 * a replay's full-table `Scan`) on the table, the only place they mean anything; `Query` on the
 * table and on each index (the index queries).
 */
function readEvents(r: TableResources, tableActions: string[] = []): iam.PolicyStatement[] {
  return [
    statement('ReadEvents', ['dynamodb:GetItem', 'dynamodb:BatchGetItem', ...tableActions], [r.eventsTable.tableArn]),
    statement('QueryEvents', ['dynamodb:Query'], [r.eventsTable.tableArn, ...indexArns(r)]),
  ];
}

/** The key's use with `actions`, when the tables have a customer-managed key. */
function useDataKey(r: TableResources, actions: string[]): iam.PolicyStatement[] {
  return r.key ? [statement('UseDataKey', actions, [r.key.keyArn])] : [];
}

function statement(sid: string, actions: string[], resources: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid, actions, resources });
}

/** Each enabled index of the events table (the definitions hold no other) by its own ARN: no `index/*`. */
function indexArns(r: TableResources): string[] {
  return r.tables.events.indexes.map((index) => `${r.eventsTable.tableArn}/index/${index.name}`);
}
