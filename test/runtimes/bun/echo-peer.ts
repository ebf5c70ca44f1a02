/**
 * One side of a cross-runtime matrix pair, in Bun over streamux/bun (see ../echo-peer.ts):
 *   bun bun/echo-peer.ts client <port> <streams> <bytes> [echo|rpc]
 *   bun bun/echo-peer.ts server 0 <streams> <bytes> [echo|rpc]
 * Over TLS when STREAMUX_TLS_DIR names a directory with cert.pem and key.pem.
 */
import { dial, listen } from "streamux/bun";
import { parsePeerArgs, runPeer } from "../echo-peer.js";
import { tlsFiles } from "./tls-files.js";

const tls = process.env.STREAMUX_TLS_DIR ? await tlsFiles() : null;
const adapter = tls
  ? {
      dial: (o: { host: string; port: number }) => dial({ ...o, tls: { ca: tls.cert } }),
      listen: (o: { host: string; port: number }) => listen({ ...o, tls }),
    }
  : { dial, listen };
await runPeer(adapter, parsePeerArgs(process.argv.slice(2)), (line) => console.log(line));
