// @ts-check
/**
 * @file The live tail: while "Follow live" is pressed, the events stored since it was pressed
 * are asked for every second and shown as they arrive, of one stream (by version) or of the
 * whole store (the time-ordered index, by recorded time; an event seen twice at the same time
 * is shown once). It stops when the view is left.
 */
import { get } from './api.js';
import { eventsTable } from './events-table.js';
import { el, showError } from './render.js';

const EVERY_MS = 1000;
/** The most events the tail keeps on screen. */
const KEPT = 200;

/**
 * A tail of `streamId`, or of the whole store when it is undefined.
 * @param {string | undefined} streamId
 */
export function liveTail(streamId) {
  const hash = window.location.hash;
  const button = el('button', { type: 'button', 'aria-pressed': 'false' }, 'Follow live');
  const arrived = el('div', { 'aria-live': 'polite' });
  /** @type {any[]} */
  const events = [];
  const seen = new Set();
  let following = false;
  /** @type {{version: number, time: string | undefined}} */
  const after = { version: 0, time: undefined };

  const newest = async () => {
    const page = streamId
      ? await get(`/streams/${encodeURIComponent(streamId)}`, { direction: 'backward', limit: 1 })
      : await get('/events', { direction: 'backward', limit: 1 });
    const last = (page.events || [])[0];
    after.version = last ? last.version : 0;
    after.time = last ? last.recordedTime : new Date().toISOString();
    if (last) seen.add(last.eventId);
  };
  const poll = async () => {
    const page = streamId
      ? await get(`/streams/${encodeURIComponent(streamId)}`, { fromVersion: after.version + 1, limit: 100 })
      : await get('/events', { from: after.time, direction: 'forward', limit: 100 });
    for (const event of page.events || []) {
      if (seen.has(event.eventId)) continue;
      seen.add(event.eventId);
      events.unshift(event);
      after.version = Math.max(after.version, event.version);
      after.time = event.recordedTime;
    }
    events.splice(KEPT);
    arrived.replaceChildren(eventsTable(events, `Arrived live (${events.length})`));
  };
  const loop = async () => {
    while (following && window.location.hash === hash) {
      try {
        await poll();
      } catch (error) {
        showError(error);
      }
      await new Promise((resolve) => setTimeout(resolve, EVERY_MS));
    }
  };
  button.addEventListener('click', () => {
    following = !following;
    button.setAttribute('aria-pressed', String(following));
    button.textContent = following ? 'Stop following' : 'Follow live';
    if (following) {
      newest().then(loop, showError);
    }
  });
  return el('section', { class: 'live-tail' }, el('h3', {}, 'Live tail'), button, arrived);
}
