// @ts-check
/**
 * @file Replays: a republish (to the bus, optionally filtered) or a rebuild of read models,
 * each shown as a dry run first (how many events it covers), then started; its progress
 * followed with a bar, the rate and the time left; a stopped one resumed from its checkpoint.
 * Without a replay open, every replay is listed (the `$replays` read model, by id).
 */
import { ApiError, get, post } from './api.js';
import { Pager } from './paging.js';
import { el, guarded, link, pretty, searchForm, showError, table } from './render.js';

/** How often a running replay's progress is asked for, in milliseconds. */
const FOLLOW_EVERY_MS = 1000;
/** The statuses of a replay still running (a rebuild switches its models over at the end). */
const RUNNING = ['inProgress', 'switching'];
/** A running replay whose progress has not moved for this long may have stopped: Resume. */
const STALE_MS = 30000;

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
      // One key per dry run: a second click, or the start sent again, starts one replay.
      const idempotencyKey = crypto.randomUUID();
      const start = el('button', { type: 'button' }, `Start: ${dry.count} events`);
      start.addEventListener('click', guarded(async () => {
        start.setAttribute('disabled', '');
        const started = await post('/replays', request(values), idempotencyKey);
        sessionStorage.setItem(`replay-count-${started.replayId}`, String(dry.count));
        window.location.hash = `#/replays/${encodeURIComponent(started.replayId)}`;
      }));
      outcome.replaceChildren(el('p', {}, `A ${values.op || 'rebuild'} would cover ${dry.count} events${dry.estimated ? ' (DynamoDB\'s estimate)' : ''}.`), start);
    }),
  );
  const list = el('section', { 'aria-live': 'polite' });
  main.replaceChildren(el('h2', {}, 'Replays'), form, outcome, list);
  if (replayId) {
    await follow(outcome, replayId);
  } else {
    await listReplays(list);
  }
}

/**
 * Every replay, by id, 25 a page: kind, status, events done, when it last checkpointed; a
 * replay that is running but has not moved for a while shows it may have stopped (open it to
 * resume it).
 * @param {HTMLElement} section
 */
async function listReplays(section) {
  const pager = new Pager();
  /** @param {string | undefined} token */
  const show = async (token) => {
    const page = await get('/read-models/$replays', { limit: 25, pageToken: token });
    const rows = (page.documents || []).map((/** @type {any} */ d) => {
      const replay = d.document || {};
      const stalled = mayHaveStopped(replay);
      return [
        link(`#/replays/${encodeURIComponent(d.key)}`, d.key),
        replay.kind || 'republish',
        stalled ? `${replay.status} (stopped? open it to resume)` : replay.status,
        replay.done,
        replay.updatedAt,
      ];
    });
    section.replaceChildren(
      el('h3', {}, 'Every replay'),
      rows.length
        ? table(['Replay', 'Kind', 'Status', 'Events done', 'Last checkpoint'], rows, 'Every replay, by id')
        : el('p', {}, 'No replay has run yet.'),
      pager.controls(page.nextPageToken, guarded(show)),
    );
  };
  await show(undefined);
}

/**
 * Whether a replay is running but its progress has not moved for `STALE_MS`: its chain may have
 * stopped, and Resume carries it on.
 * @param {any} progress
 */
function mayHaveStopped(progress) {
  const updated = Date.parse(progress.updatedAt || progress.startedAt || '');
  return RUNNING.includes(progress.status) && Number.isFinite(updated) && Date.now() - updated > STALE_MS;
}

/**
 * Shows the progress of `replayId` until it is complete (or the view is left).
 * @param {HTMLElement} section
 * @param {string} replayId
 */
async function follow(section, replayId) {
  const hash = window.location.hash;
  while (window.location.hash === hash && section.isConnected) {
    try {
      const progress = await get(`/replays/${encodeURIComponent(replayId)}`);
      section.replaceChildren(progressOf(replayId, progress));
      if (!RUNNING.includes(progress.status)) {
        return;
      }
    } catch (error) {
      // A passing failure (503) is asked again; any other ends the following, shown.
      if (!(error instanceof ApiError) || error.status !== 503) {
        throw error;
      }
      showError(error);
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
  // A rebuild estimates its total (the table's items); a republish started here knows its dry
  // run's count.
  const total = Number(progress.totalEstimate || sessionStorage.getItem(`replay-count-${replayId}`) || 0);
  const rate = Number(progress.eventsPerSecond || 0);
  const left = RUNNING.includes(progress.status) && total > done && rate > 0 ? Math.ceil((total - done) / rate) : undefined;
  // The total is DynamoDB's estimate of the table's items (heads and guards among them): a
  // replay that is complete fills the bar whatever it estimated.
  const max = Math.max(total, done, 1);
  const complete = progress.status === 'complete';
  const bar = el('progress', { max, value: complete ? max : done, 'aria-label': 'Replay progress' });
  const resume = el('button', { type: 'button', hidden: !mayHaveStopped(progress) }, 'Resume');
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
