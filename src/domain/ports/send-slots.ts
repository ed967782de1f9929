/**
 * Pacing slots for sends: a phone number's throughput, a customer's pair rate. Every process
 * that sends must draw from the same slots, or N worker processes send N times the rate Meta
 * allows. Slots are taken all together or not at all.
 */

export interface SlotRequest {
  /** What is paced: a phone number id, a number and a recipient. */
  key: string;
  perSecond: number;
  /** Slots that may go at once before spacing starts (1: exactly 1/perSecond apart). */
  burst?: number;
  /** The longest wait the caller would spend for this slot; beyond it, nothing is taken. */
  maxWaitMs: number;
}

export type SlotGrant =
  /** Every slot is taken; the send is due in `waitMs` (0: now). */
  | { taken: true; waitMs: number }
  /** Nothing is taken: `key`'s next slot is `waitMs` away, more than its caller would wait. */
  | { taken: false; key: string; waitMs: number };

export interface SendSlots {
  take(requests: readonly SlotRequest[]): Promise<SlotGrant>;
}
