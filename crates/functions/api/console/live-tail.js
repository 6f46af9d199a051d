// @ts-check
/**
 * @file The live tail: while "Follow live" is pressed, the events stored since it was pressed
 * are asked for every second and shown as they arrive, of one stream (the versions after its
 * head) or of the whole store (the time index, ordered by event time, which a producer sets: it
 * is asked again from a window before the newest event time seen, following every page, and an
 * event already shown is not shown twice). It stops when its button is pressed again or leaves
 * the page.
 */
import { get } from './api.js';
import { eventsTable } from './events-table.js';
import { el, showError } from './render.js';

const EVERY_MS = 1000;
/** How far before the newest event time seen the store's tail asks again. */
const WINDOW_MS = 10000;
/** The most events the tail keeps on screen. */
const KEPT = 200;

/** @param {string} time */
function windowBefore(time) {
  return new Date(Date.parse(time) - WINDOW_MS).toISOString();
}

/**
 * A tail of `streamId`, or of the whole store when it is undefined.
 * @param {string | undefined} streamId
 */
export function liveTail(streamId) {
  const button = el('button', { type: 'button', 'aria-pressed': 'false' }, 'Follow live');
  const since = el('p', { class: 'since' });
  const arrived = el('div', { 'aria-live': 'polite' });
  /** @type {any[]} */
  const events = [];
  const seen = new Set();
  /** Which following is current: a loop of an earlier one stops. */
  let generation = 0;
  /** @type {{version: number, time: string}} */
  const after = { version: 0, time: new Date().toISOString() };

  const newest = async () => {
    const page = streamId
      ? await get(`/streams/${encodeURIComponent(streamId)}`, { direction: 'backward', limit: 1 })
      : await get('/events', { direction: 'backward', limit: 1 });
    const last = (page.events || [])[0];
    if (last) {
      after.version = last.version;
      after.time = last.eventTime;
    }
    // What is there now is not news: only what comes after.
    if (!streamId) {
      const recent = await pages({ from: windowBefore(after.time), direction: 'forward', limit: 100 });
      for (const event of recent) seen.add(event.eventId);
    } else if (last) {
      seen.add(last.eventId);
    }
  };
  /** Every page of the store's tail from `params`. @param {Record<string, any>} params */
  const pages = async (params) => {
    /** @type {any[]} */
    const all = [];
    let token;
    do {
      const page = await get('/events', { ...params, pageToken: token });
      all.push(...(page.events || []));
      token = page.nextPageToken;
    } while (token);
    return all;
  };
  const poll = async () => {
    const fresh = streamId
      ? (await get(`/streams/${encodeURIComponent(streamId)}`, { fromVersion: after.version + 1, limit: 100 })).events || []
      : await pages({ from: windowBefore(after.time), direction: 'forward', limit: 100 });
    let shown = 0;
    for (const event of fresh) {
      after.version = Math.max(after.version, event.version);
      if (event.eventTime > after.time) after.time = event.eventTime;
      if (seen.has(event.eventId)) continue;
      seen.add(event.eventId);
      events.unshift(event);
      shown += 1;
    }
    if (shown > 0) {
      events.splice(KEPT);
      arrived.replaceChildren(eventsTable(events, `Arrived live (${events.length})`));
    }
  };
  /** @param {number} mine */
  const loop = async (mine) => {
    while (mine === generation && button.isConnected) {
      try {
        await poll();
      } catch (error) {
        showError(error);
      }
      await new Promise((resolve) => setTimeout(resolve, EVERY_MS));
    }
  };
  button.addEventListener('click', () => {
    const following = button.getAttribute('aria-pressed') !== 'true';
    generation += 1;
    button.setAttribute('aria-pressed', String(following));
    button.textContent = following ? 'Stop following' : 'Follow live';
    since.textContent = '';
    if (following) {
      const mine = generation;
      newest().then(() => {
        since.textContent = `Following since ${streamId ? `version ${after.version}` : after.time}`;
        return loop(mine);
      }, showError);
    }
  });
  return el('section', { class: 'live-tail' }, el('h3', {}, 'Live tail'), button, since, arrived);
}
