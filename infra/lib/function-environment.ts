/**
 * The environment variables the functions read, declared once here; each points at the Rust
 * constant that reads it (a test checks that the constant still holds the same name). The store's
 * own variables and those of the event types file and its personal data keys, which every
 * function gets, are put together here too.
 */
import { DeploymentSettings } from './deployment-settings';
import { PersonalDataResources } from './function-permissions';

export interface EnvironmentVariable {
  readonly name: string;
  /** The Rust file that declares the same name. */
  readonly declaredIn: string;
}

/** Settings::EVENTS_TABLE: the events table (events, snapshots, idempotency guards). */
export const EVENTS_TABLE: EnvironmentVariable = { name: 'EVENTS_TABLE', declaredIn: 'crates/domain/src/settings.rs' };
/** Settings::EVENT_TTL_DAYS: days after which an event expires; 0 keeps it forever. */
export const EVENT_TTL_DAYS: EnvironmentVariable = { name: 'EVENT_TTL_DAYS', declaredIn: 'crates/domain/src/settings.rs' };
/** Settings::SNAPSHOT_EVERY: the projector snapshots a stream every N events. */
export const SNAPSHOT_EVERY: EnvironmentVariable = { name: 'SNAPSHOT_EVERY', declaredIn: 'crates/domain/src/settings.rs' };
/** Settings::DEDUPE_SCOPE: where an event id is unique, `store` or `stream`. */
export const DEDUPE_SCOPE: EnvironmentVariable = { name: 'DEDUPE_SCOPE', declaredIn: 'crates/domain/src/settings.rs' };
/** Settings::AGGREGATE_TYPE_FROM_CATEGORY: untyped events take their stream category's aggregate. */
export const AGGREGATE_TYPE_FROM_CATEGORY: EnvironmentVariable = {
  name: 'AGGREGATE_TYPE_FROM_CATEGORY',
  declaredIn: 'crates/domain/src/settings.rs',
};
/** Settings::INDEXES: the events table's enabled secondary indexes, comma-separated, or `none`. */
export const INDEXES: EnvironmentVariable = { name: 'INDEXES', declaredIn: 'crates/domain/src/settings.rs' };
/** function_support::CONNECT_AT_INIT: open the DynamoDB connection during init (`true`/`false`). */
export const CONNECT_AT_INIT: EnvironmentVariable = {
  name: 'CONNECT_AT_INIT',
  declaredIn: 'crates/functions/support/src/cold_start.rs',
};
/** function_support::PROJECTIONS_TABLE: read models, checkpoints and transactions. */
export const PROJECTIONS_TABLE: EnvironmentVariable = {
  name: 'PROJECTIONS_TABLE',
  declaredIn: 'crates/functions/support/src/cold_start.rs',
};
/** The bus the projector publishes follow-ups, metering events and change notices to. */
export const EVENT_BUS_NAME: EnvironmentVariable = {
  name: 'EVENT_BUS_NAME',
  declaredIn: 'crates/functions/projector/src/main.rs',
};
/** ProjectorSettings::PROJECTOR_SETTINGS: read models, cycles and follow-up rules as JSON. */
export const PROJECTOR_SETTINGS: EnvironmentVariable = {
  name: 'PROJECTOR_SETTINGS',
  declaredIn: 'crates/domain/src/projector_settings.rs',
};

/** Events one projector invocation applies at most, gap fills included. */
export const PROJECTOR_EVENT_BUDGET: EnvironmentVariable = {
  name: 'PROJECTOR_EVENT_BUDGET',
  declaredIn: 'crates/functions/projector/src/main.rs',
};
/** Hours a generation a rebuild replaced is kept before the cycle sweep deletes its documents. */
export const REBUILD_GRACE_HOURS: EnvironmentVariable = {
  name: 'REBUILD_GRACE_HOURS',
  declaredIn: 'crates/functions/replay/src/main.rs',
};

/** Settings::WRITE_REGION: the one region that takes appends; set only when the tables have replicas. */
export const WRITE_REGION: EnvironmentVariable = { name: 'WRITE_REGION', declaredIn: 'crates/domain/src/settings.rs' };
/** The replay function the api starts replays through and asks for their progress. */
export const REPLAY_FUNCTION_NAME: EnvironmentVariable = {
  name: 'REPLAY_FUNCTION_NAME',
  declaredIn: 'crates/functions/api/src/cold_start.rs',
};

/** event_types_file::EVENT_TYPES_FILE: the event types file (schemas, upcasts, personal data). */
export const EVENT_TYPES_FILE: EnvironmentVariable = {
  name: 'EVENT_TYPES_FILE',
  declaredIn: 'crates/store/src/event_types_file.rs',
};
/** personal_values::KEYS_TABLE: the data subjects' keys, for the personal data the file declares. */
export const KEYS_TABLE: EnvironmentVariable = { name: 'KEYS_TABLE', declaredIn: 'crates/store/src/personal_values.rs' };
/** personal_values::PERSONAL_DATA_KEY: the KMS key (here its alias) that wraps each subject's data key. */
export const PERSONAL_DATA_KEY: EnvironmentVariable = {
  name: 'PERSONAL_DATA_KEY',
  declaredIn: 'crates/store/src/personal_values.rs',
};

/** Every variable above, for the test that keeps them in step with the Rust side. */
export const ALL_VARIABLES: readonly EnvironmentVariable[] = [
  EVENTS_TABLE,
  EVENT_TTL_DAYS,
  SNAPSHOT_EVERY,
  DEDUPE_SCOPE,
  AGGREGATE_TYPE_FROM_CATEGORY,
  INDEXES,
  CONNECT_AT_INIT,
  PROJECTIONS_TABLE,
  EVENT_BUS_NAME,
  PROJECTOR_SETTINGS,
  PROJECTOR_EVENT_BUDGET,
  REBUILD_GRACE_HOURS,
  WRITE_REGION,
  REPLAY_FUNCTION_NAME,
  EVENT_TYPES_FILE,
  KEYS_TABLE,
  PERSONAL_DATA_KEY,
];

/**
 * What every function is told about the store: the events table and the settings the store reads
 * (the enabled indexes among them, which a store writes and which a query may use),
 * and (when the tables have replicas) the region appends go to, so a function in any other region
 * refuses appends with `NotWriteRegion`.
 */
export function storeEnvironment(
  eventsTableName: string,
  settings: DeploymentSettings,
  writeRegion: string | undefined,
): Record<string, string> {
  return {
    [EVENTS_TABLE.name]: eventsTableName,
    [EVENT_TTL_DAYS.name]: String(settings.eventTtlDays),
    [SNAPSHOT_EVERY.name]: String(settings.snapshotEvery),
    [DEDUPE_SCOPE.name]: settings.dedupeScope,
    [AGGREGATE_TYPE_FROM_CATEGORY.name]: String(settings.aggregateTypeFromCategory),
    // Always set, `none` for none: an absent or empty INDEXES means the Rust side's own default set.
    [INDEXES.name]: settings.indexes.length === 0 ? 'none' : settings.indexes.join(','),
    [CONNECT_AT_INIT.name]: String(settings.connectAtInit),
    ...(writeRegion ? { [WRITE_REGION.name]: writeRegion } : {}),
  };
}

/**
 * What every function is told about the event types file: where its layer put it
 * (`eventTypesFile`, unset without one) and, when it declares personal data, the keys table and
 * the alias of the key that wraps the subjects' keys.
 */
export function eventTypesEnvironment(
  eventTypesFile: string | undefined,
  personalData: PersonalDataResources | undefined,
): Record<string, string> {
  return {
    ...(eventTypesFile ? { [EVENT_TYPES_FILE.name]: eventTypesFile } : {}),
    ...(personalData
      ? { [KEYS_TABLE.name]: personalData.keysTable.tableName, [PERSONAL_DATA_KEY.name]: personalData.keyAlias }
      : {}),
  };
}
