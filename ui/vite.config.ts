import path from "node:path";
import { defineConfig } from "vite";

// The dashboard is built into dist/ui, next to the compiled controller, and served by it (src/http/static-files.ts).
export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: path.resolve(import.meta.dirname, "../dist/ui"),
    emptyOutDir: true,
    // The controller's CSP allows no inline script: no preload helper inlined into index.html.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    target: "es2022",
  },
});
