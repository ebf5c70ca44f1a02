/**
 * One side of a cross-runtime matrix pair, in Bun over streamux/bun (see ../echo-peer.ts):
 *   bun bun/echo-peer.ts client <port> <streams> <bytes>
 *   bun bun/echo-peer.ts server 0 <streams> <bytes>
 */
import { dial, listen } from "streamux/bun";
import { parsePeerArgs, runPeer } from "../echo-peer.js";

await runPeer({ dial, listen }, parsePeerArgs(process.argv.slice(2)), (line) => console.log(line));
