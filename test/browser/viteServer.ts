/**
 * A Vite dev server on a free port over the repository, so browser tests load pages under
 * test/browser/ with the app's own config (the same `?raw` shader imports, ORT handling).
 */
import { fileURLToPath } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface TestServer {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  close(): Promise<void>;
}

export async function startViteServer(): Promise<TestServer> {
  const server: ViteDevServer = await createServer({
    root: ROOT,
    configFile: fileURLToPath(new URL('../../vite.config.ts', import.meta.url)),
    logLevel: 'warn',
    clearScreen: false,
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') {
    await server.close();
    throw new Error('vite dev server did not report a TCP address');
  }
  return { url: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}
