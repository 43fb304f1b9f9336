/**
 * The reference STDiT3 checkpoint, converted by src/convert, run embed -> stack -> final in
 * headless Chromium on both web backends with intermediates kept on the backend (GPU buffers
 * on WebGPU/SwiftShader), against the official code's forward output (forward.safetensors).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStdit3Graphs } from '../../src/convert/stdit3Graphs.ts';
import { positionEmbedding, ropeTables, tokenGrid } from '../../src/engine/stdit3Inputs.ts';
import { parseStdit3Config } from '../../src/model/manifest.ts';
import { parseSafetensors, readFloat, decodeTensor, type FloatTensor } from '../../src/model/safetensors.ts';
import { launchChromium, type ChromiumSession } from './chromium.ts';
import { serveFixtures } from './fixtures.ts';
import type { GraphStep, HostFeed, PlanResult } from './graphPlan.ts';
import { startViteServer, type TestServer } from './viteServer.ts';

const REF = new URL('../../../shared/reference/opensora-tiny/', import.meta.url);
const PROBE_BLOCK = 1;

let server: TestServer;
let browser: ChromiumSession;
let plan: GraphStep[];
let want: { out: FloatTensor; probe: FloatTensor };

const floatFeed = (t: { dims: readonly number[]; data: Float32Array }): HostFeed => ({
  type: 'float32',
  dims: [...t.dims],
  data: Array.from(t.data),
});

beforeAll(async () => {
  const config = parseStdit3Config(JSON.parse(await readFile(new URL('config.json', REF), 'utf8')));
  const weightFile = parseSafetensors(new Uint8Array(await readFile(new URL('weights.safetensors', REF))), 'weights');
  const weights = new Map([...weightFile.keys()].map((k) => [k, readFloat(weightFile, k)]));
  const graphs = buildStdit3Graphs(config, weights, { quant: 'fp32' });

  const fwd = parseSafetensors(new Uint8Array(await readFile(new URL('forward.safetensors', REF))), 'forward');
  const get = (name: string) => readFloat(fwd, name);
  const x = get('x');
  const [, , T, H, W] = x.dims as [number, number, number, number, number];
  const grid = tokenGrid(config, [T, H, W]);
  const gridFeed: HostFeed = { type: 'int64', dims: [3], data: [grid.T, grid.Hp, grid.Wp] };
  const height = get('height').data[0]!;
  const width = get('width').data[0]!;
  const hidden = config.hidden_size;
  const posEmb = { dims: [grid.T * grid.Hp * grid.Wp, hidden], data: positionEmbedding(config, grid, height, width) };
  const rope = ropeTables(config, grid.T);
  const hd = hidden / config.num_heads;
  const mask = decodeTensor(fwd.get('mask')!);
  const onehot = new Float32Array(config.depth);
  onehot[PROBE_BLOCK] = 1;

  plan = [
    {
      graph: 'embed.onnx',
      feeds: {
        x: floatFeed(x),
        timestep: floatFeed(get('timestep')),
        fps: floatFeed(get('fps')),
        y: floatFeed(get('y')),
        pos_emb: floatFeed(posEmb),
        grid: gridFeed,
      },
    },
    {
      graph: 'stack.onnx',
      feeds: {
        h: { from: 'embed.onnx.h' },
        t_mlp: { from: 'embed.onnx.t_mlp' },
        y_emb: { from: 'embed.onnx.y_emb' },
        mask: { type: 'float32', dims: mask.dims, data: Array.from(mask.data as BigInt64Array, Number) },
        probe_onehot: floatFeed({ dims: [config.depth], data: onehot }),
        rope_cos: floatFeed({ dims: [grid.T, hd], data: rope.cos }),
        rope_sin: floatFeed({ dims: [grid.T, hd], data: rope.sin }),
        grid: gridFeed,
      },
    },
    {
      graph: 'final.onnx',
      feeds: { h: { from: 'stack.onnx.h_out' }, t_emb: { from: 'embed.onnx.t_emb' }, grid: gridFeed },
    },
  ];
  want = { out: get('out'), probe: get(`temporal_blocks.${PROBE_BLOCK}.attn_res`) };

  server = await startViteServer();
  browser = await launchChromium();
  await serveFixtures(browser.context, new Map([
    ['embed.onnx', graphs.embed],
    ['stack.onnx', graphs.stack],
    ['final.onnx', graphs.final],
  ]));
  await browser.page.goto(`${server.url}/test/browser/backend.html`);
  await browser.page.waitForFunction(() => document.title === 'backend harness ready', undefined, { timeout: 60_000 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** max|a - b| / max|b|. */
function relMax(got: number[], ref: Float32Array): number {
  expect(got).toHaveLength(ref.length);
  let num = 0;
  let den = 0;
  got.forEach((g, i) => {
    num = Math.max(num, Math.abs(g - ref[i]!));
    den = Math.max(den, Math.abs(ref[i]!));
  });
  return num / den;
}

describe('reference forward in headless Chromium', () => {
  it.each(['webgpu', 'wasm'])('%s: embed -> stack -> final matches forward.safetensors within 1e-4', async (prefer) => {
    const r = await browser.page.evaluate(
      ([p, steps]) =>
        (window as unknown as { runGraphPlan(p: string, s: GraphStep[], read: string[]): Promise<PlanResult> }).runGraphPlan(
          p,
          steps,
          ['final.onnx.out', 'stack.onnx.probe'],
        ),
      [prefer, plan] as const,
    );
    expect(r.backend.kind, browser.log.join('\n')).toBe(prefer);
    const outErr = relMax(r.outputs['final.onnx.out']!.values, want.out.data);
    console.log(
      `${r.backend.description}: sessions ${r.ms.sessions.toFixed(0)} ms, forward ${r.ms.run.toFixed(0)} ms, out rel err ${outErr.toExponential(2)}`,
    );
    // Every intermediate stayed on the backend: GPU buffers on WebGPU, host memory on WASM.
    expect(new Set(Object.values(r.locations))).toEqual(new Set([prefer === 'webgpu' ? 'gpu' : 'cpu']));
    const out = r.outputs['final.onnx.out']!;
    expect(out.dims).toEqual(want.out.dims);
    expect(relMax(out.values, want.out.data)).toBeLessThanOrEqual(1e-4);
    expect(relMax(r.outputs['stack.onnx.probe']!.values, want.probe.data)).toBeLessThanOrEqual(1e-4);
  });
});
