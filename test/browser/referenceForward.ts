/**
 * One STDiT3 forward on a web backend through the engine's own Stdit3Model, from a converted
 * package served under /__fixtures/: embed -> stack -> final with every intermediate left where
 * the backend keeps it; only `out` and the probe are read back. Then one reused step of the first
 * batch row two ways: the skip graph, and embed + residual + final + the guidance and axpy kernels.
 */
import type { BackendPreference } from '../../src/engine/adapterChoice.ts';
import type { DeviceTensor } from '../../src/engine/backend.ts';
import { Stdit3Model } from '../../src/engine/stdit3Model.ts';
import { createWebBackend } from '../../src/engine/webBackend.ts';
import { parseManifest } from '../../src/model/manifest.ts';
import { fetchFixture as fixture } from './fixtures.ts';

/** Plain arrays so they cross page.evaluate; `mask` as 0/1 floats. */
export interface ForwardInputs {
  x: { dims: number[]; data: number[] };
  timestep: number[];
  fps: number[];
  y: { dims: number[]; data: number[] };
  mask: { dims: number[]; data: number[] };
  height: number;
  width: number;
}

export interface ForwardResult {
  backend: string;
  kind: string;
  out: { dims: number[]; values: number[] };
  probe: { dims: number[]; values: number[] };
  /** z_next of a reused step from the skip graph and from the separate graphs and kernels. */
  reused: { skipGraph: number[]; composed: number[] };
  /** Location of every tensor the forward made or fed ('gpu' | 'cpu'). */
  locations: string[];
  ms: { load: number; forward: number };
}

export async function runReferenceForward(prefer: BackendPreference, inputs: ForwardInputs): Promise<ForwardResult> {
  const manifest = parseManifest(JSON.parse(new TextDecoder().decode(await fixture('manifest.json'))));
  const backend = await createWebBackend({ prefer });
  const made: DeviceTensor[] = [];
  const keep = <T extends DeviceTensor>(t: T) => (made.push(t), t);
  try {
    const t0 = performance.now();
    const files = {
      embed: await fixture(manifest.files.embed.path),
      stack: await fixture(manifest.files.stack.path),
      final: await fixture(manifest.files.final.path),
      skip: await fixture(manifest.files.skip!.path),
    };
    const model = await Stdit3Model.load(manifest, files, backend);
    const t1 = performance.now();
    const [, , T, H, W] = inputs.x.dims as [number, number, number, number, number];
    const size = model.sizeInputs([T, H, W], inputs.height, inputs.width);
    made.push(size.posEmb, size.ropeCos, size.ropeSin);
    const up = (data: number[], dims: number[]) => keep(backend.upload(Float32Array.from(data), dims));
    const B = inputs.x.dims[0]!;
    const e = await model.embed(
      size,
      up(inputs.x.data, inputs.x.dims),
      up(inputs.timestep, [B]),
      up(inputs.fps, [B]),
      up(inputs.y.data, inputs.y.dims),
    );
    Object.values(e).forEach(keep);
    const s = await model.stack(size, e, up(inputs.mask.data, inputs.mask.dims), manifest.sampling.probeBlock);
    keep(s.h_out);
    keep(s.probe);
    const out = keep(await model.final(size, s.h_out, e.t_emb));
    const result = {
      out: { dims: [...out.dims], values: Array.from(await backend.download(out)) },
      probe: { dims: [...s.probe.dims], values: Array.from(await backend.download(s.probe)) },
    };
    const t2 = performance.now();
    const rowLen = inputs.x.data.length / B;
    const z = up(inputs.x.data.slice(0, rowLen), [1, ...inputs.x.dims.slice(1)]);
    const t = up([inputs.timestep[0]!, inputs.timestep[0]!], [2]);
    const fps = up([inputs.fps[0]!, inputs.fps[0]!], [2]);
    const residual = keep(backend.ops.sub(s.h_out, e.h));
    const [scale, dt, tFrac] = [4.5, -0.03125, 0.75];
    const fused = await model.skipStep(size, { z, timestep: inputs.timestep[0]!, fps: inputs.fps[0]!, residual, guidance: scale, dt, tFrac, wantX0: false });
    keep(fused.z_next);
    const e2 = await model.embed(size, keep(backend.ops.concat0([z, z])), t, fps, up(inputs.y.data, inputs.y.dims), false);
    Object.values(e2).forEach(keep);
    const out2 = keep(await model.final(size, keep(backend.ops.add(e2.h, residual)), e2.t_emb));
    const composed = keep(backend.ops.axpy(z, keep(backend.ops.guidance(out2, manifest.config.in_channels, scale)), dt));
    const reused = { skipGraph: Array.from(await backend.download(fused.z_next)), composed: Array.from(await backend.download(composed)) };
    await model.release();
    return {
      backend: backend.description,
      kind: backend.kind,
      ...result,
      reused,
      locations: made.map((t) => t.location),
      ms: { load: t1 - t0, forward: t2 - t1 },
    };
  } finally {
    for (const t of made) backend.release(t);
    await backend.dispose();
  }
}
