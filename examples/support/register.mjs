/**
 * Lets Node 20 run the TypeScript examples: `node --import ./examples/support/register.mjs file.ts`.
 *
 * Node 20 cannot load .ts files itself (type stripping came in Node 22), so the hooks in
 * typescript-hooks.mjs strip the types of each .ts file as it is loaded, with the TypeScript
 * transform Vite ships (a devDependency already): nothing is bundled, no file is written, and the
 * package is imported by its own name ("streamux", "streamux/node", …), from the build in dist/.
 */
import { register } from "node:module";

register("./typescript-hooks.mjs", import.meta.url);
// Stack traces point at the .ts lines: the hooks attach a source map to every file they transform.
process.setSourceMapsEnabled(true);
