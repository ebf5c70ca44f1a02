import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, join } from "node:path";

/**
 * Finds a Chromium (or Chrome) for the browser tests: $CHROMIUM_PATH, else the usual names on
 * PATH and in /usr/bin. Playwright's own browser download is not used: the test machines reach no
 * CDN, but a Debian mirror may be configured, so as root a missing browser is installed with apt.
 */

const NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
/** apt-get update + install of chromium and its libraries; past this the test fails instead of hanging. */
const INSTALL_TIMEOUT_MS = 5 * 60_000;

const HOW_TO_INSTALL =
  "Install Chromium (Debian/Ubuntu: `sudo apt-get install -y chromium`; Fedora: `sudo dnf install chromium`) " +
  "or point CHROMIUM_PATH at a Chromium or Google Chrome executable.";

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function lookup(): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), "/usr/bin"];
  for (const name of NAMES) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function run(command: string, args: string[], timeout: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout, killSignal: "SIGKILL", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, maxBuffer: 64 * 1024 * 1024 },
      (err, _stdout, stderr) => (err ? reject(new Error(`${command} ${args.join(" ")} failed: ${err.message}\n${stderr}`)) : resolve()),
    );
  });
}

/** The path of a Chromium to drive; installs one with apt-get when missing and running as root. */
export async function findChromium(): Promise<string> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (await isExecutable(configured)) return configured;
    throw new Error(`CHROMIUM_PATH is set to ${configured}, which is not an executable file. ${HOW_TO_INSTALL}`);
  }
  const found = await lookup();
  if (found) return found;

  const isRoot = process.getuid?.() === 0;
  if (isRoot && (await isExecutable("/usr/bin/apt-get"))) {
    await run("/bin/sh", ["-c", "apt-get update && apt-get install -y chromium"], INSTALL_TIMEOUT_MS);
    const installed = await lookup();
    if (installed) return installed;
    throw new Error(`apt-get install chromium succeeded but no chromium executable was found. ${HOW_TO_INSTALL}`);
  }
  throw new Error(`No Chromium found (looked for ${NAMES.join(", ")} on PATH and in /usr/bin). ${HOW_TO_INSTALL}`);
}
