/** Where things are: the repository, the compiled benchmark, the results. */
import { fileURLToPath } from "node:url";

/** This file is bench/lib/paths.ts, run as bench/.build/bench/lib/paths.js. */
export const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
export const benchDir = fileURLToPath(new URL("../../../", import.meta.url));
/** The compiled benchmark (tsc -p bench), the built page, Deno's import map and cache. */
export const buildDir = fileURLToPath(new URL("../../../.build/", import.meta.url));
/** The compiled process entry points. */
export const procDir = fileURLToPath(new URL("../proc/", import.meta.url));
export const resultsDir = fileURLToPath(new URL("../../../results/", import.meta.url));
/** Charts the README embeds, copied there from a full run. */
export const docsChartsDir = fileURLToPath(new URL("../../../../docs/bench/", import.meta.url));
