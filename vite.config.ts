import { defineConfig } from "vitest/config";

// Library build: one ESM entry per public entry point; runtime modules stay external so a browser
// bundle of `streamux` or `streamux/websocket` never pulls Node code.
export default defineConfig({
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    lib: {
      entry: {
        index: "src/index.ts",
        node: "src/adapters/node.ts",
        websocket: "src/adapters/websocket.ts",
        deno: "src/adapters/deno.ts",
        bun: "src/adapters/bun.ts",
      },
      formats: ["es"],
    },
    rollupOptions: {
      external: [/^node:/, "ws"],
      output: { chunkFileNames: "chunks/[name]-[hash].js" },
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/runtimes/deno/**", "test/runtimes/bun/**", "test/runtimes/workers/**", "node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 10_000,
    pool: "forks",
  },
});
