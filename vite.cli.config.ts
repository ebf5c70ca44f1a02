import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

// The `streamux` command (tools/tunnel/, dist/cli.js), built after the library: its imports of the
// library's entry modules become imports of the built entries (./index.js, ./node.js,
// ./websocket.js), so the command uses the package's public API and carries no copy of the engine.
const root = fileURLToPath(new URL(".", import.meta.url));
const entries: Record<string, string> = {
  [`${root}src/index.ts`]: "./index.js",
  [`${root}src/adapters/node.ts`]: "./node.js",
  [`${root}src/adapters/websocket.ts`]: "./websocket.js",
};
/** Marks an id as a built entry's, written as is (next to dist/cli.js) by output.paths. */
const BUILT = "streamux-built-entry:";

function publicEntries(): Plugin {
  return {
    name: "streamux-public-entries",
    enforce: "pre",
    async resolveId(source, importer, options) {
      if (!importer?.startsWith(`${root}tools/tunnel/`)) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (!resolved) return null;
      const built = entries[resolved.id];
      if (built) return { id: BUILT + built, external: "absolute" };
      if (resolved.id.startsWith(`${root}src/`)) {
        this.error(
          `tools/tunnel may import only the package's entry points (src/index.ts, src/adapters/node.ts, src/adapters/websocket.ts), not ${resolved.id.slice(root.length)}`,
        );
      }
      return resolved;
    },
  };
}

export default defineConfig({
  plugins: [publicEntries()],
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: false,
    sourcemap: true,
    minify: false,
    lib: {
      entry: { cli: "tools/tunnel/main.ts" },
      formats: ["es"],
    },
    rollupOptions: {
      external: [/^node:/],
      output: {
        banner: "#!/usr/bin/env node",
        entryFileNames: "[name].js",
        paths: (id) => (id.startsWith(BUILT) ? id.slice(BUILT.length) : id),
      },
    },
  },
});
