// @ts-check
/**
 * @file The streams view: recent activity across the store (the time-ordered index, newest
 * first), and search by stream id, event id, correlation id, user id, aggregate type, event
 * type and time range; the live tail of the whole store.
 */
import { get } from './api.js';
import { eventsTable } from './events-table.js';
import { liveTail } from './live-tail.js';
import { Pager } from './paging.js';
import { el, guarded, searchForm } from './render.js';

/** @param {HTMLElement} main */
export async function renderStreams(main) {
  const results = el('section', { 'aria-live': 'polite' });
  /** @type {Record<string, string>} */
  let criteria = {};
  let pager = new Pager();
  /** @param {string | undefined} token */
  const show = async (token) => {
    const params = { ...criteria, direction: 'backward', limit: 25, pageToken: token };
    const page = await get('/events', params);
    const caption = Object.keys(criteria).length ? 'Events found' : 'Recent activity';
    results.replaceChildren(eventsTable(page.events || [], caption), pager.controls(page.nextPageToken, guarded(show)));
  };
  const form = searchForm(
    [
      { name: 'streamId', label: 'Stream id' },
      { name: 'eventId', label: 'Event id' },
      { name: 'correlationId', label: 'Correlation id' },
      { name: 'userId', label: 'User id' },
      { name: 'aggregateType', label: 'Aggregate type' },
      { name: 'eventType', label: 'Event type' },
      { name: 'from', label: 'Event time from (RFC 3339)' },
      { name: 'to', label: 'Event time to (RFC 3339)' },
    ],
    'Search',
    guarded(async (values) => {
      if (values.streamId) {
        window.location.hash = `#/stream/${encodeURIComponent(values.streamId)}`;
        return;
      }
      if (values.eventId) {
        const found = await get(`/events/${encodeURIComponent(values.eventId)}`);
        results.replaceChildren(eventsTable([found.event || found], 'The event'));
        return;
      }
      criteria = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
      pager = new Pager();
      await show(undefined);
    }),
  );
  main.replaceChildren(el('h2', {}, 'Streams'), form, liveTail(undefined), results);
  await show(undefined);
}
