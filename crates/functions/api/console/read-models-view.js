// @ts-check
/**
 * @file Read models: the list of them (`GET /read-models`: declared in the projector's
 * settings, kept in code, the store's own, each with its live generation and a rebuild under
 * way), and a model's documents by key, paged (`GET /read-models/{model}`).
 */
import { get } from './api.js';
import { Pager } from './paging.js';
import { el, guarded, link, pretty, searchForm, table } from './render.js';

/**
 * @param {HTMLElement} main
 * @param {string | undefined} model
 */
export async function renderReadModels(main, model) {
  const form = searchForm(
    [{ name: 'model', label: 'Read model', value: model || '' }],
    'Open',
    guarded(async (values) => {
      window.location.hash = `#/read-models/${encodeURIComponent(values.model)}`;
    }),
  );
  const documents = el('section', { 'aria-live': 'polite' });
  main.replaceChildren(el('h2', {}, model ? `Read model ${model}` : 'Read models'), form, documents);
  if (!model) {
    documents.replaceChildren(await modelList());
    return;
  }
  const pager = new Pager();
  /** @param {string | undefined} token */
  const show = async (token) => {
    const page = await get(`/read-models/${encodeURIComponent(model)}`, { limit: 25, pageToken: token });
    const rows = (page.documents || []).map((/** @type {any} */ d) => [d.key, pretty(d.document ?? d)]);
    documents.replaceChildren(
      table(['Key', 'Document'], rows, `Documents of ${model}`),
      pager.controls(page.nextPageToken, guarded(show)),
    );
  };
  await show(undefined);
}

/** The table of every read model, each name a link to its documents. */
async function modelList() {
  const answer = await get('/read-models');
  const rows = (answer.models || []).map((/** @type {any} */ m) => [
    link(`#/read-models/${encodeURIComponent(m.name)}`, m.name),
    m.origin,
    m.about,
    (m.eventTypes || []).join(', '),
    m.rebuilding
      ? el('span', {}, `${m.generation}, rebuilding: `, link(`#/replays/${encodeURIComponent(m.rebuilding)}`, m.rebuilding))
      : m.rebuildable ? String(m.generation) : '',
  ]);
  return table(['Read model', 'Origin', 'What it holds', 'Changed by', 'Generation'], rows, 'Every read model');
}
