/**
 * The contenders. `group` says which table a contender belongs to: the TCP multiplexers are
 * compared with `raw` TCP, the WebSocket ones with `ws` (raw WebSocket messages).
 */
export const CONTENDERS = {
  raw: { group: "tcp", module: "./raw.mjs", label: "raw (node:net, 1 conn/stream)" },
  http2: { group: "tcp", module: "./http2.mjs", label: "node:http2 h2c (defaults)" },
  "http2-tuned": { group: "tcp", module: "./http2.mjs", options: { tuned: true }, label: "node:http2 h2c (1 MiB/16 MiB windows)" },
  yamux: { group: "tcp", module: "./yamux.mjs", label: "@chainsafe/libp2p-yamux" },
  streamux: { group: "tcp", module: "./streamux.mjs", label: "streamux (streamux/node, read()/write())" },
  "streamux-web": { group: "tcp", module: "./streamux.mjs", options: { api: "web" }, label: "streamux (streamux/node, WHATWG readable/writable)" },
  ws: { group: "ws", module: "./ws.mjs", label: "raw ws messages" },
  "streamux-ws": { group: "ws", module: "./streamux-ws.mjs", label: "streamux (streamux/websocket)" },
};

/** The contender every ratio of its group is taken against. */
export const BASELINE = { tcp: "raw", ws: "ws" };

export async function loadContender(name) {
  const entry = CONTENDERS[name];
  if (!entry) throw new Error(`unknown contender ${name}`);
  const mod = await import(new URL(entry.module, import.meta.url));
  const options = entry.options ?? {};
  return {
    listen: (onStream) => mod.listen(onStream, options),
    connect: (port) => mod.connect(port, options),
  };
}
