import { execFile } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { cacheDir } from "./runner.js";

const run = promisify(execFile);

let made: Promise<string> | undefined;

/**
 * A directory holding cert.pem and key.pem: a throwaway self-signed certificate for localhost,
 * 127.0.0.1 and ::1, made once per test file with the openssl CLI. It is marked CA:FALSE because
 * rustls (Deno's TLS) refuses a CA certificate as a server's own; Node and Bun accept it either way.
 * Passed to the runtimes as STREAMUX_TLS_DIR.
 */
export function testCertDir(): Promise<string> {
  return (made ??= make());
}

async function make(): Promise<string> {
  const dir = join(cacheDir, "tls", String(process.pid));
  await mkdir(dir, { recursive: true });
  // prettier-ignore
  await run(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1",
      "-addext",
      "basicConstraints=critical,CA:FALSE",
    ],
    { timeout: 20_000 },
  );
  return dir;
}

/** Removes this process's certificate directory (call in afterAll). */
export async function removeTestCertDir(): Promise<void> {
  if (!made) return;
  const dir = await made.catch(() => null);
  made = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
}
