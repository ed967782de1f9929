import { describe, expect, it } from 'vitest';
import { replyBody } from './replies.js';

/** JSON.stringify writes a lone surrogate (half an emoji) as an escape such as "\ud83c". */
const HALF_AN_EMOJI = /\\ud[89a-f][0-9a-f]{2}/i;

describe('replyBody', () => {
  it('cuts list rows by characters, never leaving half an emoji', () => {
    const title = `#8101 ${'🎁'.repeat(12)}`;
    const body = replyBody({ type: 'list', text: 'Your orders', button: 'Choose', rows: [{ id: 'track:8101', title, description: '🎁'.repeat(80) }] });
    // The title is 18 characters (30 UTF-16 units), within the 24 a row title may have: sent whole.
    expect(body).toMatchObject({ interactive: { action: { sections: [{ rows: [{ title, description: `${'🎁'.repeat(71)}…` }] }] } } });
    expect(JSON.stringify(body)).not.toMatch(HALF_AN_EMOJI);
  });

  it('cuts button titles by characters, never leaving half an emoji', () => {
    const body = replyBody({ type: 'buttons', text: 'Cancel?', buttons: [{ id: 'yes', title: `Yes ${'🎁'.repeat(30)}` }] });
    expect(body).toMatchObject({ interactive: { action: { buttons: [{ reply: { title: `Yes ${'🎁'.repeat(15)}…` } }] } } });
    expect(JSON.stringify(body)).not.toMatch(HALF_AN_EMOJI);
  });
});
