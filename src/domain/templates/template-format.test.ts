import { describe, expect, it } from 'vitest';
import type { LineItem } from '../events/model.js';
import {
  plainAmount,
  cancelReasonText,
  formatDate,
  formatMoney,
  itemCount,
  safeLocale,
  summarizeItems,
} from './template-format.js';

function item(title: string, quantity = 1): LineItem {
  return { title, variantTitle: null, quantity, price: null, sku: null, productId: null, variantId: null, imageUrl: null };
}

describe('formatMoney', () => {
  it('formats INR, USD and other currencies with their symbols and digits', () => {
    expect(formatMoney('180.0', 'INR', 'en-IN')).toBe('₹180.00');
    expect(formatMoney('1499.5', 'USD', 'en-US')).toBe('$1,499.50');
    expect(formatMoney('123456.7', 'INR', 'en-IN')).toBe('₹1,23,456.70');
    expect(formatMoney('1500', 'JPY', 'en-US')).toBe('¥1,500');
  });

  it('keeps every digit of a total too large for a double', () => {
    expect(formatMoney('12345678901234567.89', 'INR', 'en-IN')).toBe('₹12,34,56,78,90,12,34,567.89');
    expect(formatMoney('98,76,54,32,10,98,76,543.21', null, 'en-IN')).toBe('98,76,54,32,10,98,76,543.21');
    expect(formatMoney('0', 'INR', 'en-IN')).toBe('₹0.00');
  });

  it('gives the plain amount with two decimals when there is no currency', () => {
    expect(formatMoney('180', null, 'en-IN')).toBe('180.00');
    expect(formatMoney('1499.5', null, 'en-US')).toBe('1,499.50');
  });

  it('reads amounts with grouping commas and spaces', () => {
    expect(formatMoney(' 1,499.00 ', 'INR', 'en-IN')).toBe('₹1,499.00');
  });

  it('shows a currency code Intl refuses in front of the amount', () => {
    expect(formatMoney('180', 'Rs.', 'en-IN')).toBe('Rs. 180.00');
  });

  it('gives null for no amount or one that is not a number, so the fallback applies', () => {
    expect(formatMoney(null, 'INR', 'en-IN')).toBeNull();
    expect(formatMoney('free', 'INR', 'en-IN')).toBeNull();
    expect(formatMoney('', 'INR', 'en-IN')).toBeNull();
  });
});

describe('safeLocale', () => {
  it('keeps a valid locale, canonicalised, and defaults to en-IN otherwise', () => {
    expect(safeLocale('en-us')).toBe('en-US');
    expect(safeLocale(undefined)).toBe('en-IN');
    expect(safeLocale('not a locale!')).toBe('en-IN');
  });
});

describe('formatDate', () => {
  it('formats in the given time zone', () => {
    expect(formatDate('2021-10-25T20:00:00Z', 'en-IN', 'Asia/Kolkata')).toBe('26 Oct 2021');
    expect(formatDate('2021-10-25T20:00:00Z', 'en-IN', 'UTC')).toBe('25 Oct 2021');
    expect(formatDate('2021-10-25T20:00:00Z', 'en-US', 'UTC')).toBe('Oct 25, 2021');
  });

  it('falls back to UTC for an unknown zone and gives null for an unreadable time', () => {
    expect(formatDate('2021-10-25T20:00:00Z', 'en-IN', 'Mars/Olympus')).toBe('25 Oct 2021');
    expect(formatDate('yesterday', 'en-IN', 'UTC')).toBeNull();
  });
});

describe('summarizeItems', () => {
  it('names up to three lines, with quantities above one', () => {
    expect(summarizeItems([item('Blue Tee', 2)])).toBe('Blue Tee × 2');
    expect(summarizeItems([item('Blue Tee', 2), item('Cap')])).toBe('Blue Tee × 2 and Cap');
    expect(summarizeItems([item('Blue Tee', 2), item('Cap'), item('Socks', 3)])).toBe('Blue Tee × 2, Cap and Socks × 3');
  });

  it('names two lines and counts the rest of a longer list', () => {
    const five = [item('Blue Tee', 2), item('Cap'), item('Socks'), item('Belt'), item('Scarf')];
    expect(summarizeItems(five)).toBe('Blue Tee × 2, Cap and 3 more');
    expect(summarizeItems(five.slice(0, 4))).toBe('Blue Tee × 2, Cap and 2 more');
  });

  it('stays within 100 characters, naming fewer lines when titles are long', () => {
    const long = 'Handwoven Organic Cotton Kurta with Mirror Work';
    const text = summarizeItems([item(long, 2), item(long), item(long)]);
    expect(text).toBe(`${long} × 2 and 2 more`);
    expect(text?.length).toBeLessThanOrEqual(100);
  });

  it('cuts a single title too long to fit, keeping its quantity and the count of the rest', () => {
    const huge = 'Limited Edition '.repeat(10).trim();
    const one = summarizeItems([item(huge, 2)]);
    expect(one).toHaveLength(100);
    expect(one?.endsWith('… × 2')).toBe(true);
    const many = summarizeItems([item(huge), item('Cap'), item('Socks'), item('Belt')]);
    expect(many).toBe(`${huge.slice(0, 87)}… and 3 more`);
    expect(many?.length).toBeLessThanOrEqual(100);
  });

  it('leaves out removed lines and names untitled ones "Item"; nothing bought gives null', () => {
    expect(summarizeItems([item('Gone', 0), item('  ', 1)])).toBe('Item');
    expect(summarizeItems([])).toBeNull();
    expect(summarizeItems([item('Gone', 0)])).toBeNull();
  });
});

describe('itemCount', () => {
  it('adds up quantities; null without items', () => {
    expect(itemCount([item('A', 2), item('B'), item('C', 0)])).toBe(3);
    expect(itemCount([])).toBeNull();
  });
});

describe('cancelReasonText', () => {
  it("translates Shopify's codes and keeps free text", () => {
    expect(cancelReasonText('customer')).toBe('Cancelled at your request');
    expect(cancelReasonText('FRAUD')).toBe('Payment could not be verified');
    expect(cancelReasonText('Address not serviceable')).toBe('Address not serviceable');
    expect(cancelReasonText('constructor')).toBe('constructor');
    expect(cancelReasonText(null)).toBeNull();
  });
});

describe('plainAmount', () => {
  it('writes a number with two decimals, however the store wrote it; not a number is null', () => {
    expect(plainAmount('180.0')).toBe('180.00');
    expect(plainAmount(' 1,499.5 ')).toBe('1499.50');
    expect(plainAmount('12')).toBe('12.00');
    expect(plainAmount('free')).toBeNull();
    expect(plainAmount(null)).toBeNull();
  });

  it('keeps every digit of a total too large for a double', () => {
    expect(plainAmount('12345678901234567.89')).toBe('12345678901234567.89');
    expect(plainAmount('1e3')).toBe('1000.00');
  });
});
