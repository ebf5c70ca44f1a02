import { concat } from "../util/bytes.js";
import { noop } from "../util/deferred.js";
import type { Link, LinkSink, Transport } from "./link.js";

/** A Link over a WHATWG transport: how a transport without a link of its own is driven. */
export function linkFromStreams(transport: Transport): Link {
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  let sink: LinkSink | null = null;
  let paused: { promise: Promise<void>; resume: () => void } | null = null;
  let failed = false;

  const fail = (err: unknown) => {
    if (failed) return;
    failed = true;
    sink?.error(err);
  };

  const readLoop = async (r: ReadableStreamDefaultReader<Uint8Array>, s: LinkSink) => {
    try {
      for (;;) {
        if (paused) await paused.promise;
        const { value, done } = await r.read();
        if (done) return s.end();
        const chunk = toUint8Array(value);
        if (chunk.length) s.data(chunk);
      }
    } catch (err) {
      fail(err);
    }
  };

  const closeUnderlying = async () => {
    try {
      await transport.close?.();
    } catch {
      // The connection is going away either way.
    }
  };

  return {
    start(s) {
      sink = s;
      reader = transport.readable.getReader();
      writer = transport.writable.getWriter();
      writer.closed.catch(fail);
      void readLoop(reader, s);
    },
    write(parts, done) {
      // A WritableStream may queue chunks by reference for as long as its strategy allows and
      // tells us nothing when it lets go of them; the parts may be the application's own bytes.
      // So this path copies: one joined chunk per flush (also one write), owned from here on.
      const w = writer!;
      w.write(concat(parts)).catch(fail);
      done();
      const size = w.desiredSize;
      if (size !== null && size > 0) return true;
      w.ready.then(() => sink?.drain(), noop);
      return false;
    },
    pause() {
      if (paused) return;
      let resume!: () => void;
      const promise = new Promise<void>((r) => (resume = r));
      paused = { promise, resume };
    },
    resume() {
      const p = paused;
      paused = null;
      p?.resume();
    },
    async end() {
      try {
        await writer?.close();
      } catch {
        // Already errored or closed: nothing more can be sent anyway.
      }
      reader?.cancel().catch(noop);
      await closeUnderlying();
    },
    destroy() {
      writer?.abort().catch(noop);
      reader?.cancel().catch(noop);
      void closeUnderlying();
    },
  };
}

function toUint8Array(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError("transport produced a chunk that is not bytes");
}
