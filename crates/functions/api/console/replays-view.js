// @ts-check
/**
 * @file Replays: a republish (to the bus, optionally filtered) or a rebuild of read models,
 * each shown as a dry run first (how many events it covers), then started; its progress
 * followed with a bar, the rate and the time left; a stopped one resumed from its checkpoint.
 */
import { get, post } from './api.js';
import { el, guarded, pretty, searchForm } from './render.js';

/** How often a running replay's progress is asked for, in milliseconds. */
const FOLLOW_EVERY_MS = 1000;

/**
 * @param {HTMLElement} main
 * @param {string | undefined} replayId
 */
export async function renderReplays(main, replayId) {
  const outcome = el('section', { 'aria-live': 'polite' });
  /** @param {Record<string, string>} values */
  const request = (values) => {
    /** @type {Record<string, any>} */
    const body = { op: values.op || 'rebuild' };
    if (body.op === 'rebuild' && values.models) {
      body.models = values.models.split(',').map((m) => m.trim()).filter(Boolean);
    }
    if (body.op === 'republish' && values.streamId) {
      body.filter = { streamId: values.streamId };
    }
    return body;
  };
  const form = searchForm(
    [
      { name: 'op', label: 'rebuild or republish', value: 'rebuild' },
      { name: 'models', label: 'Models (rebuild; all when empty)' },
      { name: 'streamId', label: 'Stream (republish; all when empty)' },
    ],
    'Dry run',
    guarded(async (values) => {
      const dry = await post('/replays', { ...request(values), dryRun: true });
      const start = el('button', { type: 'button' }, `Start: ${dry.count} events`);
      start.addEventListener('click', guarded(async () => {
        const started = await post('/replays', request(values));
        window.location.hash = `#/replays/${encodeURIComponent(started.replayId)}`;
      }));
      outcome.replaceChildren(el('p', {}, `A ${values.op || 'rebuild'} would cover ${dry.count} events${dry.estimated ? ' (DynamoDB\'s estimate)' : ''}.`), start);
    }),
  );
  main.replaceChildren(el('h2', {}, 'Replays'), form, outcome);
  if (replayId) {
    await follow(outcome, replayId);
  }
}

/**
 * Shows the progress of `replayId` until it is complete (or the view is left).
 * @param {HTMLElement} section
 * @param {string} replayId
 */
async function follow(section, replayId) {
  const hash = window.location.hash;
  for (;;) {
    const progress = await get(`/replays/${encodeURIComponent(replayId)}`);
    section.replaceChildren(progressOf(replayId, progress));
    if (progress.status !== 'inProgress' || window.location.hash !== hash) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_EVERY_MS));
  }
}

/**
 * @param {string} replayId
 * @param {any} progress
 */
function progressOf(replayId, progress) {
  const done = Number(progress.done || 0);
  const total = Number(progress.totalEstimate || 0);
  const rate = Number(progress.eventsPerSecond || 0);
  const left = progress.status === 'inProgress' && total > done && rate > 0 ? Math.ceil((total - done) / rate) : undefined;
  // The total is DynamoDB's estimate of the table's items (heads and guards among them): a
  // replay that is complete fills the bar whatever it estimated.
  const max = Math.max(total, done, 1);
  const complete = progress.status === 'complete';
  const bar = el('progress', { max, value: complete ? max : done, 'aria-label': 'Replay progress' });
  const resume = el('button', { type: 'button', hidden: progress.status !== 'inProgress' }, 'Resume');
  resume.addEventListener('click', guarded(async () => {
    await post(`/replays/${encodeURIComponent(replayId)}/resume`, {});
    window.location.hash = `#/replays/${encodeURIComponent(replayId)}`;
  }));
  return el(
    'div',
    { class: 'replay' },
    el('h3', {}, `Replay ${replayId}: ${progress.status}`),
    bar,
    el('p', {}, complete
      ? `${done} events, ${rate.toFixed(1)} events/s`
      : `${done} of about ${total || '?'} events, ${rate.toFixed(1)} events/s${left === undefined ? '' : `, about ${left} s left`}`),
    resume,
    el('details', {}, el('summary', {}, 'Progress as the API answers it'), pretty(progress)),
  );
}
