// The refunds list: newest first, filtered by phase or tid, a page at a time. Filters live in the
// URL's hash (they are not secret); page tokens stay in memory.
import { api, loadContract } from '../api.js';
import { fill, formatTime, h, phaseBadge, title } from '../dom.js';

const PAGE_SIZE = 20;

export function refundsView(params) {
  const phase = params.get('phase') ?? '';
  const tid = params.get('tid') ?? '';
  const phaseSelect = h('select', { id: 'filter-phase', name: 'phase' }, h('option', { value: '' }, 'All phases'));
  const tidInput = h('input', {
    id: 'filter-tid',
    name: 'tid',
    type: 'search',
    inputmode: 'numeric',
    pattern: '\\d{1,20}',
    maxlength: '20',
    value: tid,
    autocomplete: 'off',
  });
  const filters = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter refunds', onSubmit: applyFilters },
    h('div', {}, h('label', { for: 'filter-phase' }, 'Phase'), phaseSelect),
    h('div', {}, h('label', { for: 'filter-tid' }, 'Transaction id'), tidInput),
    h('button', { type: 'submit' }, 'Show'),
  );
  const results = h('div', { 'aria-live': 'polite' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const tokens = [undefined]; // tokens[i]: the token of page i
  let page = 0;

  void loadContract().then(({ phases, outcomes }) => {
    for (const name of [...phases, ...outcomes]) phaseSelect.append(h('option', { value: name }, name));
    phaseSelect.value = phase;
  });

  function applyFilters(event) {
    event.preventDefault();
    const next = new URLSearchParams();
    if (phaseSelect.value) next.set('phase', phaseSelect.value);
    if (tidInput.value.trim()) next.set('tid', tidInput.value.trim());
    const query = next.toString();
    location.hash = `#/refunds${query ? `?${query}` : ''}`;
  }

  async function load() {
    fill(results, h('p', {}, 'Loading…'));
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (phase) query.set('phase', phase);
    if (tid) query.set('tid', tid);
    if (tokens[page]) query.set('pageToken', tokens[page]);
    try {
      const { refunds, nextPageToken } = await api('GET', `/v1/refunds?${query}`);
      tokens[page + 1] = nextPageToken ?? undefined;
      fill(results, refunds.length === 0 ? h('p', {}, 'No refunds match.') : table(refunds));
      renderPager(nextPageToken);
    } catch (err) {
      fill(results, h('p', { class: 'error', role: 'alert' }, err.message));
    }
  }

  function renderPager(nextPageToken) {
    pager.hidden = page === 0 && !nextPageToken;
    fill(
      pager,
      h('button', { type: 'button', disabled: page === 0, onClick: () => turn(-1) }, 'Newer'),
      h('span', {}, `Page ${page + 1}`),
      h('button', { type: 'button', disabled: !nextPageToken, onClick: () => turn(1) }, 'Older'),
    );
  }

  function turn(step) {
    page += step;
    void load();
  }

  void load();
  return {
    element: h(
      'section',
      {},
      title('Refunds'),
      filters,
      tid && /^\d{1,20}$/.test(tid)
        ? h('p', {}, h('a', { href: `#/refunds/${tid}` }, `Open the refund of tid ${tid}`))
        : null,
      results,
      pager,
    ),
  };
}

const COLUMNS = ['Transaction', 'Phase', 'Workflow', 'Started', 'Ended'];

function table(refunds) {
  // On a phone each row reads as a card: every cell carries its column's name (data-label).
  const cell = (tag, column, ...content) =>
    h(tag, { 'data-label': COLUMNS[column], ...(tag === 'th' ? { scope: 'row' } : {}) }, ...content);
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'cards' },
      h('caption', { class: 'visually-hidden' }, 'Refunds, newest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          COLUMNS.map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        refunds.map((r) =>
          h(
            'tr',
            {},
            cell('th', 0, r.tid ? h('a', { href: `#/refunds/${r.tid}` }, r.tid) : r.workflowId),
            cell('td', 1, phaseBadge(r.phase)),
            cell('td', 2, r.status.toLowerCase()),
            cell('td', 3, formatTime(r.startedAt)),
            cell('td', 4, r.closedAt ? formatTime(r.closedAt) : '—'),
          ),
        ),
      ),
    ),
  );
}
