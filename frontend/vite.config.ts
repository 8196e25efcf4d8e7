import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The dev server proxies the API to a running backend (`kyra up`), so the browser sees one origin.
const backend = process.env.KYRA_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 700 },
  server: {
    host: "127.0.0.1",
    proxy: { "/api": backend, "/health": backend, "/hooks": backend },
  },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
