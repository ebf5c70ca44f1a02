/**
 * The benchmark imports streamux by its published names, as users do: at run time they resolve
 * through package.json's exports to the build in dist/ (Node and Bun by the package's own name,
 * Deno through an import map, the page through Vite). For the type checker, which may run before
 * the build, the names are declared here from the sources they are built from.
 */
declare module "streamux" {
  export const Session: typeof import("../src/index.js").Session;
  export type Session = import("../src/index.js").Session;
  export type MuxStream = import("../src/index.js").MuxStream;
  export type SessionOptions = import("../src/index.js").SessionOptions;
  export type SessionStats = import("../src/index.js").SessionStats;
}

declare module "streamux/node" {
  export const fromSocket: typeof import("../src/adapters/node.js").fromSocket;
}

declare module "streamux/websocket" {
  export const fromWebSocket: typeof import("../src/adapters/websocket.js").fromWebSocket;
}

declare module "streamux/deno" {
  export const dial: typeof import("../src/adapters/deno.js").dial;
  export const listen: typeof import("../src/adapters/deno.js").listen;
}

declare module "streamux/bun" {
  export const dial: typeof import("../src/adapters/bun.js").dial;
  export const listen: typeof import("../src/adapters/bun.js").listen;
}
