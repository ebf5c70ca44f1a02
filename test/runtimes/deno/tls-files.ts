/**
 * The throwaway certificate the Node-side wrapper created for this run (test/support/tls-cert.ts),
 * passed in as files: STREAMUX_TLS_DIR holds cert.pem and key.pem.
 */
export async function tlsFiles(): Promise<{ cert: string; key: string }> {
  const dir = Deno.env.get("STREAMUX_TLS_DIR");
  if (!dir) throw new Error("STREAMUX_TLS_DIR is not set: run these tests through test/runtimes/deno.test.ts");
  const [cert, key] = await Promise.all([Deno.readTextFile(`${dir}/cert.pem`), Deno.readTextFile(`${dir}/key.pem`)]);
  return { cert, key };
}
