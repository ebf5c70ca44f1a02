/**
 * The one shape every contender's streams are driven through, so the workloads are written once.
 * It mirrors a Node socket's callbacks (cheap for every contender: a WHATWG stream feeds it from
 * its reader loop, a Node stream from its events):
 *
 *   interface BenchStream {
 *     write(chunk: Uint8Array): boolean;   // false: wait for drain() before writing more
 *     drain(): Promise<void>;              // resolves when writing may go on (or the stream died)
 *     end(): void;                         // half-close: no more writes, reading goes on
 *     start(sink: { data(chunk), end(), error(err) }): void;   // begin reading; call once;
 *                                          // the sink's methods are called as methods
 *     dispose?(): void;                    // release the stream once both directions are done
 *   }
 *
 *   contender.listen(onStream, options) -> Promise<{ port }>      (server process)
 *   contender.connect(port, options)    -> Promise<{ open(): Promise<BenchStream>, close() }>
 *
 * The wrappers allocate nothing per stream beyond themselves (shared listener functions, lazy
 * writers): W6 measures heap per idle stream, and the benchmark's own share should be small.
 */

const noop = () => {};
const SINK = Symbol("sink");

// Shared listeners: Node calls them with `this` set to the emitting stream.
function onDuplexData(chunk) {
  this[SINK].data(chunk);
}
function onDuplexEnd() {
  this[SINK].end();
}
function onDuplexError(err) {
  this[SINK]?.error(err);
}

/** A BenchStream over a Node Duplex (net.Socket, an http2 stream). */
export function duplexStream(d, beforeWrite = null) {
  return new DuplexBenchStream(d, beforeWrite);
}

class DuplexBenchStream {
  constructor(d, beforeWrite) {
    this.d = d;
    this.beforeWrite = beforeWrite;
    // Attached at once: an error before reading starts must not crash the process.
    d.on("error", onDuplexError);
  }

  write(chunk) {
    this.beforeWrite?.(this.d);
    return this.d.write(chunk);
  }

  drain() {
    const d = this.d;
    if (d.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        d.off("drain", done);
        d.off("close", done);
        resolve();
      };
      d.on("drain", done);
      d.on("close", done);
    });
  }

  end() {
    this.beforeWrite?.(this.d);
    this.d.end();
  }

  start(sink) {
    this.d[SINK] = sink;
    this.d.on("data", onDuplexData);
    this.d.once("end", onDuplexEnd);
  }

  // No dispose(): the stream closes by itself once both sides have ended. Destroying it early
  // would send an http2 RST_STREAM, which nghttp2 counts against its rapid-reset limit.
}

/** A BenchStream over a WHATWG stream pair (a streamux MuxStream). */
export function webStream(s) {
  return new WebBenchStream(s);
}

class WebBenchStream {
  constructor(s) {
    this.s = s;
    this.writer = null;
  }

  write(chunk) {
    const writer = (this.writer ??= this.s.writable.getWriter());
    writer.write(chunk).catch(noop);
    const size = writer.desiredSize;
    return size !== null && size > 0;
  }

  drain() {
    return (this.writer ??= this.s.writable.getWriter()).ready.catch(noop);
  }

  end() {
    (this.writer ??= this.s.writable.getWriter()).close().catch(noop);
  }

  start(sink) {
    readLoop(this.s.readable.getReader(), sink).catch((err) => sink.error(err));
  }
}

async function readLoop(reader, sink) {
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return sink.end();
    sink.data(value);
  }
}

/**
 * A BenchStream over a MuxStream's direct API (read(), write(), closeWrite()): no WHATWG stream
 * objects, which cost tens of microseconds and several kilobytes each on Node 20.
 */
export function muxStream(s) {
  return new MuxBenchStream(s);
}

/** Writes in flight before write() asks the caller to wait (256 KiB of 64 KiB writes, less than a loopback socket buffers in the kernel). */
const MUX_WRITES_IN_FLIGHT = 4;

class MuxBenchStream {
  constructor(s) {
    this.s = s;
    this.inFlight = 0;
    this.drained = null;
    this.onWritten = () => {
      this.inFlight--;
      const d = this.drained;
      this.drained = null;
      d?.();
    };
  }

  write(chunk) {
    this.inFlight++;
    this.s.write(chunk).then(this.onWritten, this.onWritten);
    return this.inFlight < MUX_WRITES_IN_FLIGHT;
  }

  drain() {
    if (this.inFlight < MUX_WRITES_IN_FLIGHT) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }

  end() {
    this.s.closeWrite().catch(noop);
  }

  start(sink) {
    muxReadLoop(this.s, sink).catch((err) => sink.error(err));
  }
}

async function muxReadLoop(s, sink) {
  for (let chunk; (chunk = await s.read()) !== null; ) sink.data(chunk);
  sink.end();
}
