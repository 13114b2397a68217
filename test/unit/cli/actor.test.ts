import { userInfo } from 'node:os';
import { resolveActor } from '../../../src/cli/actor';

describe('resolveActor', () => {
  it('takes --actor first, then EKO_REFUND_ACTOR, then the OS user name', () => {
    expect(resolveActor('bob', { EKO_REFUND_ACTOR: 'alice' })).toBe('bob');
    expect(resolveActor(undefined, { EKO_REFUND_ACTOR: 'alice' })).toBe('alice');
    expect(resolveActor(undefined, { EKO_REFUND_ACTOR: '' })).toBe(userInfo().username);
  });
});
