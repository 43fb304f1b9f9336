/**
 * Where a benchmark runs: in this Node process (engine on onnxruntime-node) or in headless
 * Chromium (the bench page, engine on onnxruntime-web with WebGPU or WASM). Both give the same
 * interface, so bench/run.ts measures them the same way.
 */
import type { GenerateRequest, VideoFrames } from '../src/engine/api.ts';
import type { BackendPreference } from '../src/engine/adapterChoice.ts';
import { createEngine } from '../src/engine/generate.ts';
import { createNodeBackend } from '../src/engine/nodeBackend.ts';
import { cpuTensorOps, hostTensor } from '../src/kernels/cpuOps.ts';
import { createGpuTensorOps } from '../src/kernels/gpuOps.ts';
import { createNodeGpuDevice } from '../src/kernels/nodeWebGpu.ts';
import { loadShaderSources } from '../src/kernels/shaders.node.ts';
import type { LoadedPackage } from '../src/model/packageFiles.ts';
import { launchChromium, type SoftwareAdapter } from '../test/browser/chromium.ts';
import { serveFixtures } from '../test/browser/fixtures.ts';
import { startViteServer } from '../test/browser/viteServer.ts';
import { benchL1Sums, timeModelStep, type KernelPoint, type StepTiming } from './shared.ts';
import { sumStepMs, type PageGenerateResult, type PageInit, type StepMs, type WireRequest } from './wire.ts';

export interface RunOutput {
  /** Wall-clock milliseconds of engine.generate, measured where it ran. */
  ms: number;
  computed: number[];
  stepMs: StepMs;
  video: VideoFrames;
}

export interface KernelResult {
  device: string;
  points: KernelPoint[];
}

export interface Runner {
  /** Short id used in the table: node, webgpu, wasm. */
  id: string;
  label: string;
  info: Record<string, unknown>;
  generate(req: WireRequest): Promise<RunOutput>;
  step(warmup: number, iters: number): Promise<StepTiming>;
  /** l1Sums on this environment's WebGPU (Dawn in Node, the browser's adapter), plus the CPU twin in Node. */
  kernel(sizes: readonly number[], reps: number): Promise<KernelResult[]>;
  close(): Promise<void>;
}

export class BenchBrowserError extends Error {
  override name = 'BenchBrowserError';
}

function toRequest(w: WireRequest): GenerateRequest {
  return {
    prompt: w.prompt,
    seed: w.seed,
    steps: w.steps,
    guidance: w.guidance,
    policy: w.policy,
    ...(w.caption ? { caption: { y: Float32Array.from(w.caption.y), mask: w.caption.mask } } : {}),
  };
}

export async function nodeRunner(pkg: LoadedPackage): Promise<Runner> {
  const backend = await createNodeBackend();
  const engine = await createEngine(pkg, backend);
  return {
    id: 'node',
    label: `Node, ${backend.description}`,
    info: { backend: backend.description },
    async generate(w) {
      const t0 = performance.now();
      const r = await engine.generate(toRequest(w));
      return { ms: performance.now() - t0, computed: r.trace.recomputed_steps, stepMs: sumStepMs(r.trace.records), video: r.video };
    },
    step: (warmup, iters) => timeModelStep(engine, warmup, iters),
    async kernel(sizes, reps) {
      const out: KernelResult[] = [];
      out.push({ device: 'CPU (TypeScript twin, float64 sums)', points: await benchL1Sums({ l1Sums: cpuTensorOps.l1Sums, upload: hostTensor }, () => {}, sizes, reps) });
      const device = await createNodeGpuDevice();
      try {
        const info = device.adapterInfo;
        const name = [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' ') || 'unnamed adapter';
        const ops = createGpuTensorOps(device, await loadShaderSources());
        out.push({ device: `Dawn (npm webgpu, OpenGL ES): ${name}`, points: await benchL1Sums(ops, (t) => t.buffer?.destroy(), sizes, reps) });
      } finally {
        device.destroy();
      }
      return out;
    },
    async close() {
      await engine.dispose();
      await backend.dispose();
    },
  };
}

function fromBase64Video(v: PageGenerateResult['video']): VideoFrames {
  const bytes = Buffer.from(v.rgb, 'base64');
  const rgb = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(rgb.buffer).set(bytes);
  return { frames: v.frames, height: v.height, width: v.width, fps: v.fps, rgb };
}

export async function browserRunner(pkg: LoadedPackage, prefer: BackendPreference, adapter: SoftwareAdapter): Promise<Runner> {
  const server = await startViteServer();
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    chromium = await launchChromium({ adapter });
    const files = new Map<string, Uint8Array>();
    for (const [role, bytes] of Object.entries(pkg.files)) if (bytes) files.set(role, bytes);
    await serveFixtures(chromium.context, files);
    const page = chromium.page;
    await page.goto(`${server.url}/bench/bench.html`);
    await page.waitForFunction(() => document.title === 'bench ready', undefined, { timeout: 120_000 });
    const manifestJson: unknown = JSON.parse(JSON.stringify(pkg.manifest));
    const init = await page.evaluate(([p, m]) => (window as unknown as BenchWindow).benchInit(p, m), [prefer, manifestJson] as const);
    if (prefer !== 'auto' && init.kind !== prefer) throw new BenchBrowserError(`asked the browser for ${prefer} but it runs ${init.kind}: ${init.decision.reason}`);
    const version = chromium.context.browser()?.version() ?? /Chrome\/([\d.]+)/.exec(init.userAgent)?.[1] ?? 'unknown';
    const session = chromium;
    const log = session.log;
    const wrap = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
      try {
        return await f();
      } catch (e) {
        throw new BenchBrowserError(`${what} failed in the page: ${(e as Error).message}\npage log:\n${log.slice(-20).join('\n')}`);
      }
    };
    return {
      id: init.kind,
      label: `Chromium ${version}, ${init.description}`,
      info: { chromium: version, softwareAdapterFlag: adapter, ...init },
      async generate(w) {
        const r = await wrap('generate', () => page.evaluate((req) => (window as unknown as BenchWindow).benchGenerate(req), w));
        return { ms: r.ms, computed: r.computed, stepMs: r.stepMs, video: fromBase64Video(r.video) };
      },
      step: (warmup, iters) => wrap('step timing', () => page.evaluate(([a, b]) => (window as unknown as BenchWindow).benchStep(a, b), [warmup, iters] as const)),
      async kernel(sizes, reps) {
        const r = await wrap('kernel benchmark', () => page.evaluate(([s, n]) => (window as unknown as BenchWindow).benchKernel(s, n), [[...sizes], reps] as [number[], number]));
        if ('error' in r) throw new BenchBrowserError(`kernel benchmark: ${r.error}`);
        return r.map((k) => ({ device: `Chromium WebGPU: ${k.adapter}`, points: k.points }));
      },
      async close() {
        await page.evaluate(() => (window as unknown as BenchWindow).benchDispose()).catch(() => {});
        await session.close();
        await server.close();
      },
    };
  } catch (e) {
    await chromium?.close();
    await server.close();
    throw e;
  }
}

interface BenchWindow {
  benchInit(prefer: BackendPreference, manifest: unknown): Promise<PageInit>;
  benchGenerate(r: WireRequest): Promise<PageGenerateResult>;
  benchStep(warmup: number, iters: number): Promise<StepTiming>;
  benchKernel(sizes: number[], reps: number): Promise<{ error: string } | { adapter: string; points: KernelPoint[] }[]>;
  benchDispose(): Promise<void>;
}
