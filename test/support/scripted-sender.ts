/**
 * A MessageSender for pipeline tests that records every request and answers from a script
 * (default: accepted with a fresh wamid). Faithful HTTP behaviour is tested against the
 * sandbox; this one lets a test say "the next send gets 131000".
 */
import type { MessageSender, OutgoingMessage, SendOutcome, SenderAccount } from '../../src/domain/ports/message-sender.js';
import { classifyMetaError } from '../../src/whatsapp/error-classification.js';

export interface SentRequest {
  account: SenderAccount;
  message: OutgoingMessage;
}

export class ScriptedSender implements MessageSender {
  readonly sent: SentRequest[] = [];
  private readonly script: SendOutcome[] = [];
  private counter = 0;
  private readonly wamids = new Map<string, string>();

  /** The next accepted send to `to` gets this wamid. */
  nextWamid(to: string, wamid: string): void {
    this.wamids.set(to, wamid);
  }

  /** The next sends fail with these Meta error codes (HTTP status as Meta would give it). */
  failNext(...codes: number[]): void {
    for (const code of codes) {
      const status = code === 190 ? 401 : code === 131000 ? 500 : 400;
      this.script.push(classifyMetaError(status, code, `scripted ${code}`));
    }
  }

  /** The next sends get no answer (a timeout): Meta may or may not have the message. */
  timeoutNext(times = 1): void {
    for (let i = 0; i < times; i++) this.script.push({ kind: 'retry', code: null, reason: 'timeout: no answer in 10000 ms', scope: 'message', retryAfterMs: null });
  }

  async send(account: SenderAccount, message: OutgoingMessage): Promise<SendOutcome> {
    this.sent.push({ account, message });
    const next = this.script.shift();
    if (next !== undefined) return next;
    this.counter += 1;
    const wamid = this.wamids.get(message.to) ?? `wamid.TEST${this.counter}`;
    this.wamids.delete(message.to);
    return { kind: 'accepted', messageId: wamid, recipientId: message.to };
  }

  to(digits: string): SentRequest[] {
    return this.sent.filter((s) => s.message.to === digits);
  }
}
