// @ts-check
/** @file A table of events as every read answers them: stream, version, type, time, data, metadata, hash. */
import { el, link, pretty, table } from './render.js';

/**
 * @param {any[]} events
 * @param {string} caption
 */
export function eventsTable(events, caption) {
  return table(
    ['Stream', 'Version', 'Type', 'Event time', 'Recorded', 'Data', 'Metadata', 'Event id / payload hash'],
    events.map((event) => [
      link(`#/stream/${encodeURIComponent(event.streamId)}`, event.streamId),
      event.version,
      event.eventType,
      event.eventTime,
      event.recordedTime,
      pretty(event.data),
      pretty(event.metadata || {}),
      el('span', {}, event.eventId, el('br'), el('code', {}, event.payloadHash || '')),
    ]),
    caption,
  );
}
