/**
 * The store's DynamoDB tables as `crates/store/schema/tables.json` defines them: the one definition
 * that the store's own table creation, the local stack and this app all read, so they cannot drift.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Where the definitions live, relative to this file. */
export const TABLE_DEFINITIONS_PATH = path.join(__dirname, '..', '..', 'crates', 'store', 'schema', 'tables.json');

export type KeyType = 'S' | 'N' | 'B';

export interface KeyDefinition {
  readonly name: string;
  readonly type: KeyType;
}

export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: KeyDefinition;
  readonly sortKey: KeyDefinition;
  readonly projection: 'KEYS_ONLY' | 'ALL';
  /** How many partition keys (`value#NN`) one indexed value is spread over. */
  readonly shards: number;
}

export interface TableDefinition {
  readonly partitionKey: KeyDefinition;
  readonly sortKey: KeyDefinition;
  readonly streamView: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY' | 'OLD_IMAGE' | null;
  readonly ttlAttribute: string | null;
  /** Every attribute a snapshot item may hold (events table; empty elsewhere). */
  readonly snapshotAttributes: readonly string[];
  readonly indexes: readonly IndexDefinition[];
  /**
   * The indexes a deployment creates when its `indexes` context names none (`defaultIndexes`,
   * events table); a table that names none has all of its indexes by default.
   */
  readonly defaultIndexes: readonly string[];
}

export interface TableDefinitions {
  /** Events, snapshots (at sort key v + 0.5) and idempotency guards. */
  readonly events: TableDefinition;
  /** Read models, the projector's per-stream checkpoints, cycle transactions. */
  readonly projections: TableDefinition;
  /** Each data subject's data keys, wrapped by the stack's KMS key (crypto-shredding). */
  readonly keys: TableDefinition;
}

/** Reads and checks the definitions; a malformed file fails synth with the field that is wrong. */
export function loadTableDefinitions(file: string = TABLE_DEFINITIONS_PATH): TableDefinitions {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  return {
    events: checkTable(raw.events, `${file}: events`),
    projections: checkTable(raw.projections, `${file}: projections`),
    keys: checkTable(raw.keys, `${file}: keys`),
  };
}

function checkTable(raw: any, where: string): TableDefinition {
  if (raw === undefined || raw === null) {
    throw new Error(`${where} is missing`);
  }
  const indexes = raw.indexes ?? [];
  if (!Array.isArray(indexes)) {
    throw new Error(`${where}.indexes must be a list`);
  }
  const checked: IndexDefinition[] = indexes.map((index: any, i: number) => {
    const at = `${where}.indexes[${i}]`;
    if (typeof index.name !== 'string' || index.name.length === 0) {
      throw new Error(`${at}.name must be a non-empty string`);
    }
    if (!Number.isInteger(index.shards) || index.shards < 1) {
      throw new Error(`${at}.shards must be a positive integer`);
    }
    return {
      name: index.name,
      partitionKey: checkKey(index.partitionKey, `${at}.partitionKey`),
      sortKey: checkKey(index.sortKey, `${at}.sortKey`),
      projection: index.projection,
      shards: index.shards,
    };
  });
  const names = checked.map((index) => index.name);
  const defaultIndexes: string[] = raw.defaultIndexes === undefined ? names : raw.defaultIndexes;
  if (!Array.isArray(defaultIndexes) || defaultIndexes.some((name) => typeof name !== 'string')) {
    throw new Error(`${where}.defaultIndexes must be a list of index names`);
  }
  for (const name of defaultIndexes) {
    if (!names.includes(name)) {
      throw new Error(`${where}.defaultIndexes names '${name}', which is not one of its indexes (${names.join(', ')})`);
    }
  }
  if (new Set(defaultIndexes).size !== defaultIndexes.length) {
    throw new Error(`${where}.defaultIndexes names an index twice`);
  }
  return {
    partitionKey: checkKey(raw.partitionKey, `${where}.partitionKey`),
    sortKey: checkKey(raw.sortKey, `${where}.sortKey`),
    streamView: raw.streamView ?? null,
    ttlAttribute: raw.ttlAttribute ?? null,
    snapshotAttributes: checkNames(raw.snapshotAttributes ?? [], `${where}.snapshotAttributes`),
    indexes: checked,
    defaultIndexes,
  };
}

/**
 * The definitions with only the `enabled` indexes of the events table (names of its indexes, as
 * the `indexes` setting gives them), in the file's order: what the tables, the index grants and
 * the functions' `INDEXES` are built from, applied once so that nothing downstream chooses again.
 */
export function withEnabledIndexes(definitions: TableDefinitions, enabled: readonly string[]): TableDefinitions {
  const names = definitions.events.indexes.map((index) => index.name);
  const unknown = enabled.filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    throw new Error(`no index of the events table is named ${unknown.join(', ')} (indexes: ${names.join(', ')})`);
  }
  return {
    ...definitions,
    events: { ...definitions.events, indexes: definitions.events.indexes.filter((index) => enabled.includes(index.name)) },
  };
}

function checkKey(raw: any, where: string): KeyDefinition {
  if (!raw || typeof raw.name !== 'string' || !['S', 'N', 'B'].includes(raw.type)) {
    throw new Error(`${where} must be {"name": string, "type": "S" | "N" | "B"}`);
  }
  return { name: raw.name, type: raw.type };
}

function checkNames(raw: any, where: string): string[] {
  if (!Array.isArray(raw) || raw.some((name) => typeof name !== 'string' || name.length === 0)) {
    throw new Error(`${where} must be a list of attribute names`);
  }
  return raw;
}
