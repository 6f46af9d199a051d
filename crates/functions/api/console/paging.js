// @ts-check
/**
 * @file Paging both ways over the API's page tokens: the tokens of the pages before are kept,
 * so "Previous" goes back to the page before and "Next" follows `nextPageToken`.
 */
import { el } from './render.js';

export class Pager {
  constructor() {
    /** @type {Array<string | undefined>} the token of each page shown before this one */
    this.before = [];
    /** @type {string | undefined} */
    this.current = undefined;
  }

  /**
   * The Previous/Next buttons under a page whose answer says `nextPageToken`; `show` loads the
   * page of a token (undefined: the first).
   * @param {string | undefined} nextPageToken
   * @param {(token: string | undefined) => void} show
   */
  controls(nextPageToken, show) {
    const previous = el('button', { type: 'button', disabled: this.before.length === 0 }, 'Previous page');
    previous.addEventListener('click', () => {
      this.current = this.before.pop();
      show(this.current);
    });
    const next = el('button', { type: 'button', disabled: !nextPageToken }, 'Next page');
    next.addEventListener('click', () => {
      this.before.push(this.current);
      this.current = nextPageToken;
      show(this.current);
    });
    return el('div', { class: 'paging' }, previous, next);
  }
}
