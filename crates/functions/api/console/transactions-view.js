// @ts-check
/**
 * @file An entity's transactions (seed 000's cycles) as a timeline, newest first: each complete,
 * or partial with the steps it has and the one it is missing.
 */
import { get } from './api.js';
import { Pager } from './paging.js';
import { el, guarded, searchForm } from './render.js';

/**
 * @param {HTMLElement} main
 * @param {string | undefined} entity
 */
export async function renderTransactions(main, entity) {
  const form = searchForm(
    [{ name: 'entity', label: 'Stream or correlation id', value: entity || '' }],
    'Show',
    guarded(async (values) => {
      window.location.hash = `#/transactions/${encodeURIComponent(values.entity)}`;
    }),
  );
  const timeline = el('section', { 'aria-live': 'polite' });
  main.replaceChildren(el('h2', {}, entity ? `Transactions of ${entity}` : 'Transactions'), form, timeline);
  if (!entity) {
    return;
  }
  const pager = new Pager();
  /** @param {string | undefined} token */
  const show = async (token) => {
    const page = await get(`/transactions/${encodeURIComponent(entity)}`, { limit: 25, pageToken: token });
    const items = (page.transactions || []).map(cycleItem);
    timeline.replaceChildren(
      items.length ? el('ol', { class: 'timeline' }, ...items) : el('p', {}, 'No transactions.'),
      pager.controls(page.nextPageToken, guarded(show)),
    );
  };
  await show(undefined);
}

/** One cycle instance on the timeline. @param {any} cycle */
function cycleItem(cycle) {
  const status = String(cycle.status || '');
  const steps = (cycle.steps || []).map((/** @type {any} */ s) => el('li', {}, `${s.eventType} at ${s.at}`));
  return el(
    'li',
    {},
    el('strong', { class: status.toLowerCase() }, `${cycle.cycle}: ${status}`),
    ` started ${cycle.started}`,
    cycle.completed ? `, completed ${cycle.completed}` : '',
    cycle.reason ? el('p', {}, cycle.reason) : null,
    el('ol', {}, ...steps),
  );
}
