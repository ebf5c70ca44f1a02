/** The server's side of every workload: what a stream gets, chosen by its first byte (app-protocol.mjs). */
import { encodeCount, Mode, payload, RPC_SIZE } from "../lib/app-protocol.mjs";

const REPLY = payload(0x72, RPC_SIZE);

/**
 * `stats` collects what the client may ask about later: the CPU the last 'A' stream cost this
 * process (W1) and how many idle streams are open (W6; `onIdle` is called on each new one).
 */
export function streamHandler(stats) {
  return (stream) => stream.start(new ServerStream(stream, stats));
}

/** One stream's server state; it is the stream's sink (a class, so an idle stream costs one small object). */
class ServerStream {
  constructor(stream, stats) {
    this.stream = stream;
    this.stats = stats;
    this.mode = 0;
    this.count = 0;
    this.cpu0 = null;
    this.t0 = 0;
  }

  data(chunk) {
    if (this.mode === 0 && chunk.length > 0) {
      this.mode = chunk[0];
      if (this.mode === Mode.Ack) {
        this.cpu0 = process.cpuUsage();
        this.t0 = performance.now();
      } else if (this.mode === Mode.Idle) {
        this.stats.idle++;
        this.stats.onIdle?.();
      }
    }
    this.count += chunk.length;
    if (this.mode === Mode.Echo) this.stream.write(chunk);
  }

  end() {
    const { stream, stats } = this;
    switch (this.mode) {
      case Mode.Ack: {
        const cpu = process.cpuUsage(this.cpu0);
        stats.lastAck = { bytes: this.count, cpuMs: (cpu.user + cpu.system) / 1000, ms: performance.now() - this.t0 };
        stream.write(encodeCount(this.count));
        break;
      }
      case Mode.Rpc:
        stream.write(REPLY);
        break;
    }
    stream.end();
  }

  error() {
    // A stream cut short (the client exited): nothing to answer.
  }
}
