import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { checkMappingAgainstLayout, TemplateLayout } from './template-layout.js';
import type { TemplateMapping } from './template-mapping.js';

const LAYOUT: TemplateLayout = {
  bodyParams: 2,
  headerParams: 1,
  buttons: [
    { index: 0, type: 'url', dynamic: true },
    { index: 1, type: 'quick_reply', dynamic: false },
    { index: 2, type: 'url', dynamic: false },
  ],
};

/** A mapping that fits LAYOUT; tests break one thing at a time. */
function fitting(parts: Partial<TemplateMapping> = {}): TemplateMapping {
  return {
    name: 'order_update',
    language: 'en',
    header: ['order.number'],
    body: [{ value: '{{customer.firstName}}', fallback: 'there' }, 'order.number'],
    buttons: [
      { index: 0, type: 'url', param: 'link.token' },
      { index: 1, type: 'quick_reply', param: { value: 'cod_confirm:{{order.id}}' } },
    ],
    ...parts,
  };
}

describe('TemplateLayout schema', () => {
  it('accepts a declared layout and refuses impossible ones', () => {
    expect(Value.Check(TemplateLayout, LAYOUT)).toBe(true);
    expect(Value.Check(TemplateLayout, { bodyParams: 0 })).toBe(true);
    expect(Value.Check(TemplateLayout, { bodyParams: 1, headerParams: 2 })).toBe(false);
    expect(Value.Check(TemplateLayout, { bodyParams: -1 })).toBe(false);
    expect(Value.Check(TemplateLayout, { bodyParams: 1, buttons: [{ index: 10, type: 'url', dynamic: true }] })).toBe(false);
    expect(Value.Check(TemplateLayout, { bodyParams: 1, buttons: [{ index: 0, type: 'call', dynamic: false }] })).toBe(false);
  });
});

describe('checkMappingAgainstLayout', () => {
  it('accepts a mapping that fits', () => {
    expect(checkMappingAgainstLayout(fitting(), LAYOUT)).toEqual([]);
  });

  it('refuses a body with too few or too many parameters', () => {
    expect(checkMappingAgainstLayout(fitting({ body: ['order.number'] }), LAYOUT)).toEqual([
      { path: '/body', message: "the template's body has 2 parameters ({{1}}..{{2}}) but the mapping gives 1" },
    ]);
    expect(checkMappingAgainstLayout(fitting({ body: ['order.number', 'order.id', 'store.name'] }), LAYOUT)).toEqual([
      { path: '/body', message: "the template's body has 2 parameters ({{1}}..{{2}}) but the mapping gives 3" },
    ]);
  });

  it('refuses a missing header parameter, and one the template has no room for', () => {
    expect(checkMappingAgainstLayout(fitting({ header: undefined }), LAYOUT)).toEqual([
      { path: '/header', message: "the template's header has 1 parameter ({{1}}) but the mapping gives 0" },
    ]);
    expect(checkMappingAgainstLayout(fitting(), { ...LAYOUT, headerParams: 0 })).toEqual([
      { path: '/header', message: "the template's header has 0 parameters (none) but the mapping gives 1" },
    ]);
  });

  it('refuses paths that are not template paths, with a hint for text written as a path', () => {
    const m = fitting({ header: ['order.numbr'], body: ['Thanks for shopping', '{{order.number}}'] });
    expect(checkMappingAgainstLayout(m, LAYOUT)).toEqual([
      { path: '/header/0', message: '"order.numbr" is not a template path; see the documented template paths' },
      { path: '/body/0', message: '"Thanks for shopping" is not a template path; for text with placeholders use {"value": "…"}' },
      { path: '/body/1', message: '"{{order.number}}" is not a template path; for text with placeholders use {"value": "…"}' },
    ]);
  });

  it('checks the placeholders of literals and fallbacks too', () => {
    const m = fitting({ body: [{ value: 'Hi {{customer.first_name}}', fallback: 'Hi {{customer}}' }, { value: 'No placeholders' }] });
    expect(checkMappingAgainstLayout(m, LAYOUT)).toEqual([
      { path: '/body/0/value', message: 'placeholder {{customer.first_name}} is not a template path; see the documented template paths' },
      { path: '/body/0/fallback', message: 'placeholder {{customer}} is not a template path; see the documented template paths' },
    ]);
  });

  it('refuses a button the template does not have', () => {
    const m = fitting({ buttons: [...(fitting().buttons ?? []), { index: 5, type: 'url', param: 'link.token' }] });
    expect(checkMappingAgainstLayout(m, LAYOUT)).toEqual([
      { path: '/buttons/2/index', message: 'the template has no button at index 5' },
    ]);
  });

  it('refuses a button of the wrong type', () => {
    const m = fitting({
      buttons: [
        { index: 0, type: 'quick_reply', param: 'order.id' },
        { index: 1, type: 'quick_reply', param: 'order.id' },
      ],
    });
    expect(checkMappingAgainstLayout(m, LAYOUT)).toEqual([
      // One issue for the button, not a second one saying it is unmapped.
      { path: '/buttons/0/type', message: 'button 0 is a URL button with a dynamic suffix, not quick_reply' },
    ]);
  });

  it('refuses a parameter for a URL button with a fixed URL', () => {
    const m = fitting({ buttons: [...(fitting().buttons ?? []), { index: 2, type: 'url', param: 'link.token' }] });
    expect(checkMappingAgainstLayout(m, LAYOUT)).toEqual([
      { path: '/buttons/2', message: 'button 2 is a URL button with a fixed URL: it takes no parameter, remove it from the mapping' },
    ]);
  });

  it('requires exactly one parameter for a dynamic URL button and a payload for each quick reply', () => {
    expect(checkMappingAgainstLayout(fitting({ buttons: [] }), LAYOUT)).toEqual([
      { path: '/buttons', message: 'button 0 is a URL button with a dynamic suffix and needs a parameter for its URL suffix' },
      { path: '/buttons', message: 'button 1 is a quick reply and needs a parameter for its payload' },
    ]);
    const twice = fitting({ buttons: [...(fitting().buttons ?? []), { index: 0, type: 'url', param: 'order.id' }] });
    expect(checkMappingAgainstLayout(twice, LAYOUT)).toEqual([
      { path: '/buttons/2/index', message: 'button 0 is mapped more than once; it takes exactly one parameter' },
    ]);
  });

  it('checks the paths of button parameters', () => {
    const m = fitting({
      buttons: [
        { index: 0, type: 'url', param: 'link.url' },
        { index: 1, type: 'quick_reply', param: { value: 'cod_confirm:{{order.ID}}' } },
      ],
    });
    expect(checkMappingAgainstLayout(m, LAYOUT)).toEqual([
      { path: '/buttons/0/param', message: '"link.url" is not a template path; see the documented template paths' },
      { path: '/buttons/1/param/value', message: 'placeholder {{order.ID}} is not a template path; see the documented template paths' },
    ]);
  });

  it('reports a layout that declares the same button twice', () => {
    const layout: TemplateLayout = { ...LAYOUT, buttons: [...(LAYOUT.buttons ?? []), { index: 1, type: 'quick_reply', dynamic: true }] };
    expect(checkMappingAgainstLayout(fitting(), layout)).toEqual([
      { path: '/layout/buttons/3/index', message: 'the layout declares button 1 twice' },
    ]);
  });

  it('reports every problem at once', () => {
    const m = fitting({ header: [], body: ['nope'], buttons: [] });
    expect(checkMappingAgainstLayout(m, LAYOUT).map((i) => i.path)).toEqual(['/header', '/body', '/body/0', '/buttons', '/buttons']);
  });
});
