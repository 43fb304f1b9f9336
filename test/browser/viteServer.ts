/**
 * Vite over the repository with the app's own config, so browser tests load pages under
 * test/browser/ with the same `?raw` shader imports and ORT handling as the app: a dev server,
 * or a production build served by `vite preview`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, createServer, preview, type ViteDevServer } from 'vite';

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

/**
 * Builds the given HTML pages (paths relative to the repository) with `vite build` into a
 * temporary folder and serves them with `vite preview`, as the app ships.
 */
export async function buildAndPreview(pages: readonly string[]): Promise<TestServer> {
  const outDir = await mkdtemp(join(tmpdir(), 'adacache-vite-build-'));
  const configFile = fileURLToPath(new URL('../../vite.config.ts', import.meta.url));
  try {
    await build({
      root: ROOT,
      configFile,
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true, rollupOptions: { input: pages.map((p) => join(ROOT, p)) } },
    });
    const server = await preview({
      root: ROOT,
      configFile,
      logLevel: 'warn',
      build: { outDir },
      preview: { host: '127.0.0.1', port: 0, strictPort: false },
    });
    const address = server.httpServer.address();
    if (!address || typeof address === 'string') throw new Error('vite preview did not report a TCP address');
    return {
      url: `http://127.0.0.1:${address.port}`,
      async close() {
        await server.close();
        await rm(outDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await rm(outDir, { recursive: true, force: true });
    throw e;
  }
}
