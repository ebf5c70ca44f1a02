/**
 * The Worker (src/index.ts) serving a Node client over one WebSocket. With no argument the Worker
 * runs here under workerd (see workerd.ts); given a URL, the client connects there instead (the
 * address `npx wrangler dev` prints, or a deployed Worker's wss:// address).
 *
 *   npm run example examples/worker/main.ts [ws://127.0.0.1:8787]
 */
import { echoThroughWorker } from "./client.js";
import { startLocalWorker } from "./workerd.js";

const given = process.argv[2];
if (given) {
  await echoThroughWorker(given);
} else {
  const worker = await startLocalWorker();
  console.log(`the Worker runs under workerd at ${worker.url}`);
  try {
    await echoThroughWorker(worker.url.href.replace(/^http/, "ws"));
  } finally {
    await worker.stop();
  }
}
