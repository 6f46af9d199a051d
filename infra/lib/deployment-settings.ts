import * as fs from 'fs';
import { declaresPersonalData, EventTypesFile } from './event-types-file';
import { NEVER_INGESTED } from './ingest-pattern';
import { loadTableDefinitions, TableDefinition } from './table-definitions';

/**
 * The parameters of a deployment, read from CDK context (`-c name=value` or cdk.json) and checked
 * before anything is built: a bad value fails synth with an error naming the parameter.
 */

/** DynamoDB capacity: on demand, or provisioned with the given units per table. */
export type BillingSettings =
  | { readonly mode: 'PAY_PER_REQUEST' }
  | { readonly mode: 'PROVISIONED'; readonly readCapacity: number; readonly writeCapacity: number };

export interface DeploymentSettings {
  /** Suffix of every stack and resource name: `EventStore-<envName>-...`. */
  readonly envName: string;
  /** Days after which DynamoDB TTL may delete an event; 0 keeps events forever. */
  readonly eventTtlDays: number;
  /** Days the bus archive keeps events for EventBridge replay; 0 keeps them forever. */
  readonly archiveRetentionDays: number;
  readonly billing: BillingSettings;
  /** Days CloudWatch keeps each function's logs. */
  readonly logRetentionDays: number;
  /** An existing bus to use instead of creating `event-store-<envName>`. */
  readonly existingBusName?: string;
  /** The ingest rule's event pattern; the store's change notices and metering events are always excluded. */
  readonly ingestPattern: Record<string, unknown>;
  /** The projector's declarative settings (read models, cycles, follow-ups), as JSON. */
  readonly projectorSettings?: Record<string, unknown>;
  /**
   * The store's event types file (`eventTypesFile`, a JSON file read at synth), shipped to every
   * function; when it declares personal data the keys table and the personal data key deploy
   * too. Unset: no file, no keys.
   */
  readonly eventTypesFile?: EventTypesFile;
  /** Snapshot every N events (SNAPSHOT_EVERY). */
  readonly snapshotEvery: number;
  /** Where an event id is unique (DEDUPE_SCOPE): the whole store, or each stream. */
  readonly dedupeScope: 'store' | 'stream';
  /**
   * The events table's secondary indexes the deployment creates, grants and tells the functions
   * of (INDEXES), in tables.json's order; unset: its `defaultIndexes`.
   */
  readonly indexes: readonly string[];
  /** Untyped events take their stream category's aggregate (AGGREGATE_TYPE_FROM_CATEGORY). */
  readonly aggregateTypeFromCategory: boolean;
  /** The functions open their DynamoDB connection during init (CONNECT_AT_INIT). */
  readonly connectAtInit: boolean;
  /** Events one projector invocation applies at most, gap fills included (PROJECTOR_EVENT_BUDGET). */
  readonly projectorEventBudget: number;
  /** Hours a generation a rebuild replaced is kept before the sweep deletes it (REBUILD_GRACE_HOURS). */
  readonly rebuildGraceHours: number;
  /** The replay function's reserved concurrency: replay chain links that may run at once. */
  readonly replayConcurrency: number;
  /** Copy every raw bus event to S3 through Firehose (seed 001): off by default. */
  readonly rawArchive: boolean;
  /** How the REST API authorizes a call: an API key in a usage plan (seed 003), or IAM (SigV4). */
  readonly apiAuth: ApiAuthorization;
  /** Requests per second the API's stage (and usage plan) let through, steady state. */
  readonly apiRateLimit: number;
  /** Requests the API's stage (and usage plan) let through at once, above the rate. */
  readonly apiBurstLimit: number;
  /** Requests one API key may make per day (usage plan quota); unset: no quota. */
  readonly apiDailyQuota?: number;
  /** X-Ray tracing of the API's stage (seed 003's TRACING); the functions are always traced. */
  readonly tracing: boolean;
  /**
   * Regions the events and projections tables are replicated to (global tables), each with a
   * stack of the store's own; empty: one region.
   */
  readonly replicaRegions: readonly string[];
  /**
   * The one region that takes appends, projects and replays (`writeRegion`); unset: the primary,
   * the deployment's own region (deployment-regions.ts checks it is one of the deployment's).
   */
  readonly writeRegion?: string;
  /**
   * A KMS key ARN per replica region, keeping the global tables on customer-managed keys; with
   * replicas it is required unless `replicaEncryption` is `awsManaged`.
   */
  readonly replicaKeyArns?: Readonly<Record<string, string>>;
  /**
   * How the global tables are encrypted: on customer-managed keys (the data key and
   * `replicaKeyArns`), or, only when asked for by name, on AWS's managed key.
   */
  readonly replicaEncryption: ReplicaEncryption;
  /** Where `cargo lambda build` put the functions: `<dir>/<function>/bootstrap.zip`. */
  readonly lambdaAssetsDir: string;
}

/** `customerManaged`: a KMS key of the deployment's in every region; `awsManaged`: AWS's key, chosen explicitly. */
export type ReplicaEncryption = 'customerManaged' | 'awsManaged';

/** `apiKey`: API Gateway checks an `x-api-key` of the usage plan; `iam`: SigV4-signed calls, by IAM policy. */
export type ApiAuthorization = 'apiKey' | 'iam';

/** What the ingest rule matches when no pattern is given: every event on the bus (but the loop guard). */
export const DEFAULT_INGEST_PATTERN: Record<string, unknown> = {};

export class SettingsError extends Error {
  constructor(
    readonly parameter: string,
    reason: string,
  ) {
    super(`context parameter '${parameter}': ${reason}`);
    this.name = 'SettingsError';
  }
}

/**
 * Reads a deployment's settings through `lookup` (a construct node's `tryGetContext`); `events`,
 * the events table's definition, names the indexes there are and those enabled by default.
 */
export function readDeploymentSettings(
  lookup: (name: string) => unknown,
  defaultAssetsDir: string,
  events: Pick<TableDefinition, 'indexes' | 'defaultIndexes'> = loadTableDefinitions().events,
): DeploymentSettings {
  const envName = text(lookup, 'envName', 'dev');
  if (!/^[A-Za-z][A-Za-z0-9-]{0,20}$/.test(envName)) {
    throw new SettingsError('envName', `'${envName}' must start with a letter and hold up to 21 letters, digits or '-'`);
  }
  const billingMode = text(lookup, 'billingMode', 'PAY_PER_REQUEST');
  let billing: BillingSettings;
  if (billingMode === 'PAY_PER_REQUEST') {
    billing = { mode: 'PAY_PER_REQUEST' };
  } else if (billingMode === 'PROVISIONED') {
    billing = {
      mode: 'PROVISIONED',
      readCapacity: whole(lookup, 'readCapacity', 5, 1, 40000),
      writeCapacity: whole(lookup, 'writeCapacity', 5, 1, 40000),
    };
  } else {
    throw new SettingsError('billingMode', `'${billingMode}' is neither PAY_PER_REQUEST nor PROVISIONED`);
  }
  const replicaRegions = regionList(lookup, 'replicaRegions');
  const existingBusName = lookup('busName');
  if (existingBusName !== undefined && (typeof existingBusName !== 'string' || existingBusName.length === 0)) {
    throw new SettingsError('busName', 'must be the name of an existing event bus');
  }
  return {
    envName,
    eventTtlDays: whole(lookup, 'eventTtlDays', 0, 0, 36500),
    archiveRetentionDays: whole(lookup, 'archiveRetentionDays', 365, 0, 36500),
    billing,
    logRetentionDays: whole(lookup, 'logRetentionDays', 30, 1, 3653),
    existingBusName: existingBusName as string | undefined,
    ingestPattern: json(lookup, 'ingestPattern') ?? DEFAULT_INGEST_PATTERN,
    projectorSettings: checkedLoopGuard(projectorSettings(lookup)),
    eventTypesFile: eventTypesFile(lookup, replicaRegions),
    snapshotEvery: whole(lookup, 'snapshotEvery', 100, 1, 100000),
    dedupeScope: oneOf(lookup, 'dedupeScope', ['store', 'stream'] as const, 'store'),
    indexes: indexList(lookup, 'indexes', events),
    aggregateTypeFromCategory: flag(lookup, 'aggregateTypeFromCategory', true),
    connectAtInit: flag(lookup, 'connectAtInit', true),
    projectorEventBudget: whole(lookup, 'projectorEventBudget', 1000, 1, 100000),
    rebuildGraceHours: whole(lookup, 'rebuildGraceHours', 24, 0, 8760),
    replayConcurrency: whole(lookup, 'replayConcurrency', 10, 1, 1000),
    rawArchive: flag(lookup, 'rawArchive', false),
    apiAuth: oneOf(lookup, 'apiAuth', ['apiKey', 'iam'] as const, 'apiKey'),
    apiRateLimit: whole(lookup, 'apiRateLimit', 100, 1, 10000),
    apiBurstLimit: whole(lookup, 'apiBurstLimit', 200, 1, 5000),
    apiDailyQuota: optionalWhole(lookup, 'apiDailyQuota', 1, 1_000_000_000),
    tracing: flag(lookup, 'tracing', false),
    replicaRegions,
    writeRegion: optionalRegion(lookup, 'writeRegion'),
    ...replicaEncryption(lookup, replicaRegions),
    lambdaAssetsDir: text(lookup, 'lambdaAssets', defaultAssetsDir),
  };
}

/** An AWS region name such as `eu-west-1` or `us-gov-west-1`. */
export const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** `replicaRegions`: `a,b` or a JSON array `["a","b"]`, each a region once. */
function regionList(lookup: (name: string) => unknown, name: string): string[] {
  const value = lookup(name);
  if (value === undefined || value === '') {
    return [];
  }
  let list: unknown = value;
  if (typeof value === 'string') {
    list = value.trim().startsWith('[') ? parsedJson(name, value) : value.split(',').map((region) => region.trim());
  }
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  if (!Array.isArray(list) || list.some((region) => typeof region !== 'string' || !REGION.test(region))) {
    throw new SettingsError(name, `'${shown}' is not a list of region names (e.g. eu-west-1,us-east-1)`);
  }
  if (new Set(list).size !== list.length) {
    throw new SettingsError(name, `'${shown}' names a region twice`);
  }
  return list as string[];
}

/**
 * `indexes`: `all`, `none`, or index names separated by commas (or a JSON array of them), each
 * once; unset: the table's default indexes. Given back in the definition's order, so the order
 * written changes nothing deployed.
 */
function indexList(
  lookup: (name: string) => unknown,
  name: string,
  events: Pick<TableDefinition, 'indexes' | 'defaultIndexes'>,
): string[] {
  const known = events.indexes.map((index) => index.name);
  const value = lookup(name);
  const choices = `all, none, or a comma-separated list of ${known.join(', ')}`;
  if (value === undefined) {
    return known.filter((index) => events.defaultIndexes.includes(index));
  }
  if (value === 'all') {
    return known;
  }
  if (value === 'none') {
    return [];
  }
  let list: unknown = value;
  if (typeof value === 'string') {
    list = value.trim().startsWith('[') ? parsedJson(name, value) : value.split(',').map((index) => index.trim());
  }
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  if (!Array.isArray(list) || list.length === 0 || list.some((index) => typeof index !== 'string' || index.length === 0)) {
    throw new SettingsError(name, `'${shown}' is not ${choices}`);
  }
  const unknown = list.filter((index) => !known.includes(index));
  if (unknown.length > 0) {
    throw new SettingsError(name, `'${shown}' names ${unknown.map((index) => `'${index}'`).join(', ')}, not an index of the events table: use ${choices}`);
  }
  if (new Set(list).size !== list.length) {
    throw new SettingsError(name, `'${shown}' names an index twice`);
  }
  return known.filter((index) => list.includes(index));
}

/** A region name, or undefined when not given. */
function optionalRegion(lookup: (name: string) => unknown, name: string): string | undefined {
  const value = lookup(name);
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || !REGION.test(value)) {
    throw new SettingsError(name, `'${String(value)}' is not a region name (e.g. us-east-1)`);
  }
  return value;
}

/** `replicaKeyArns`: a JSON object with one KMS key ARN in each replica region, and no other. */
function replicaKeyArns(lookup: (name: string) => unknown, regions: readonly string[]): Record<string, string> | undefined {
  const arns = json(lookup, 'replicaKeyArns');
  if (arns === undefined) {
    return undefined;
  }
  const given = Object.keys(arns).sort();
  if (given.join(',') !== [...regions].sort().join(',')) {
    throw new SettingsError('replicaKeyArns', `names regions ${given.join(', ') || 'none'}, not the replica regions ${regions.join(', ') || 'none'}`);
  }
  for (const [region, arn] of Object.entries(arns)) {
    if (typeof arn !== 'string' || !new RegExp(`^arn:aws[a-z-]*:kms:${region}:\\d{12}:key/.+$`).test(arn)) {
      throw new SettingsError('replicaKeyArns', `'${String(arn)}' is not the ARN of a KMS key in ${region}`);
    }
  }
  return arns as Record<string, string>;
}

/**
 * The global tables' encryption: customer-managed keys unless `replicaEncryption=awsManaged` says
 * otherwise by name. Replicas given no key in each region fail synth rather than falling back to
 * AWS's managed key unseen.
 */
function replicaEncryption(
  lookup: (name: string) => unknown,
  regions: readonly string[],
): Pick<DeploymentSettings, 'replicaKeyArns' | 'replicaEncryption'> {
  const encryption = oneOf(lookup, 'replicaEncryption', ['customerManaged', 'awsManaged'] as const, 'customerManaged');
  const keys = replicaKeyArns(lookup, regions);
  if (encryption === 'awsManaged' && keys !== undefined) {
    throw new SettingsError('replicaEncryption', "'awsManaged' uses AWS's managed key: give it or replicaKeyArns, not both");
  }
  if (encryption === 'customerManaged' && keys === undefined && regions.length > 0) {
    throw new SettingsError(
      'replicaKeyArns',
      `the global tables stay on customer-managed keys: give the ARN of a KMS key in each replica region (${regions.join(', ')}) as a JSON object, or -c replicaEncryption=awsManaged to encrypt them with AWS's managed key instead`,
    );
  }
  return { replicaKeyArns: keys, replicaEncryption: encryption };
}

function text(lookup: (name: string) => unknown, name: string, fallback: string): string {
  const value = lookup(name);
  if (value === undefined) {
    return fallback;
  }
  if (typeof value !== 'string' || value.length === 0) {
    throw new SettingsError(name, 'must be a non-empty string');
  }
  return value;
}

function oneOf<T extends string>(
  lookup: (name: string) => unknown,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const value = lookup(name);
  if (value === undefined) {
    return fallback;
  }
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new SettingsError(name, `'${String(value)}' is not one of ${choices.join(', ')}`);
  }
  return value as T;
}

function whole(lookup: (name: string) => unknown, name: string, fallback: number, min: number, max: number): number {
  const value = lookup(name);
  if (value === undefined) {
    return fallback;
  }
  const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw new SettingsError(name, `'${String(value)}' is not a whole number from ${min} to ${max}`);
  }
  return number;
}

/** A whole number that may be left unset (then undefined: no limit). */
function optionalWhole(lookup: (name: string) => unknown, name: string, min: number, max: number): number | undefined {
  return lookup(name) === undefined ? undefined : whole(lookup, name, min, min, max);
}

function flag(lookup: (name: string) => unknown, name: string, fallback: boolean): boolean {
  const value = lookup(name);
  if (value === undefined) {
    return fallback;
  }
  if (value === true || value === 'true') {
    return true;
  }
  if (value === false || value === 'false') {
    return false;
  }
  throw new SettingsError(name, `'${String(value)}' is neither true nor false`);
}

/** A JSON object given inline (cdk.json) or as a string (`-c name='{...}'`). */
function json(lookup: (name: string) => unknown, name: string): Record<string, unknown> | undefined {
  const value = lookup(name);
  if (value === undefined) {
    return undefined;
  }
  const parsed: unknown = typeof value === 'string' ? parsedJson(name, value) : value;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SettingsError(name, 'must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function parsedJson(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SettingsError(name, `is not JSON: ${(e as Error).message}`);
  }
}

/**
 * The loop guard, checked rather than trusted: change notices published under a source the
 * ingest rule would match would be stored again, and published again, forever.
 */
function checkedLoopGuard(settings: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const notices = settings?.changeNotices as { source?: unknown } | undefined;
  if (notices !== undefined && notices !== null) {
    const source = notices.source ?? 'event-store.changes';
    if (source === 'event-store.metering' || source === 'event-store.replay') {
      throw new SettingsError(
        'projectorSettings',
        `changeNotices.source '${source}' is the store's own source for ${source === 'event-store.metering' ? 'metering events' : 'replays'}: consumers would take notices for them`,
      );
    }
    if (typeof source !== 'string' || !NEVER_INGESTED.includes(source)) {
      throw new SettingsError(
        'projectorSettings',
        `changeNotices.source '${String(source)}' would be ingested again (a loop): use one of ${NEVER_INGESTED.join(', ')}`,
      );
    }
  }
  return settings;
}

/** `projectorSettings` inline, or `projectorSettingsFile`: a JSON file read at synth. */
function projectorSettings(lookup: (name: string) => unknown): Record<string, unknown> | undefined {
  const file = lookup('projectorSettingsFile');
  if (file === undefined) {
    return json(lookup, 'projectorSettings');
  }
  if (lookup('projectorSettings') !== undefined) {
    throw new SettingsError('projectorSettingsFile', 'give projectorSettings or projectorSettingsFile, not both');
  }
  if (typeof file !== 'string' || !fs.existsSync(file)) {
    throw new SettingsError('projectorSettingsFile', `'${String(file)}' is not a readable file`);
  }
  const contents = fs.readFileSync(file, 'utf8');
  return json((name) => (name === 'projectorSettingsFile' ? contents : undefined), 'projectorSettingsFile');
}

/**
 * `eventTypesFile`: a JSON object in a file read at synth. Personal data and replica regions are
 * refused together: the subjects' keys are wrapped by one KMS key, which lives in one region.
 */
function eventTypesFile(lookup: (name: string) => unknown, replicaRegions: readonly string[]): EventTypesFile | undefined {
  const name = 'eventTypesFile';
  const file = lookup(name);
  if (file === undefined) {
    return undefined;
  }
  let contents: string | undefined;
  try {
    contents = typeof file === 'string' ? fs.readFileSync(file, 'utf8') : undefined;
  } catch {
    contents = undefined;
  }
  if (typeof file !== 'string' || contents === undefined) {
    throw new SettingsError(name, `'${String(file)}' is not a readable file`);
  }
  const parsed = json((asked) => (asked === name ? contents : undefined), name) as Record<string, unknown>;
  const declared = declaresPersonalData(parsed);
  if (declared && replicaRegions.length > 0) {
    throw new SettingsError(
      name,
      `'${file}' declares personal data, which a deployment with replicaRegions (${replicaRegions.join(', ')}) cannot hold yet: ` +
        'a KMS key lives in one region and the store does not yet deploy a multi-region key for personal data, ' +
        'so the replica regions could not open sealed values',
    );
  }
  return { path: file, declaresPersonalData: declared };
}
