import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Cross-origin isolation gives SharedArrayBuffer, so onnxruntime-web's WASM backend can use threads.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  // onnxruntime-web ships its own wasm/mjs loaders; pre-bundling breaks their relative URLs.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 30000 },
  server: { port: 5173, headers: isolation },
  preview: { port: 5173, headers: isolation },
});
