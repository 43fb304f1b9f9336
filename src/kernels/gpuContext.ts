/**
 * What every WGSL kernel's host code shares: pipelines cached per GPUDevice, tensor buffers,
 * uniform blocks, dispatch grids that respect the per-dimension limit, and GPU error capture.
 */
import type { DeviceTensor } from '../engine/backend.ts';
import { GpuKernelError, KernelInputError } from './errors.ts';
import type { ShaderName, ShaderSources } from './shaderSources.ts';
import { numel } from './shapes.ts';

/** Workgroup size of every kernel (the `WG` constant in shaders/*.wgsl); within WebGPU compat limits. */
export const WORKGROUP_SIZE = 128;

/** Upper bound on stage-1 workgroups of a reduction; each invocation loops over the rest. */
export const MAX_REDUCTION_GROUPS = 1024;

/** Usage of tensor buffers (read lazily: in Node the WebGPU globals appear at runtime). */
function tensorUsage(): GPUBufferUsageFlags {
  return GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
}

// Keyed by device so a lost device's pipelines go with it.
const pipelineCache = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

export class KernelContext {
  /** Error scopes not yet settled; each removes itself when it does. */
  private readonly pending = new Set<Promise<void>>();
  private readonly failures: string[] = [];

  constructor(
    readonly device: GPUDevice,
    private readonly sources: ShaderSources,
  ) {}

  pipeline(shader: ShaderName, entryPoint = 'main'): GPUComputePipeline {
    let perDevice = pipelineCache.get(this.device);
    if (!perDevice) {
      perDevice = new Map();
      pipelineCache.set(this.device, perDevice);
    }
    const key = `${shader}:${entryPoint}`;
    let p = perDevice.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ label: shader, code: this.sources[shader] });
      p = this.device.createComputePipeline({ label: key, layout: 'auto', compute: { module, entryPoint } });
      perDevice.set(key, p);
    }
    return p;
  }

  /** A tensor-sized storage buffer, rounded up to 16 bytes like ORT's allocations. */
  createBuffer(elements: number, label: string): GPUBuffer {
    const bytes = elements * 4;
    this.checkBindable(label, bytes);
    return this.device.createBuffer({ label, size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: tensorUsage() });
  }

  /** The buffer behind a GPU tensor, checked to hold `elements` floats and fit one binding. */
  bufferOf(kernel: string, name: string, t: DeviceTensor, elements = numel(t.dims)): GPUBuffer {
    if (t.location !== 'gpu' || !t.buffer) {
      throw new KernelInputError(kernel, `${name} must be a GPU tensor (location 'gpu'), got '${t.location}'`);
    }
    if (t.buffer.size < elements * 4) {
      throw new KernelInputError(kernel, `${name} buffer has ${t.buffer.size} bytes, dims need ${elements * 4}`);
    }
    this.checkBindable(kernel, elements * 4);
    return t.buffer;
  }

  private checkBindable(kernel: string, bytes: number): void {
    const max = this.device.limits.maxStorageBufferBindingSize;
    if (bytes > max) {
      throw new KernelInputError(kernel, `tensor of ${bytes} bytes exceeds this device's maxStorageBufferBindingSize ${max}`);
    }
  }

  /** A uniform block from 32-bit words; `floats` marks which words are f32 rather than u32. */
  uniform(words: readonly number[], floats: readonly number[] = []): GPUBuffer {
    const size = Math.ceil(words.length / 4) * 16;
    const buf = this.device.createBuffer({ size, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
    const u = new Uint32Array(buf.getMappedRange());
    const f = new Float32Array(u.buffer);
    words.forEach((w, i) => {
      if (floats.includes(i)) f[i] = w;
      else u[i] = w;
    });
    buf.unmap();
    return buf;
  }

  /** Workgroup counts for one invocation per element: 2D once past maxComputeWorkgroupsPerDimension. */
  grid(elements: number): [number, number] {
    const groups = Math.max(1, Math.ceil(elements / WORKGROUP_SIZE));
    const perDim = this.device.limits.maxComputeWorkgroupsPerDimension;
    const x = Math.min(groups, perDim);
    const y = Math.ceil(groups / x);
    if (y > perDim) throw new KernelInputError('dispatch', `${elements} elements exceed the dispatch grid`);
    return [x, y];
  }

  bindGroup(pipeline: GPUComputePipeline, buffers: readonly (GPUBuffer | [GPUBuffer, number])[]): GPUBindGroup {
    return this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: buffers.map((b, binding) =>
        Array.isArray(b) ? { binding, resource: { buffer: b[0], offset: 0, size: b[1] } } : { binding, resource: { buffer: b } },
      ),
    });
  }

  /**
   * Encodes and submits work inside validation and out-of-memory error scopes. Errors are
   * collected and thrown by the next `flushErrors` (every readback calls it), because the
   * element-wise ops return synchronously.
   */
  submit(kernel: string, encode: (encoder: GPUCommandEncoder) => void, temporaries: GPUBuffer[] = []): void {
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    const encoder = this.device.createCommandEncoder({ label: kernel });
    encode(encoder);
    this.device.queue.submit([encoder.finish()]);
    for (const t of temporaries) t.destroy();
    const oom = this.device.popErrorScope();
    const validation = this.device.popErrorScope();
    for (const scope of [oom, validation]) {
      const settled: Promise<void> = scope.then(
        (e) => {
          if (e) this.failures.push(`${kernel}: ${e.message}`);
          this.pending.delete(settled);
        },
        (e: unknown) => {
          this.failures.push(`${kernel}: ${e instanceof Error ? e.message : String(e)}`);
          this.pending.delete(settled);
        },
      );
      this.pending.add(settled);
    }
  }

  async flushErrors(kernel: string): Promise<void> {
    await Promise.all([...this.pending]);
    if (this.failures.length > 0) {
      const messages = this.failures.splice(0);
      throw new GpuKernelError(kernel, messages.join('; '));
    }
  }

  /** Copies `bytes` from a buffer into host memory (after all submitted work). */
  async read(kernel: string, source: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    const staging = this.device.createBuffer({
      label: `${kernel} readback`,
      size: Math.max(4, Math.ceil(bytes / 4) * 4),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    try {
      if (bytes > 0) this.submit(kernel, (enc) => enc.copyBufferToBuffer(source, 0, staging, 0, Math.ceil(bytes / 4) * 4));
      await this.flushErrors(kernel);
      await staging.mapAsync(GPUMapMode.READ);
      return staging.getMappedRange().slice(0, bytes);
    } finally {
      staging.destroy();
    }
  }
}
