import { describe, expect, it } from 'vitest';
import {
  address,
  bool,
  idOf,
  int,
  isoTime,
  lineItem,
  lineItems,
  listOf,
  money,
  pick,
  pickStr,
  requireId,
  splitName,
  str,
  unwrap,
} from './fields.js';
import type { PayloadIssue } from './model.js';

describe('str', () => {
  it('trims strings and treats blank as absent', () => {
    expect(str('  Asha ')).toBe('Asha');
    expect(str('   ')).toBeNull();
    expect(str('')).toBeNull();
  });
  it('replaces half a surrogate pair with U+FFFD and keeps whole emoji', () => {
    expect(str('Asha \ud800')).toBe('Asha \ufffd');
    expect(str('\udc00 Rao')).toBe('\ufffd Rao');
    expect(str('Gift 🎁')).toBe('Gift 🎁');
  });
  it('turns finite numbers into strings and refuses everything else', () => {
    expect(str(180.5)).toBe('180.5');
    expect(str(0)).toBe('0');
    expect(str(Number.NaN)).toBeNull();
    expect(str(Infinity)).toBeNull();
    expect(str(true)).toBeNull();
    expect(str({})).toBeNull();
    expect(str(null)).toBeNull();
  });
});

describe('idOf', () => {
  it('keeps string ids exactly, including ones above 2^53', () => {
    expect(idOf('5735266369709823012')).toBe('5735266369709823012');
    expect(idOf(' gid://shopify/Order/1 ')).toBe('gid://shopify/Order/1');
  });
  it('accepts safe integers and bigints', () => {
    expect(idOf(4331283087516)).toBe('4331283087516');
    expect(idOf(5735266369709823012n)).toBe('5735266369709823012');
  });
  it('refuses numbers that already lost precision, fractions, blanks and objects', () => {
    expect(idOf(2 ** 53 + 2)).toBeNull();
    expect(idOf(12.5)).toBeNull();
    expect(idOf('')).toBeNull();
    expect(idOf({ id: 1 })).toBeNull();
    expect(idOf(true)).toBeNull();
  });
});

describe('requireId', () => {
  it('reports a missing id at the first key, or at missingKey', () => {
    const issues: PayloadIssue[] = [];
    expect(requireId({}, ['order_id', 'orderId'], issues)).toBeNull();
    expect(requireId({}, ['order_id', 'id'], issues, { missingKey: 'id', prefix: '/x' })).toBeNull();
    expect(issues).toEqual([
      { path: '/order_id', message: 'is required' },
      { path: '/x/id', message: 'is required' },
    ]);
  });
  it('lets the first present key decide even when its value is bad', () => {
    const issues: PayloadIssue[] = [];
    expect(requireId({ order_id: {}, id: '1' }, ['order_id', 'id'], issues)).toBeNull();
    expect(issues).toEqual([{ path: '/order_id', message: 'must be a string or number' }]);
  });
  it('skips null keys and explains unsafe numbers', () => {
    const issues: PayloadIssue[] = [];
    expect(requireId({ order_id: null, id: 7 }, ['order_id', 'id'], issues)).toEqual({ key: 'id', id: '7' });
    expect(requireId({ id: 2 ** 60 }, ['id'], issues)).toBeNull();
    expect(requireId({ id: ' ' }, ['id'], issues)).toBeNull();
    expect(issues.map((i) => i.message)).toEqual([
      'is a number too large to keep exactly; send it as a string',
      'must not be empty',
    ]);
  });
});

describe('bool and int', () => {
  it('reads booleans from booleans, 0/1 and words', () => {
    expect(bool(false)).toBe(false);
    expect(bool('TRUE')).toBe(true);
    expect(bool('no')).toBe(false);
    expect(bool(1)).toBe(true);
    expect(bool(0)).toBe(false);
    expect(bool('maybe')).toBeNull();
    expect(bool(null)).toBeNull();
  });
  it('reads integers from numbers and numeric strings only', () => {
    expect(int(3)).toBe(3);
    expect(int(' 2 ')).toBe(2);
    expect(int('2.0')).toBe(2);
    expect(int('-1')).toBe(-1);
    expect(int(2.5)).toBeNull();
    expect(int('2.5')).toBeNull();
    expect(int('two')).toBeNull();
    expect(int('')).toBeNull();
  });
});

describe('isoTime', () => {
  it('normalises ISO strings with offsets to UTC with milliseconds', () => {
    expect(isoTime('2021-10-23T15:40:19Z')).toBe('2021-10-23T15:40:19.000Z');
    expect(isoTime('2024-03-05T18:42:11+05:30')).toBe('2024-03-05T13:12:11.000Z');
    expect(isoTime('2024-03-05T18:42:11+0530')).toBe('2024-03-05T13:12:11.000Z');
    expect(isoTime('2024-03-07T08:01:00-04:00')).toBe('2024-03-07T12:01:00.000Z');
    expect(isoTime('2021-10-23T15:40:19.123456Z')).toBe('2021-10-23T15:40:19.123Z');
  });
  it('reads a time without offset as UTC, whatever the server zone', () => {
    expect(isoTime('2021-10-23 15:40:19')).toBe('2021-10-23T15:40:19.000Z');
    expect(isoTime('2021-10-23T15:40')).toBe('2021-10-23T15:40:00.000Z');
    expect(isoTime('2021-10-23')).toBe('2021-10-23T00:00:00.000Z');
  });
  it('reads unix seconds and milliseconds, as numbers or numeric strings', () => {
    expect(isoTime(1709633400)).toBe('2024-03-05T10:10:00.000Z');
    expect(isoTime(1709633400123)).toBe('2024-03-05T10:10:00.123Z');
    expect(isoTime('1709633400')).toBe('2024-03-05T10:10:00.000Z');
    expect(isoTime('1709633400123')).toBe('2024-03-05T10:10:00.123Z');
  });
  it('returns null for garbage and impossible dates', () => {
    for (const bad of ['0050-01-01T00:00:00Z', 'yesterday', '1 Jan', '2021-02-30', '2021-13-01', '2021-10-23T25:00:00Z', '', 'NaN', null, {}, Infinity, true]) {
      expect(isoTime(bad), JSON.stringify(bad)).toBeNull();
    }
  });
});

describe('pick and pickStr', () => {
  it('pick returns the first present non-null value, keeping falsy ones', () => {
    expect(pick({ a: null, b: 0, c: 2 }, 'a', 'b', 'c')).toBe(0);
    expect(pick({ a: '' , b: 'x' }, 'a', 'b')).toBe('');
    expect(pick({ a: undefined }, 'a')).toBeNull();
    expect(pick('not an object', 'a')).toBeNull();
  });
  it('pickStr skips blank and non-string values', () => {
    expect(pickStr({ a: ' ', b: {}, c: 42 }, 'a', 'b', 'c')).toBe('42');
  });
});

describe('address', () => {
  it('reads Shopify snake_case addresses', () => {
    expect(address({ first_name: 'Asha', last_name: 'Verma', address1: '12 MG Rd', city: 'Pune', zip: '411001', phone: '+91 11111 11111' })).toEqual({
      name: 'Asha Verma', firstName: 'Asha', lastName: 'Verma', phone: '+91 11111 11111', address1: '12 MG Rd',
      address2: null, city: 'Pune', province: null, country: null, countryCode: null, zip: '411001',
    });
  });
  it('reads camelCase and WooCommerce spellings', () => {
    const a = address({ firstName: 'Ravi', lastName: 'K', address_1: 'Flat 4', address_2: 'Sec 5', state: 'UP', countryCode: 'IN', postcode: '201301' });
    expect(a).toMatchObject({ firstName: 'Ravi', lastName: 'K', name: 'Ravi K', address1: 'Flat 4', address2: 'Sec 5', province: 'UP', country: 'IN', countryCode: 'IN', zip: '201301' });
  });
  it('is null for non-objects and objects that carry nothing', () => {
    expect(address(null)).toBeNull();
    expect(address('12 MG Road')).toBeNull();
    expect(address({ country: null, zip: '' })).toBeNull();
  });
});

describe('splitName', () => {
  it('splits into first word and the rest', () => {
    expect(splitName('Ravi Kumar Singh')).toEqual({ first: 'Ravi', last: 'Kumar Singh' });
    expect(splitName('Cher')).toEqual({ first: 'Cher', last: null });
    expect(splitName(null)).toEqual({ first: null, last: null });
  });

  it('skips leading words with no letter (an emoji, a dash): they are no first name', () => {
    expect(splitName('😀 Ananya Sharma')).toEqual({ first: 'Ananya', last: 'Sharma' });
    expect(splitName('🎁 — राज कुमार')).toEqual({ first: 'राज', last: 'कुमार' });
    expect(splitName('😀 🎉')).toEqual({ first: null, last: null });
  });
});

describe('lineItem', () => {
  it('reads a Shopify REST line item, with big ids kept as strings', () => {
    expect(lineItem({ title: 'Kurta', variant_title: 'M', quantity: 2, price: '599.00', sku: 'K-M', product_id: '7412345678901234567', variant_id: 42 })).toEqual({
      title: 'Kurta', variantTitle: 'M', quantity: 2, price: '599.00', sku: 'K-M',
      productId: '7412345678901234567', variantId: '42', imageUrl: null,
    });
  });
  it('reads a BusinessOnBot line item from product/variant/image', () => {
    expect(lineItem({
      image: { originalSrc: 'https://cdn/x.png' }, product: { id: 'P1', title: 'Tea' },
      variant: { id: 'V1', title: '250 g', price: '90.00', sku: 'TEA' }, quantity: 3,
    })).toEqual({
      title: 'Tea', variantTitle: '250 g', quantity: 3, price: '90.00', sku: 'TEA',
      productId: 'P1', variantId: 'V1', imageUrl: 'https://cdn/x.png',
    });
  });
  it("drops Shopify's 'Default Title', defaults quantity to 1 and names untitled items", () => {
    const item = lineItem({ variant_title: 'Default Title', quantity: 'lots' });
    expect(item).toMatchObject({ title: 'Item', variantTitle: null, quantity: 1 });
    expect(lineItem({ name: 'Bottle', quantity: '4' })).toMatchObject({ title: 'Bottle', quantity: 4 });
  });
  it('lineItems skips non-objects and reads GraphQL connections', () => {
    expect(lineItems([{ title: 'A' }, 'junk', null]).map((i) => i.title)).toEqual(['A']);
    expect(lineItems({ edges: [{ node: { title: 'B' } }] }).map((i) => i.title)).toEqual(['B']);
    expect(listOf({ nodes: [1, 2] })).toEqual([1, 2]);
    expect(lineItems('nope')).toEqual([]);
  });
});

describe('money', () => {
  it('reads plain amounts and GraphQL money objects', () => {
    expect(money('180.0')).toBe('180.0');
    expect(money(99.5)).toBe('99.5');
    expect(money({ amount: '10.00', currencyCode: 'INR' })).toBe('10.00');
    expect(money({ shopMoney: { amount: '12.00' } })).toBe('12.00');
    expect(money({})).toBeNull();
  });
});

describe('unwrap', () => {
  it('unwraps a wrapper without its own id and keeps the wrapper in paths', () => {
    expect(unwrap({ order: { id: 1 } }, 'order')).toEqual({ obj: { id: 1 }, prefix: '/order' });
    const bare = { id: 2, order: { id: 1 } };
    expect(unwrap(bare, 'order')).toEqual({ obj: bare, prefix: '' });
  });
});
