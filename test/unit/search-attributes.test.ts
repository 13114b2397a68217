/** The search attributes the namespace script registers are the ones the workflow writes (src/contract/names.ts). */
import fs from 'node:fs';
import path from 'node:path';
import { SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../../src/contract';

const TYPE_NAMES: Partial<Record<SearchAttributeType, string>> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DATETIME]: 'Datetime',
};

test('deploy/temporal/setup-namespace.sh registers every refund search attribute with its type', () => {
  const script = fs.readFileSync(path.resolve(__dirname, '../../deploy/temporal/setup-namespace.sh'), 'utf8');
  const registered = [...script.matchAll(/\b(Refund\w+|EkoTid):(\w+)/g)].map(([, name, type]) => `${name}:${type}`);
  const expected = Object.values(SEARCH_ATTRIBUTES).map(({ name, type }) => `${name}:${TYPE_NAMES[type]}`);
  expect(registered.sort()).toEqual(expected.sort());
});
