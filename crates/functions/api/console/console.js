// @ts-check
/**
 * @file The console's entry point: the API key (from the form, or `#key=` in the URL that
 * `make dev` prints, kept for the tab), and the views by hash: `#/streams`, `#/stream/<id>`,
 * `#/read-models[/<model>]`, `#/transactions[/<entity>]`, `#/replays[/<replayId>]`.
 */
import { apiKey, setApiKey } from './api.js';
import { renderReadModels } from './read-models-view.js';
import { clearError, showError } from './render.js';
import { renderReplays } from './replays-view.js';
import { renderStream } from './stream-view.js';
import { renderStreams } from './streams-view.js';
import { renderTransactions } from './transactions-view.js';

/** Keeps the key of a `#key=` URL and goes on to the streams view; true when there was one. */
function takeKeyFromUrl() {
  const match = window.location.hash.match(/^#key=([^&]+)/);
  if (match) {
    setApiKey(decodeURIComponent(match[1]));
    // A change of hash: the listener routes.
    window.location.replace('#/streams');
  }
  return match !== null;
}

/** @param {boolean} [moved] whether the user moved to another view (focus goes into it) */
async function route(moved = false) {
  const main = /** @type {HTMLElement} */ (document.getElementById('view'));
  const [view, ...rest] = window.location.hash.replace(/^#\/?/, '').split('/');
  for (const a of document.querySelectorAll('nav a')) {
    const current = a.getAttribute('href') === `#/${view === 'stream' ? 'streams' : view}`;
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  clearError();
  try {
    const arg = rest.length ? decodeURIComponent(rest.join('/')) : undefined;
    if (view === 'stream' && arg) await renderStream(main, arg);
    else if (view === 'read-models') await renderReadModels(main, arg);
    else if (view === 'transactions') await renderTransactions(main, arg);
    else if (view === 'replays') await renderReplays(main, arg);
    else await renderStreams(main);
    // Keyboard and screen-reader users land in the view they opened, not back at the top.
    if (moved) main.focus({ preventScroll: true });
  } catch (error) {
    showError(error);
  }
}

function start() {
  // The page's word for a console whose scripts never ran; they have.
  document.getElementById('not-loaded')?.remove();
  const taken = takeKeyFromUrl();
  const form = /** @type {HTMLFormElement} */ (document.getElementById('key-form'));
  const input = /** @type {HTMLInputElement} */ (document.getElementById('api-key'));
  input.value = apiKey();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setApiKey(input.value.trim());
    route();
  });
  window.addEventListener('hashchange', () => {
    if (!takeKeyFromUrl()) {
      route(true);
    }
  });
  if (!taken) {
    route();
  }
}

start();
