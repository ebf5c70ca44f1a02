/**
 * RPC over TCP on Bun: a server (listen) and a client (dial) with typed streams, in one process.
 *
 *   npm run build && npx bun examples/rpc/bun.ts
 */
import { dial, listen } from "streamux/bun";
import { makeCalls } from "./calls.ts";
import { handlers } from "./service.ts";

// Typed streams on both sides: the type of each stream names the method.
const server = await listen({ host: "127.0.0.1", port: 0, typed: true });
console.log(`Bun: RPC server on 127.0.0.1:${server.address().port}`);
void (async () => {
  for await (const session of server) void handlers.serve(session);
})();

const session = await dial({ host: "127.0.0.1", port: server.address().port, typed: true });
await makeCalls(session);
await session.close();
const closed = await session.closed;
console.log(`closed: code ${closed.code} (${closed.reason}), clean: ${closed.clean}`);
await server.close();
