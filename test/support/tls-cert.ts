import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A self-signed certificate for localhost, 127.0.0.1 and ::1: PEM key and certificate. */
export interface TestCert {
  key: string;
  cert: string;
}

let cached: Promise<TestCert> | undefined;

/**
 * Creates (once per test file) a throwaway self-signed EC certificate with the `openssl` CLI in a
 * temporary directory, which is removed again at once. Fails with a clear message if openssl is
 * not installed. Clients trust it with `{ ca: cert }`.
 */
export function testCert(): Promise<TestCert> {
  return (cached ??= makeCert());
}

async function makeCert(): Promise<TestCert> {
  const dir = await mkdtemp(join(tmpdir(), "streamux-tls-"));
  try {
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    // prettier-ignore
    const args = [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1",
    ];
    try {
      await run("openssl", args, { timeout: 20_000 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new Error("the TLS tests need the `openssl` command to create their certificate: install OpenSSL and put it on PATH");
      }
      throw new Error(`openssl could not create the test certificate: ${(err as { stderr?: string }).stderr ?? err}`);
    }
    return { key: await readFile(key, "utf8"), cert: await readFile(cert, "utf8") };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
