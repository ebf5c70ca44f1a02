/**
 * A BenchStream over one browser WebSocket: binary messages are the chunks, an empty message is
 * EOF, as the server's `/raw` side speaks. A browser WebSocket says nothing when its send buffer
 * empties, so backpressure is what a page can do: stop while bufferedAmount is above HIGH_WATER,
 * and look again on the next macrotask until it is back under. (Sending everything at once, a
 * timer instead of the macrotask, or an 8 MiB or 16 KiB mark all measured the same here.)
 */
import type { BenchStream, StreamSink } from "../../lib/bench-stream.js";

const HIGH_WATER = 1024 * 1024;
const EMPTY = new Uint8Array(0);

export async function openSocketStream(url: string): Promise<BenchStream> {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("close", () => reject(new Error(`WebSocket to ${url} closed before it opened`)), { once: true });
  });
  return new SocketStream(ws);
}

/** A macrotask without timer clamping (setTimeout is held to 4 ms once nested). */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

class SocketStream implements BenchStream {
  private ended = false;

  constructor(private readonly ws: WebSocket) {}

  write(chunk: Uint8Array): boolean {
    this.ws.send(chunk as Uint8Array<ArrayBuffer>);
    return this.ws.bufferedAmount < HIGH_WATER;
  }

  async drain(): Promise<void> {
    while (this.ws.readyState === WebSocket.OPEN && this.ws.bufferedAmount >= HIGH_WATER) await nextTask();
  }

  end(): void {
    this.ws.send(EMPTY);
  }

  start(sink: StreamSink): void {
    const finish = () => {
      if (this.ended) return;
      this.ended = true;
      sink.end();
    };
    this.ws.addEventListener("message", (event: MessageEvent<ArrayBuffer>) => {
      if (event.data.byteLength === 0) finish();
      else sink.data(new Uint8Array(event.data));
    });
    this.ws.addEventListener("close", finish);
  }

  dispose(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close();
  }
}
