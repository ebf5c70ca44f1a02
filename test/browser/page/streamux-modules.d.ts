/**
 * The page imports the package by its published names. Vite resolves them through package.json's
 * exports (test/browser/vite.page.config.ts); for the type checker, which runs before the build
 * (so dist/*.d.ts may not exist yet), the names are declared here from the sources.
 */
declare module "streamux" {
  export const Session: typeof import("../../../src/index.js").Session;
  export type Session = import("../../../src/index.js").Session;
  export const ErrorCode: typeof import("../../../src/index.js").ErrorCode;
  export type MuxStream = import("../../../src/index.js").MuxStream;
}

declare module "streamux/websocket" {
  export const fromWebSocket: typeof import("../../../src/adapters/websocket.js").fromWebSocket;
}
