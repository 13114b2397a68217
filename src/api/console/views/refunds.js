// The refunds list: newest first, filtered by phase or outcome, start day (in the refunds' time
// zone) and requester, a page at a time, and the same filters as a CSV export. Filters live in
// the URL's hash (they are not secret); page tokens stay in memory. A tid is found with the
// search box at the top of every page, which opens its refund at once.
import { api, loadContract } from '../api.js';
import { fill, h, title } from '../dom.js';
import { addDays, dayStart, timeZone } from '../time.js';
import { refundTable } from './refund-table.js';

const PAGE_SIZE = 20;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const COLUMNS = ['tid', 'phase', 'amount', 'otpDeadline', 'attemptsLeft', 'message', 'requestedBy', 'started', 'ended'];

/** The list's filters as the URL holds them: phase and outcome may each name several. */
function filtersOf(params) {
  const several = (name) => (params.get(name) ?? '').split(',').filter(Boolean);
  return {
    phases: [...several('phase'), ...several('outcome')],
    from: DAY.test(params.get('from') ?? '') ? params.get('from') : '',
    to: DAY.test(params.get('to') ?? '') ? params.get('to') : '',
    requestedBy: params.get('requestedBy') ?? '',
    tid: /^\d{1,20}$/.test(params.get('tid') ?? '') ? params.get('tid') : '',
  };
}

/** The filters in words, shown with the results they gave. */
function described({ phases, from, to, requestedBy, tid }) {
  const parts = [
    tid && `of tid ${tid}`,
    phases.length > 0 && `in ${phases.join(' or ')}`,
    from && to ? `started ${from} to ${to}` : from ? `started from ${from}` : to && `started until ${to}`,
    requestedBy && `requested by ${requestedBy}`,
  ].filter(Boolean);
  return parts.length > 0 ? `Refunds ${parts.join(', ')}, newest first.` : 'All refunds, newest first.';
}

/** The API's query for the filters (the list's and the export's). */
function apiQuery({ phases, from, to, requestedBy, tid }) {
  const query = new URLSearchParams();
  if (phases.length > 0) query.set('phase', phases.join(','));
  if (from) query.set('startedAfter', dayStart(from).toISOString());
  if (to) query.set('startedBefore', dayStart(addDays(to, 1)).toISOString());
  if (requestedBy) query.set('requestedBy', requestedBy);
  if (tid) query.set('tid', tid);
  return query;
}

export function refundsView(params) {
  const filter = filtersOf(params);
  const phaseSelect = h('select', { id: 'filter-phase', name: 'phase' }, h('option', { value: '' }, 'All phases'));
  const dateInput = (id, value) => h('input', { id, type: 'date', value });
  const fromInput = dateInput('filter-from', filter.from);
  const toInput = dateInput('filter-to', filter.to);
  const requesterInput = h('input', {
    id: 'filter-requested-by',
    name: 'requestedBy',
    type: 'text',
    maxlength: '200',
    value: filter.requestedBy,
    autocomplete: 'off',
  });
  const field = (id, label, input) => h('div', {}, h('label', { for: id }, label), input);
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter refunds', onSubmit: applyFilters },
    field('filter-phase', 'Phase', phaseSelect),
    field('filter-from', 'Started from', fromInput),
    field('filter-to', 'Started until', toInput),
    field('filter-requested-by', 'Requested by', requesterInput),
    h('button', { type: 'submit' }, 'Show'),
  );
  const query = apiQuery(filter);
  const exportLink = h(
    'a',
    { class: 'button secondary', href: `/v1/refunds/export.csv${query.size ? `?${query}` : ''}`, download: '' },
    'Export as CSV',
  );
  const results = h('div', { 'aria-live': 'polite' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const tokens = [undefined]; // tokens[i]: the token of page i
  let page = 0;

  void loadContract().then(({ phases, outcomes }) => {
    for (const name of [...phases, ...outcomes]) phaseSelect.append(h('option', { value: name }, name));
    // Several at once (a link from the work queue or the summary): one option that keeps them.
    const chosen = filter.phases.join(',');
    if (filter.phases.length > 1) phaseSelect.append(h('option', { value: chosen }, filter.phases.join(' or ')));
    phaseSelect.value = chosen;
  });

  function applyFilters(event) {
    event.preventDefault();
    const next = new URLSearchParams();
    if (phaseSelect.value) next.set('phase', phaseSelect.value);
    if (fromInput.value) next.set('from', fromInput.value);
    if (toInput.value) next.set('to', toInput.value);
    if (requesterInput.value.trim()) next.set('requestedBy', requesterInput.value.trim());
    if (filter.tid) next.set('tid', filter.tid);
    const text = next.toString();
    location.hash = `#/refunds${text ? `?${text}` : ''}`;
  }

  async function load() {
    fill(results, h('p', {}, 'Loading…'));
    const pageQuery = new URLSearchParams(query);
    pageQuery.set('limit', String(PAGE_SIZE));
    if (tokens[page]) pageQuery.set('pageToken', tokens[page]);
    try {
      const { refunds, nextPageToken } = await api('GET', `/v1/refunds?${pageQuery}`);
      tokens[page + 1] = nextPageToken ?? undefined;
      fill(
        results,
        h('p', { class: 'filter-summary' }, described(filter)),
        refunds.length === 0 ? h('p', {}, 'No refunds match.') : refundTable(refunds, COLUMNS, described(filter)),
      );
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
      form,
      h('p', { class: 'help' }, `Days are in ${timeZone()}.`),
      filter.tid
        ? h(
            'p',
            {},
            `Every run of tid ${filter.tid} (`,
            h('a', { href: `#/refunds/${filter.tid}` }, 'open its refund'),
            ', ',
            h('a', { href: '#/refunds' }, 'all refunds'),
            ').',
          )
        : null,
      h('div', { class: 'toolbar' }, exportLink),
      results,
      pager,
    ),
  };
}
