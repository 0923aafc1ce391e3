// The one cross-browser seam: Firefox exposes the promise-based `browser`, Chrome
// (MV3) exposes the same promise-based API as `chrome`. Modules take it as an argument.
export const browser = globalThis.browser ?? globalThis.chrome;
