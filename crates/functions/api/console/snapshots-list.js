// @ts-check
/**
 * @file A stream's snapshots, newest first (`GET /streams/{id}/snapshots`): version, when it
 * was taken, the aggregate type and the state it holds, paged. The API reads the events
 * between snapshots too, so a page may come back short (even empty) with more to follow.
 */
import { get } from './api.js';
import { Pager } from './paging.js';
import { el, guarded, pretty, table } from './render.js';

/**
 * The snapshots section of `streamId`, filled once `load` is called.
 * @param {string} streamId
 */
export function snapshotsList(streamId) {
  const section = el('section', { 'aria-live': 'polite', id: 'snapshots' });
  const pager = new Pager();
  /** @param {string | undefined} token */
  const show = async (token) => {
    const path = `/streams/${encodeURIComponent(streamId)}/snapshots`;
    const page = await get(path, { limit: 10, pageToken: token });
    const snapshots = page.snapshots || [];
    const rows = snapshots.map((/** @type {any} */ s) => [
      s.version, s.takenAt, s.aggregateType || '', pretty(s.state),
    ]);
    const empty = snapshots.length === 0
      ? el('p', {}, page.nextPageToken
        ? 'None in the events read so far: the next page reads further down.'
        : token ? 'No more snapshots.' : 'No snapshots: a state load folds the events from the first.')
      : null;
    section.replaceChildren(
      empty || table(['Version', 'Taken at', 'Aggregate type', 'State'], rows, `Snapshots of ${streamId}, newest first`),
      pager.controls(page.nextPageToken, guarded(show)),
    );
  };
  return { section, load: () => show(undefined) };
}
