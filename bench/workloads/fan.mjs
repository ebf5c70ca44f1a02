/**
 * W4 fan: `streams` streams opened at once, each uploading `size` bytes and half-closing; done
 * when the last ack is in. Total time and throughput.
 */
import { decodeCount, MiB, Mode, payload, readAll } from "../lib/app-protocol.mjs";

export async function run(conn, { streams, size }) {
  const body = payload(Mode.Ack, size);
  const one = async () => {
    const stream = await conn.open();
    const ack = readAll(stream);
    if (!stream.write(body)) await stream.drain();
    stream.end();
    const count = decodeCount(await ack);
    if (count !== size) throw new Error(`server counted ${count} bytes, sent ${size}`);
    stream.dispose?.();
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: streams }, one));
  const ms = performance.now() - t0;
  return { ms, mibps: (streams * size) / MiB / (ms / 1000) };
}
