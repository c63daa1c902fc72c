/**
 * The server side of Slack's Socket Mode for the simulator: a minimal WebSocket server (RFC 6455:
 * the upgrade handshake, text frames, ping/pong, close) written on node built-ins, and Slack's
 * envelope protocol on top (`hello`, then envelopes with an `envelope_id` that the app acks).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

type Envelope = { type: 'slash_commands' | 'interactive' | 'events_api'; payload: unknown; retry_attempt?: number; retry_reason?: string };

interface Conn {
  socket: Duplex;
  buffer: Buffer;
}

export class SocketModeServer {
  private readonly conns = new Set<Conn>();
  private readonly waiting = new Map<string, (payload: unknown) => void>();
  private connected?: () => void;
  private pinger?: NodeJS.Timeout;

  constructor(private readonly appId: string) {}

  /** Takes an HTTP upgrade request for the WebSocket URL `apps.connections.open` handed out. */
  handleUpgrade(req: IncomingMessage, socket: Duplex): void {
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string' || req.headers.upgrade?.toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    const conn: Conn = { socket, buffer: Buffer.alloc(0) };
    this.conns.add(conn);
    socket.on('data', (d: Buffer) => this.onData(conn, d));
    socket.on('close', () => this.conns.delete(conn));
    socket.on('error', () => this.conns.delete(conn));
    // Slack greets every connection, then pings it from time to time.
    this.sendText(conn, JSON.stringify({ type: 'hello', num_connections: this.conns.size, debug_info: { host: 'beacon-sim' }, connection_info: { app_id: this.appId } }));
    this.pinger ??= setInterval(() => {
      for (const c of this.conns) this.sendFrame(c, 0x9, Buffer.from('sim-ping'));
    }, 10_000);
    this.pinger.unref();
    this.connected?.();
  }

  /** Resolves once an app is connected. */
  async waitForConnection(timeoutMs = 10_000): Promise<void> {
    if (this.conns.size > 0) return;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no Socket Mode connection')), timeoutMs);
      this.connected = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  get connections(): number {
    return this.conns.size;
  }

  /**
   * Sends one envelope to a connected app and resolves with the payload of its ack (the app's
   * answer, as Slack would show it), or rejects if no ack comes within Slack's 3 seconds.
   */
  async deliver(envelope: Envelope, envelopeId = randomUUID()): Promise<unknown> {
    const conn = [...this.conns][0];
    if (!conn) throw new Error('SlackSimulator: no app is connected over Socket Mode');
    const acked = new Promise<unknown>((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting.delete(envelopeId);
        reject(new Error(`no ack for envelope ${envelopeId} within 3 s`));
      }, 3000);
      this.waiting.set(envelopeId, (payload) => {
        clearTimeout(t);
        resolve(payload);
      });
    });
    this.sendText(conn, JSON.stringify({ envelope_id: envelopeId, accepts_response_payload: envelope.type !== 'events_api', ...envelope }));
    return acked;
  }

  closeAll(): void {
    clearInterval(this.pinger);
    this.pinger = undefined;
    for (const c of this.conns) c.socket.destroy();
    this.conns.clear();
  }

  private onData(conn: Conn, data: Buffer): void {
    conn.buffer = Buffer.concat([conn.buffer, data]);
    for (;;) {
      const frame = parseFrame(conn.buffer);
      if (!frame) return;
      conn.buffer = conn.buffer.subarray(frame.length);
      if (frame.opcode === 0x1) this.onText(frame.payload.toString('utf8'));
      else if (frame.opcode === 0x9) this.sendFrame(conn, 0xa, frame.payload); // pong answers ping
      else if (frame.opcode === 0x8) {
        this.sendFrame(conn, 0x8, frame.payload.subarray(0, 2));
        conn.socket.end();
        this.conns.delete(conn);
        return;
      }
    }
  }

  private onText(text: string): void {
    let msg: { envelope_id?: string; payload?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return;
    }
    if (msg.envelope_id) this.waiting.get(msg.envelope_id)?.(msg.payload ?? {});
    if (msg.envelope_id) this.waiting.delete(msg.envelope_id);
  }

  private sendText(conn: Conn, text: string): void {
    this.sendFrame(conn, 0x1, Buffer.from(text, 'utf8'));
  }

  /** Server frames are never masked (RFC 6455 5.1). */
  private sendFrame(conn: Conn, opcode: number, payload: Buffer): void {
    const len = payload.length;
    let head: Buffer;
    if (len < 126) head = Buffer.from([0x80 | opcode, len]);
    else if (len < 65536) {
      head = Buffer.alloc(4);
      head[0] = 0x80 | opcode;
      head[1] = 126;
      head.writeUInt16BE(len, 2);
    } else {
      head = Buffer.alloc(10);
      head[0] = 0x80 | opcode;
      head[1] = 127;
      head.writeBigUInt64BE(BigInt(len), 2);
    }
    if (!conn.socket.destroyed) conn.socket.write(Buffer.concat([head, payload]));
  }
}

/** One complete client frame from the front of `buf` (client frames are masked), or null. */
function parseFrame(buf: Buffer): { opcode: number; payload: Buffer; length: number } | null {
  if (buf.length < 2) return null;
  const opcode = buf[0]! & 0x0f;
  const masked = (buf[1]! & 0x80) !== 0;
  let len = buf[1]! & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (buf.length < 4) return null;
    len = buf.readUInt16BE(2);
    offset = 4;
  } else if (len === 127) {
    if (buf.length < 10) return null;
    len = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  const maskLen = masked ? 4 : 0;
  if (buf.length < offset + maskLen + len) return null;
  const mask = masked ? buf.subarray(offset, offset + 4) : undefined;
  const payload = Buffer.from(buf.subarray(offset + maskLen, offset + maskLen + len));
  if (mask) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
  return { opcode, payload, length: offset + maskLen + len };
}
