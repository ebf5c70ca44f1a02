/**
 * Module hooks (see register.mjs) that load .ts files by stripping their types.
 *
 * The examples import their own modules as "./x.js", as the package's sources do (what tsc and
 * bundlers expect of TypeScript); a relative ".js" that does not exist is looked for as ".ts".
 * Each file is transformed on its own (the project compiles with isolatedModules and
 * verbatimModuleSyntax, so type-only imports are marked and nothing needs a whole-program view).
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** Vite, loaded on the first .ts file: a process that loads none does not pay for it. */
let vite;

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    const relative = specifier.startsWith("./") || specifier.startsWith("../");
    if (!relative || !specifier.endsWith(".js") || !context.parentURL?.endsWith(".ts")) throw err;
    return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
  }
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith("file:") || !url.endsWith(".ts") || url.includes("/node_modules/")) {
    return nextLoad(url, context);
  }
  vite ??= await import("vite");
  const path = fileURLToPath(url);
  const { code, map } = await vite.transformWithOxc(await readFile(path, "utf8"), path, { lang: "ts", sourcemap: true });
  const inlineMap = Buffer.from(JSON.stringify(map)).toString("base64");
  return {
    format: "module",
    source: `${code}\n//# sourceMappingURL=data:application/json;base64,${inlineMap}\n`,
    shortCircuit: true,
  };
}
