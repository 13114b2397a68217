// Start many refunds at once (service and support roles): tids pasted, or read from a CSV file
// (chosen or dropped), sent to POST /v1/refund-batches; each tid gets its own result line, and a
// bad tid does not stop the others.
import { api } from '../api.js';
import { fill, h, title } from '../dom.js';

/** The API takes this many tids a call; more go in several calls, one after the other. */
const BATCH = 1000;
/** The API's longest tid text: longer ones are refused here, each on its own line. */
const LONGEST = 40;
const TID_HEADER = /^(tid|eko[ _-]?tid|transaction[ _-]?id)$/i;

const RESULT_TEXT = {
  started: 'started',
  'already-running': 'already running',
  invalid: 'invalid',
  failed: 'failed: start it again',
};

export function batchView() {
  const tids = h('textarea', {
    id: 'batch-tids',
    name: 'tids',
    rows: '8',
    required: true,
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-describedby': 'batch-tids-help',
    onDragover: (event) => event.preventDefault(),
    onDrop: dropFile,
  });
  const file = h('input', {
    id: 'batch-file',
    name: 'file',
    type: 'file',
    accept: '.csv,text/csv,text/plain',
    'aria-describedby': 'batch-file-help',
    onChange: () => file.files[0] && void readFile(file.files[0]),
  });
  const fileNote = h('p', { id: 'batch-file-help', class: 'help' }, 'A column named tid, or the first column.');
  const reason = h('textarea', { id: 'batch-reason', name: 'reason', rows: '2', maxlength: '1000' });
  const button = h('button', { type: 'submit' }, 'Start refunds');
  const alert = h('p', { class: 'error', role: 'alert' });
  const status = h('p', { role: 'status', class: 'action-status' });
  const results = h('div');
  const form = h(
    'form',
    { method: 'post', class: 'stack narrow', onSubmit: submit },
    h('label', { for: 'batch-tids' }, 'Transaction ids (tids)'),
    tids,
    h(
      'p',
      { id: 'batch-tids-help', class: 'help' },
      'One per line, or separated by commas or spaces; drop a CSV file here to read it. Up to 1,000 a call: ' +
        'more are sent in several.',
    ),
    h('label', { for: 'batch-file' }, 'Or read them from a CSV file'),
    file,
    fileNote,
    h('label', { for: 'batch-reason' }, 'Reason (optional, for every refund)'),
    reason,
    button,
    alert,
  );

  async function readFile(chosen) {
    alert.textContent = '';
    try {
      const found = tidsInCsv(await chosen.text());
      tids.value = found.join('\n');
      fileNote.textContent = `${found.length} tid(s) read from ${chosen.name}: check them, then start.`;
    } catch (err) {
      alert.textContent = `Could not read ${chosen.name}: ${err.message}`;
    }
  }

  function dropFile(event) {
    const dropped = event.dataTransfer?.files?.[0];
    if (!dropped) return;
    event.preventDefault();
    void readFile(dropped);
  }

  async function submit(event) {
    event.preventDefault();
    alert.textContent = '';
    const all = [...new Set(tidsInText(tids.value))];
    if (all.length === 0) {
      alert.textContent = 'Paste at least one tid.';
      tids.focus();
      return;
    }
    const tooLong = all.filter((tid) => tid.length > LONGEST);
    const sent = all.filter((tid) => tid.length <= LONGEST);
    const lines = tooLong.map((tid) => ({ tid, result: 'invalid', detail: 'tid must be 1 to 20 digits' }));
    button.disabled = true;
    fill(results);
    try {
      for (let i = 0; i < sent.length; i += BATCH) {
        status.textContent = `Starting ${sent.length} refund(s)… ${i} done.`;
        const body = { tids: sent.slice(i, i + BATCH) };
        if (reason.value.trim()) body.reason = reason.value.trim();
        const answer = await api('POST', '/v1/refund-batches', body);
        lines.push(...answer.results);
      }
    } catch (err) {
      alert.textContent = `Stopped: ${err.message}. The results below are the tids sent before.`;
    } finally {
      button.disabled = false;
    }
    status.textContent = summaryOf(lines);
    fill(results, resultTable(lines), retry(lines));
  }

  /** The tids Temporal did not take, back in the box to send again. */
  function retry(lines) {
    const failed = lines.filter((l) => l.result === 'failed').map((l) => l.tid);
    if (failed.length === 0) return null;
    return h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        onClick: () => {
          tids.value = failed.join('\n');
          tids.focus();
        },
      },
      `Put the ${failed.length} failed tid(s) back to send again`,
    );
  }

  return {
    element: h(
      'section',
      {},
      title('Start many refunds'),
      h('p', {}, 'Each tid is started as "Start a refund" would; a tid whose refund already runs is left as it is.'),
      form,
      status,
      results,
    ),
  };
}

function summaryOf(lines) {
  const count = (result) => lines.filter((l) => l.result === result).length;
  return `${lines.length} tid(s): ${count('started')} started, ${count('already-running')} already running, ${count('invalid')} invalid, ${count('failed')} failed.`;
}

function resultTable(lines) {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'cards batch-results' },
      h('caption', {}, 'Result per tid'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Transaction', 'Result', 'Detail'].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        lines.map((line) =>
          h(
            'tr',
            {},
            h(
              'th',
              { scope: 'row', 'data-label': 'Transaction' },
              line.result === 'invalid' ? line.tid : h('a', { href: `#/refunds/${line.tid}` }, line.tid),
            ),
            h(
              'td',
              { 'data-label': 'Result' },
              h('span', { class: `badge result-${line.result}` }, RESULT_TEXT[line.result] ?? line.result),
            ),
            h('td', { 'data-label': 'Detail' }, line.detail ?? ''),
          ),
        ),
      ),
    ),
  );
}

/** Tids in pasted text: separated by new lines, commas, semicolons, tabs or spaces. */
export function tidsInText(text) {
  return text
    .split(/[\s,;]+/)
    .map((t) => t.replace(/^"|"$/g, '').trim())
    .filter(Boolean);
}

/** Tids in a CSV file: the column named tid if the first line names one, else the first column. */
export function tidsInCsv(text) {
  const lines = text.split(/\r?\n/).filter((line) => line.trim());
  const separator = [',', ';', '\t'].find((s) => lines[0]?.includes(s)) ?? ',';
  const rows = lines.map((line) => csvCells(line, separator));
  if (rows.length === 0) return [];
  const column = rows[0].findIndex((cell) => TID_HEADER.test(cell.trim()));
  const data = column >= 0 ? rows.slice(1) : rows;
  const at = Math.max(column, 0);
  const cells = data.map((cells) => (cells[at] ?? '').trim()).filter(Boolean);
  // A first line that names columns but not the tid is a header too.
  if (column < 0 && cells.length > 0 && !/\d/.test(cells[0])) cells.shift();
  return cells;
}

/** One CSV line's cells (RFC 4180 quoting). */
function csvCells(line, separator) {
  const cells = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === separator) {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}
