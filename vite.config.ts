import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  // onnxruntime-web ships its own wasm/mjs loaders; pre-bundling breaks their relative URLs.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 30000 },
  server: { port: 5173 },
  preview: { port: 5173 },
});
