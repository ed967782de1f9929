import { describe, expect, it } from 'vitest';
import { trackingFromInfo, trackingOf } from './tracking.js';

describe('trackingOf', () => {
  it('prefers singular fields, then arrays, then trackingInfo', () => {
    expect(trackingOf({ tracking_number: 'A', tracking_numbers: ['B'], trackingInfo: { number: 'C' } })?.number).toBe('A');
    expect(trackingOf({ tracking_numbers: ['B'], trackingInfo: { number: 'C' } })?.number).toBe('B');
    expect(trackingOf({ trackingInfo: { number: 'C' } })?.number).toBe('C');
  });
  it('names every parcel of a shipment sent in several, once each, in the order given', () => {
    expect(trackingOf({ tracking_number: 'A', tracking_numbers: ['A', 'B', '', 'A', 'C'] })?.number).toBe('A, B, C');
    expect(trackingOf({ trackingNumbers: ['X1', 'X2'] })?.number).toBe('X1, X2');
    expect(trackingOf({ trackingInfo: [{ number: 'G1', company: 'DHL' }, { number: 'G2' }] })).toMatchObject({ number: 'G1, G2', company: 'DHL' });
    // One parcel listed twice is one number.
    expect(trackingOf({ tracking_number: 'A', tracking_numbers: ['A', 'A'] })?.number).toBe('A');
  });
  it('is null when nothing is known', () => {
    expect(trackingOf({ tracking_company: '', tracking_numbers: [], trackingInfo: [] })).toBeNull();
  });
});

describe('trackingFromInfo', () => {
  it('reads a URL as the link and other text as the number', () => {
    expect(trackingFromInfo('https://t.example/1')).toEqual({ company: null, number: null, url: 'https://t.example/1' });
    expect(trackingFromInfo('AWB 77')).toEqual({ company: null, number: 'AWB 77', url: null });
  });
  it('reads an object and ignores empties', () => {
    expect(trackingFromInfo({ carrier: 'DTDC', awb: 'D1' })).toEqual({ company: 'DTDC', number: 'D1', url: null });
    expect(trackingFromInfo({})).toBeNull();
    expect(trackingFromInfo('')).toBeNull();
    expect(trackingFromInfo(null)).toBeNull();
  });
});
