// @ts-check
/**
 * @file One stream: its events (versions, types, times, data and metadata, payload hashes),
 * paged both ways, and its state as loaded, now or as of a version or a time (the newest
 * snapshot at or before it and the events after, folded); its snapshots; its live tail.
 */
import { get } from './api.js';
import { eventsTable } from './events-table.js';
import { liveTail } from './live-tail.js';
import { Pager } from './paging.js';
import { el, guarded, pretty, searchForm } from './render.js';
import { snapshotsList } from './snapshots-list.js';

/**
 * @param {HTMLElement} main
 * @param {string} streamId
 */
export async function renderStream(main, streamId) {
  const path = `/streams/${encodeURIComponent(streamId)}`;
  const events = el('section', { 'aria-live': 'polite' });
  const state = el('section', { 'aria-live': 'polite' });
  const direction = el('select', { name: 'direction', 'aria-label': 'Order' },
    el('option', { value: 'forward' }, 'Oldest first'),
    el('option', { value: 'backward' }, 'Newest first'));
  let pager = new Pager();
  const snapshots = snapshotsList(streamId);
  /** @param {string | undefined} token */
  const showEvents = async (token) => {
    const order = /** @type {HTMLSelectElement} */ (direction).value;
    const page = await get(path, { limit: 20, direction: order, pageToken: token });
    events.replaceChildren(
      eventsTable(page.events || [], `Events of ${streamId}`),
      pager.controls(page.nextPageToken, guarded(showEvents)),
    );
  };
  direction.addEventListener('change', guarded(async () => {
    pager = new Pager();
    await showEvents(undefined);
  }));
  /** @param {Record<string, string>} at */
  const showState = async (at) => {
    const answer = await get(`${path}/state`, { atVersion: at.atVersion, atTime: at.atTime });
    const version = answer.state ? answer.state.version : undefined;
    const heading = at.atVersion || at.atTime ? `State as of ${at.atVersion || at.atTime}` : 'State as loaded';
    state.replaceChildren(el('h3', {}, `${heading} (version ${version ?? 'none'})`), pretty(answer));
  };
  main.replaceChildren(
    el('h2', {}, `Stream ${streamId}`),
    el('label', {}, 'Order ', direction),
    liveTail(streamId),
    events,
    el('h2', {}, 'State'),
    searchForm(
      [
        { name: 'atVersion', label: 'As of version', type: 'number' },
        { name: 'atTime', label: 'As of time (RFC 3339)' },
      ],
      'Load state',
      guarded(showState),
    ),
    state,
    el('h2', {}, 'Snapshots'),
    snapshots.section,
  );
  await showEvents(undefined);
  await showState({});
  await snapshots.load();
}
