// The export's CSV: RFC 4180 quoting, and no cell a spreadsheet would run as a formula.
import { csvLines, type ExportRow } from '../../src/export';

async function csv(rows: ExportRow[]): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of csvLines(
    (async function* () {
      yield* rows;
    })(),
  ))
    lines.push(line);
  return lines;
}

test('a header, then one CRLF line a row; absent fields are empty', async () => {
  const lines = await csv([{ tid: '42', phase: 'REFUNDED', amount: '5000.00' }]);
  expect(lines[0]).toBe(
    'tid,phase,outcome,amount,fee,refundedAmount,ekoRefundTid,startedAt,endedAt,requestedBy,lastActor,ekoMessage\r\n',
  );
  expect(lines[1]).toBe('42,REFUNDED,,5000.00,,,,,,,,\r\n');
});

test('commas, quotes and line breaks are quoted; formulas are defused; amounts stay numbers', async () => {
  const [, line] = await csv([
    {
      tid: '1',
      ekoMessage: 'Refund done, "ok"\nthanks',
      requestedBy: '=HYPERLINK("http://x")',
      lastActor: '@desk',
      fee: '-1.50',
    },
  ]);
  expect(line).toBe(`1,,,,-1.50,,,,,"'=HYPERLINK(""http://x"")",'@desk,"Refund done, ""ok""\nthanks"\r\n`);
});
