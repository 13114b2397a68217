// Counts for the desk: running refunds by phase, ended ones by outcome (each count opens the list
// filtered to it), and a chart of outcomes over the last days (plain SVG, with its numbers in a
// table for screen readers).
import { api } from '../api.js';
import { fill, h, phaseBadge, title } from '../dom.js';

const DAYS = 7;
// One colour per outcome, readable on white; the legend and the table carry the same information.
const COLOURS = {
  REFUNDED: '#1b7f3b',
  NOT_REFUNDABLE: '#7a5c00',
  FAILED: '#b3261e',
  OTP_EXPIRED: '#6a4c93',
  CANCELLED: '#52606d',
  NEEDS_REVIEW: '#c2410c',
};

export function summaryView() {
  const body = h('div', { 'aria-live': 'polite' }, h('p', {}, 'Counting…'));
  const refresh = h('button', { type: 'button', onClick: () => void load() }, 'Refresh');

  async function load() {
    refresh.disabled = true;
    try {
      const summary = await api('GET', `/v1/summary?days=${DAYS}`);
      fill(
        body,
        h(
          'div',
          { class: 'count-tables' },
          counts('Running, by phase', summary.running, 'phase'),
          counts('Ended, by outcome', summary.closed, 'outcome', summary.closedWithoutOutcome),
        ),
        chart(summary.days, summary.timeZone),
      );
    } catch (err) {
      fill(body, h('p', { class: 'error', role: 'alert' }, err.message));
    } finally {
      refresh.disabled = false;
    }
  }

  void load();
  return {
    element: h(
      'section',
      {},
      title('Summary'),
      h(
        'p',
        { class: 'help' },
        'From Temporal visibility: a refund shows up within a second or so. SUBMITTING lasts while Eko ' +
          'answers the refund call; visibility counts those refunds under AWAITING_OTP.',
      ),
      refresh,
      body,
    ),
  };
}

/** A count opens the list of those refunds (`filter`: the list's phase or outcome filter). */
function counts(caption, byName, filter, withoutOutcome) {
  const rows = Object.entries(byName).map(([name, n]) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, phaseBadge(name)),
      h(
        'td',
        { class: 'number' },
        h('a', { href: `#/refunds?${filter}=${name}`, 'aria-label': `${n} ${name}: open the list` }, n),
      ),
    ),
  );
  if (withoutOutcome !== undefined)
    rows.push(
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, 'Stopped without an outcome'),
        h('td', { class: 'number' }, withoutOutcome),
      ),
    );
  return h(
    'div',
    { class: 'table-scroll' },
    h('table', { class: 'counts' }, h('caption', {}, caption), h('tbody', {}, rows)),
  );
}

/**
 * `timeZone`: the zone of the API's days. The API counts UTC days today (and says so by naming no
 * zone); the chart names the days' zone either way.
 */
function chart(days, timeZone = 'UTC') {
  const outcomes = Object.keys(COLOURS);
  const totals = days.map((day) => outcomes.reduce((sum, o) => sum + (day.closed[o] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const width = 640;
  const height = 240;
  const pad = { left: 36, bottom: 28, top: 10 };
  const slot = (width - pad.left) / days.length;
  const scale = (height - pad.bottom - pad.top) / max;
  const bars = days.flatMap((day, d) => {
    let y = height - pad.bottom;
    return outcomes
      .filter((o) => day.closed[o] > 0)
      .map((o) => {
        const barHeight = day.closed[o] * scale;
        y -= barHeight;
        return h(
          'svg:rect',
          { x: pad.left + d * slot + slot * 0.2, y, width: slot * 0.6, height: barHeight, fill: COLOURS[o] },
          h('svg:title', {}, `${day.date}: ${day.closed[o]} ${o}`),
        );
      });
  });
  const labels = days.map((day, d) =>
    h(
      'svg:text',
      { x: pad.left + d * slot + slot / 2, y: height - 8, 'text-anchor': 'middle', class: 'axis' },
      day.date.slice(5),
    ),
  );
  const axis = [
    h('svg:line', { x1: pad.left, y1: height - pad.bottom, x2: width, y2: height - pad.bottom, class: 'axis-line' }),
    h('svg:text', { x: pad.left - 6, y: pad.top + 10, 'text-anchor': 'end', class: 'axis' }, max),
    h('svg:text', { x: pad.left - 6, y: height - pad.bottom, 'text-anchor': 'end', class: 'axis' }, 0),
  ];
  const svg = h(
    'svg:svg',
    { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'chart-title chart-desc', class: 'chart' },
    h('svg:title', { id: 'chart-title' }, `Outcomes over the last ${days.length} days`),
    h('svg:desc', { id: 'chart-desc' }, totals.map((total, d) => `${days[d].date}: ${total}`).join('; ')),
    axis,
    bars,
    labels,
  );
  const legend = h(
    'ul',
    { class: 'legend' },
    outcomes.map((o) =>
      h(
        'li',
        {},
        h('span', { class: `swatch swatch-${o.toLowerCase().replaceAll('_', '-')}`, 'aria-hidden': 'true' }),
        o,
      ),
    ),
  );
  const data = h(
    'details',
    {},
    h('summary', {}, 'The numbers'),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Day'),
            outcomes.map((o) => h('th', { scope: 'col' }, o)),
          ),
        ),
        h(
          'tbody',
          {},
          days.map((day) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, day.date),
              outcomes.map((o) => h('td', { class: 'number' }, day.closed[o] ?? 0)),
            ),
          ),
        ),
      ),
    ),
  );
  return h(
    'figure',
    { class: 'chart-figure' },
    h(
      'figcaption',
      {},
      h('h2', {}, `Outcomes over the last ${days.length} days`),
      h('p', { class: 'help' }, `Days from midnight to midnight, ${timeZone}.`),
    ),
    svg,
    legend,
    data,
  );
}
