/** The page: one streamux session over a WebSocket to the server; a stream per request. */
import type { Session } from "streamux";
import { connect } from "streamux/websocket";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const input = $<HTMLTextAreaElement>("input");
const output = $<HTMLPreElement>("output");
const status = $<HTMLParagraphElement>("status");
const sortButton = $<HTMLButtonElement>("sort");
const manyButton = $<HTMLButtonElement>("many");

const encoder = new TextEncoder();

/** One request to the TCP service: a stream, the lines, a half-close, and the answer to its end. */
async function sortRemotely(session: Session, lines: string): Promise<string> {
  // A deadline: past 10 s the request gives up with a TimeoutError instead of waiting forever.
  const signal = AbortSignal.timeout(10_000);
  const stream = await session.open({ signal });
  try {
    const writer = stream.writable.getWriter();
    await writer.write(encoder.encode(lines));
    await writer.close(); // FIN: the service answers once it has everything
    let answer = "";
    const decoder = new TextDecoder();
    const collect = new WritableStream<Uint8Array>({ write: (chunk) => void (answer += decoder.decode(chunk, { stream: true })) });
    await stream.readable.pipeTo(collect, { signal });
    return answer;
  } catch (err) {
    stream.reset(); // given up: the server drops its TCP connection too
    throw err;
  }
}

const session = await connect(new URL("/mux", location.href.replace(/^http/, "ws")));
status.textContent = "connected: one WebSocket, one streamux session";
sortButton.disabled = manyButton.disabled = false;

session.closed.then((info) => {
  sortButton.disabled = manyButton.disabled = true;
  status.textContent = `session closed: code ${info.code} (${info.reason}), clean: ${info.clean}`;
});

sortButton.addEventListener("click", async () => {
  try {
    output.textContent = await sortRemotely(session, input.value);
    status.textContent = `sorted by the TCP service (${session.stats().streamsOpened} streams so far)`;
  } catch (err) {
    status.textContent = `failed: ${String(err)}`;
  }
});

manyButton.addEventListener("click", async () => {
  const started = performance.now();
  const lists = Array.from({ length: 20 }, (_, i) => Array.from({ length: 50 }, (_, j) => `${(i * 7919 + j * 104729) % 1000}`));
  try {
    const answers = await Promise.all(lists.map((list) => sortRemotely(session, list.join("\n"))));
    const right = answers.every((answer, i) => answer === [...lists[i]!].sort().join("\n"));
    status.textContent = `20 streams at once: ${right ? "all sorted" : "WRONG ANSWER"} in ${(performance.now() - started).toFixed(0)} ms`;
  } catch (err) {
    status.textContent = `failed: ${String(err)}`;
  }
});
