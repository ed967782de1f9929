import { describe, expect, it } from 'vitest';
import { SandboxState, type ChatEntry } from './sandbox-state.js';

function entry(wamid: string, direction: 'out' | 'in' = 'out'): ChatEntry {
  const at = '2026-03-01T10:00:00.000Z';
  const status = direction === 'out' ? 'accepted' : 'received';
  return { direction, wamid, type: 'text', at, status, statuses: [{ status, at }], summary: { text: wamid }, body: {} };
}

describe('SandboxState', () => {
  it('keeps the newest messages of a chat and forgets the ids of dropped ones', () => {
    const state = new SandboxState({ messagesPerChat: 3 });
    for (let i = 0; i < 5; i++) state.append('t', '911', entry(`w${i}`));
    expect(state.entries('t', '911').map((e) => e.wamid)).toEqual(['w2', 'w3', 'w4']);
    expect(state.find('w0')).toBeUndefined();
    expect(state.find('w4')?.wamid).toBe('w4');
  });

  it('keeps the most recently active chats', () => {
    const state = new SandboxState({ chats: 2 });
    state.append('t', 'a', entry('a1'));
    state.append('t', 'b', entry('b1'));
    state.append('t', 'a', entry('a2'));
    state.append('t', 'c', entry('c1'));
    expect(state.chatsOf('t').map((c) => c.phone)).toEqual(['c', 'a']);
    expect(state.find('b1')).toBeUndefined();
    expect(state.entries('t', 'b')).toEqual([]);
  });

  it('keeps tenants apart', () => {
    const state = new SandboxState();
    state.append('t1', '911', entry('x'));
    expect(state.entries('t2', '911')).toEqual([]);
    expect(state.chatsOf('t2')).toEqual([]);
    expect(state.chatsOf('t1')).toEqual([{ tenantId: 't1', phone: '911', messages: 1, lastAt: '2026-03-01T10:00:00.000Z', last: { text: 'x' } }]);
  });

  it('moves statuses forward only, and never past failed', () => {
    const state = new SandboxState();
    state.append('t', '911', entry('w'));
    expect(state.advance('w', 'delivered', 'T1')).toBe(true);
    expect(state.advance('w', 'sent', 'T2')).toBe(false);
    expect(state.advance('w', 'delivered', 'T3')).toBe(false);
    expect(state.advance('w', 'failed', 'T4', 131026)).toBe(true);
    expect(state.advance('w', 'read', 'T5')).toBe(false);
    const [e] = state.entries('t', '911');
    expect(e?.status).toBe('failed');
    expect(e?.errorCode).toBe(131026);
    expect(e?.statuses.map((s) => s.status)).toEqual(['accepted', 'delivered', 'failed']);
    expect(state.advance('unknown', 'read', 'T')).toBe(false);
  });
});
