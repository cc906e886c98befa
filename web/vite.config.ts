// The UI's build: `vite build web` from the package root writes dist/web, which `flowgate serve` serves at `/`.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  // Relative to this folder (the Vite root).
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    sourcemap: false,
  },
  server: {
    // `vite web` for UI work against a running `flowgate serve` on the default port.
    proxy: { '/api': 'http://127.0.0.1:3000' },
  },
});
