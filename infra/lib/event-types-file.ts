/**
 * The store's event types file (`eventTypesFile`; schemas, upcasts, personal data) as the
 * deployment sees it: where it is at synth, and whether it declares personal data, which decides
 * whether the keys table and the personal data key deploy. Its contents are the store's to check
 * (EventCatalog, read from EVENT_TYPES_FILE at cold start); this reads only what deploys.
 */

export interface EventTypesFile {
  /** The file given as `eventTypesFile`: shipped to every function in a layer. */
  readonly path: string;
  /** Its top-level object, or an entry of its `eventTypes`, has `personalData`. */
  readonly declaresPersonalData: boolean;
}

/**
 * As EventCatalog::declares_personal_data says: a `personalData` for every type (top level), or
 * one of some type (an entry of `eventTypes`); `null` declares nothing, as on the Rust side.
 */
export function declaresPersonalData(file: Record<string, unknown>): boolean {
  const declared = (value: unknown) => value !== undefined && value !== null;
  if (declared(file.personalData)) {
    return true;
  }
  const eventTypes = file.eventTypes;
  if (typeof eventTypes !== 'object' || eventTypes === null) {
    return false;
  }
  return Object.values(eventTypes).some(
    (entry) => typeof entry === 'object' && entry !== null && declared((entry as Record<string, unknown>).personalData),
  );
}
