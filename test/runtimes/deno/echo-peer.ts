/**
 * One side of a cross-runtime matrix pair, in Deno over streamux/deno (see ../echo-peer.ts):
 *   deno run … deno/echo-peer.ts client <port> <streams> <bytes> [echo|rpc]
 *   deno run … deno/echo-peer.ts server 0 <streams> <bytes> [echo|rpc]
 * Over TLS when STREAMUX_TLS_DIR names a directory with cert.pem and key.pem.
 */
import { dial, listen } from "streamux/deno";
import { parsePeerArgs, runPeer } from "../echo-peer.js";
import { tlsFiles } from "./tls-files.js";

const tls = Deno.env.get("STREAMUX_TLS_DIR") ? await tlsFiles() : null;
const adapter = tls
  ? {
      dial: (o: { host: string; port: number }) => dial({ ...o, tls: { caCerts: [tls.cert] } }),
      listen: (o: { host: string; port: number }) => listen({ ...o, tls }),
    }
  : { dial, listen };
await runPeer(adapter, parsePeerArgs(Deno.args), (line) => console.log(line));
