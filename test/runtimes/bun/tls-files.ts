import { readFile } from "node:fs/promises";

/**
 * The throwaway certificate the Node-side wrapper created for this run, passed in as files:
 * STREAMUX_TLS_DIR holds cert.pem and key.pem.
 */
export async function tlsFiles(): Promise<{ cert: string; key: string }> {
  const dir = process.env.STREAMUX_TLS_DIR;
  if (!dir) throw new Error("STREAMUX_TLS_DIR is not set: run these tests through test/runtimes/bun.test.ts");
  const [cert, key] = await Promise.all([readFile(`${dir}/cert.pem`, "utf8"), readFile(`${dir}/key.pem`, "utf8")]);
  return { cert, key };
}
