/**
 * What each function may do, and nothing more: the IAM statements of the persister (writes events),
 * the query function (reads), the projector (reads the stream and events, writes read models,
 * snapshots and the bus), replay (reads events, writes read models, checkpoints and the bus, and
 * invokes itself to carry a replay on) and the api (the persister's appends, the query function's
 * reads, starting replays and forgetting data subjects). With personal data (an event types file
 * that declares it), the writers also seal with the subjects' keys, the readers open with them.
 * Actions are named one by one; resources are the tables, the indexes (for `Query` only: key reads
 * and scans of the store name the table), the keys and the function, by ARN.
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
  /** The data subjects' keys, when the event types file declares personal data; unset: none. */
  readonly personalData?: PersonalDataResources;
  readonly tables: TableDefinitions;
}

/** The keys table and the KMS key that wraps each subject's data key (crypto-shredding). */
export interface PersonalDataResources {
  /** One item per subject's key; encrypted with the tables' key (`key`), like the other tables. */
  readonly keysTable: dynamodb.ITable;
  /** The customer-managed key that wraps (GenerateDataKey) and unwraps (Decrypt) the data keys. */
  readonly key: kms.IKey;
  /** The key's alias, which the functions call it by (PERSONAL_DATA_KEY). */
  readonly keyAlias: string;
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
 * Sealing: a writer reads a subject's newest key (`Query`, newest first) or puts a first one in a
 * TransactWriteItems with a check that the subject is not marked forgotten.
 */
const SUBJECT_KEY_SEALING = ['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:ConditionCheckItem'];
/** Opening sealed values: the keys they name, read in one BatchGetItem. */
const SUBJECT_KEY_READS = ['dynamodb:BatchGetItem'];
/** A forget marks the subject forgotten (a put) and removes each wrapped key (`UpdateItem`). */
const SUBJECT_KEY_MANAGEMENT = [...SUBJECT_KEY_SEALING, ...SUBJECT_KEY_READS, 'dynamodb:UpdateItem'];
/** A writer makes a subject's first key and unwraps the newest; a reader only unwraps. */
const PERSONAL_DATA_KEY_WRAP = ['kms:GenerateDataKey', 'kms:Decrypt'];
const PERSONAL_DATA_KEY_UNWRAP = ['kms:Decrypt'];

/**
 * Appends: one transaction of puts (events, guards, a new stream's head) and an update (the
 * stream's head); the head's read when no version is expected.
 */
export function persisterStatements(r: StoreResources): iam.PolicyStatement[] {
  return [
    appendEvents(r),
    ...useDataKey(r, KEY_WRITE),
    ...useSubjectKeys(r, 'SealWithSubjectKeys', SUBJECT_KEY_SEALING, 'WrapSubjectKeys', PERSONAL_DATA_KEY_WRAP),
  ];
}

/** Reads of events, indexes, snapshots, read models and transactions. */
export function queryStatements(r: TableResources): iam.PolicyStatement[] {
  return [...readEventsAndProjections(r), ...useDataKey(r, KEY_READ), ...openWithSubjectKeys(r)];
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
    ...openWithSubjectKeys(r),
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
    ...openWithSubjectKeys(r),
    statement('ContinueReplay', ['lambda:InvokeFunction'], [replayArn]),
  ];
}

/**
 * The persister's appends, the query function's reads, replays started and followed through the
 * replay function (`replayArn`), and with personal data the persister's sealing, the readers'
 * opening and forgets (`POST /subjects/{subjectId}/forget`).
 */
export function apiStatements(r: StoreResources, replayArn: string): iam.PolicyStatement[] {
  return [
    appendEvents(r),
    ...readEventsAndProjections(r),
    ...useDataKey(r, KEY_WRITE),
    ...useSubjectKeys(r, 'ManageSubjectKeys', SUBJECT_KEY_MANAGEMENT, 'WrapSubjectKeys', PERSONAL_DATA_KEY_WRAP),
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

/** The readers' use of the subjects' keys: read by id, unwrapped. */
function openWithSubjectKeys(r: TableResources): iam.PolicyStatement[] {
  return useSubjectKeys(r, 'ReadSubjectKeys', SUBJECT_KEY_READS, 'UnwrapSubjectKeys', PERSONAL_DATA_KEY_UNWRAP);
}

/**
 * `tableActions` on the keys table and `keyActions` on the personal data key, when the event types
 * file declares personal data. The keys table's own encryption is the tables' key (`useDataKey`).
 */
function useSubjectKeys(
  r: TableResources,
  tableSid: string,
  tableActions: string[],
  keySid: string,
  keyActions: string[],
): iam.PolicyStatement[] {
  const keys = r.personalData;
  return keys
    ? [statement(tableSid, tableActions, [keys.keysTable.tableArn]), statement(keySid, keyActions, [keys.key.keyArn])]
    : [];
}

function statement(sid: string, actions: string[], resources: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid, actions, resources });
}

/** Each enabled index of the events table (the definitions hold no other) by its own ARN: no `index/*`. */
function indexArns(r: TableResources): string[] {
  return r.tables.events.indexes.map((index) => `${r.eventsTable.tableArn}/index/${index.name}`);
}
