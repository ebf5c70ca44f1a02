/**
 * One side of a cross-runtime matrix pair, in Deno over streamux/deno (see ../echo-peer.ts):
 *   deno run … deno/echo-peer.ts client <port> <streams> <bytes>
 *   deno run … deno/echo-peer.ts server 0 <streams> <bytes>
 */
import { dial, listen } from "streamux/deno";
import { parsePeerArgs, runPeer } from "../echo-peer.js";

await runPeer({ dial, listen }, parsePeerArgs(Deno.args), (line) => console.log(line));
