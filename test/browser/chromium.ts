/**
 * Headless Chromium with WebGPU, shared by the browser tests, Playwright e2e and benchmarks.
 * On a machine without a GPU the default WebGPU adapter is SwiftShader (slow, correct);
 * `adapter: 'llvmpipe'` selects Mesa's faster OpenGL ES path (compatibility feature level).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags every launch uses: WebGPU on, no background traffic or first-run UI, no sandbox (root/CI). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--no-sandbox',
];

export type SoftwareAdapter = 'swiftshader' | 'llvmpipe';

/** Extra flags per software adapter; llvmpipe also needs requestAdapter({featureLevel:'compatibility'}). */
export const ADAPTER_ARGS: Readonly<Record<SoftwareAdapter, readonly string[]>> = {
  swiftshader: [],
  llvmpipe: ['--use-angle=gl-egl', '--use-webgpu-adapter=opengles'],
};

export interface LaunchOptions {
  adapter?: SoftwareAdapter;
  headless?: boolean;
  extraArgs?: readonly string[];
}

export interface ChromiumSession {
  context: BrowserContext;
  page: Page;
  /** Lines the page logged (console and uncaught errors), for failure messages. */
  log: string[];
  close(): Promise<void>;
}

/** Launches Chromium with a fresh user-data-dir, removed again by `close`. */
export async function launchChromium(opts: LaunchOptions = {}): Promise<ChromiumSession> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'adacache-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: opts.headless ?? true,
      args: [...CHROMIUM_ARGS, ...ADAPTER_ARGS[opts.adapter ?? 'swiftshader'], ...(opts.extraArgs ?? [])],
    });
  } catch (e) {
    await rm(userDataDir, { recursive: true, force: true });
    throw e;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const log: string[] = [];
  page.on('console', (m) => log.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
  return {
    context,
    page,
    log,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
