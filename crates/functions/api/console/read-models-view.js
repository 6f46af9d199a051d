// @ts-check
/**
 * @file Read models: a model's documents by key, paged (the projections table through
 * `GET /read-models/{model}`); `$streams` is the store's own catalogue of streams.
 */
import { get } from './api.js';
import { Pager } from './paging.js';
import { el, guarded, pretty, searchForm, table } from './render.js';

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
    documents.append(el('p', {}, 'Name a read model of the projector settings (or $streams, every stream).'));
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
