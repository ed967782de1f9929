/**
 * What Node's HTTP parser refuses before Fastify sees a request (headers over Node's 16 KB,
 * a broken request line, a client too slow to send its headers), answered in the envelope
 * like every other failure; Fastify's default writes its own JSON shape. The connection is
 * closed afterwards, as Node and Fastify do: the parser cannot find the next request.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { failureBody, type FailureName } from './envelope.js';

function failureFor(code: string | undefined): { name: FailureName; message: string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { name: 'headersTooLarge', message: 'the request headers are over 16 KB' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { name: 'requestTimeout', message: 'the request took too long to arrive' };
  return { name: 'badPayload', message: 'not a well-formed HTTP/1.1 request' };
}

export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A connection reset leaves no one to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const { name, message } = failureFor(error.code);
    const failure = failureBody(name, { message });
    const body = JSON.stringify(failure);
    const statusCode = failure.statusCode;
    socket.write(
      `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
