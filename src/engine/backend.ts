/**
 * The contract between the engine (sampler, cache policies) and where tensors live.
 *
 * Node runs everything on the CPU (onnxruntime-node + the TypeScript kernel twins);
 * the browser keeps tensors on the GPU between ORT sessions and the WGSL kernels
 * (onnxruntime-web/webgpu sharing one GPUDevice), or runs on the WASM backend.
 * The sampler and the cache policies only ever see these interfaces.
 */

/** A float32 tensor owned by a backend: host memory (Node, WASM) or a GPU buffer (WebGPU). */
export interface DeviceTensor {
  readonly dims: readonly number[];
  readonly location: 'cpu' | 'gpu';
  /** Host data when `location === 'cpu'`. */
  readonly data?: Float32Array;
  /** GPU buffer when `location === 'gpu'`; its size is at least 4 * product(dims) bytes. */
  readonly buffer?: GPUBuffer;
}

/** One ONNX graph of a model package, loaded on a backend. */
export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /**
   * Runs the graph. Integer inputs are given as host arrays; float inputs as DeviceTensors.
   * `outputs` names the outputs wanted (all when absent); the graph computes only what they need.
   */
  run(feeds: Record<string, DeviceTensor | HostTensor>, outputs?: readonly string[]): Promise<Record<string, DeviceTensor>>;
  release(): Promise<void>;
}

/**
 * The outputs a session run fetches: `wanted` when every name is one of the graph's, all of them
 * when `wanted` is absent. A string instead says what is wrong (for the backend's own error).
 */
export function outputsToFetch(available: readonly string[], wanted?: readonly string[]): string[] | string {
  if (!wanted) return [...available];
  const unknown = wanted.filter((n) => !available.includes(n));
  if (unknown.length > 0 || wanted.length === 0) return `no output ${unknown.join(', ') || '(none asked)'}; it has ${available.join(', ')}`;
  return [...wanted];
}

/** A host tensor fed to a session (e.g. int64 token ids, float32 masks). */
export interface HostTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array | Int32Array;
}

/** Residual sums returned by the metric kernels: only these scalars leave the device. */
export interface L1Sums {
  /** sum |a - b| */
  diff: number;
  /** sum |a| */
  ref: number;
}

/** MoReg frame-shift sums for one stride i over p [B, T*S, C]. */
export interface FrameShiftSums {
  stride: number;
  /** sum |p[:, iS:] - p[:, :-iS]| */
  diff: number;
  /** sum |p[:, iS:]| + sum |p[:, :-iS]| */
  norm: number;
}

/**
 * Element-wise and reduction kernels the denoising loop needs. Each has a WGSL kernel in
 * `shaders/` and a TypeScript twin in `src/kernels/` (the CPU implementation).
 * Results are new tensors; inputs are never modified.
 */
export interface TensorOps {
  /** a + b (the cached-block skip: stack output = stack input + cached residual). */
  add(a: DeviceTensor, b: DeviceTensor): DeviceTensor;
  /** a - b (residual capture on a computed step: output - input). */
  sub(a: DeviceTensor, b: DeviceTensor): DeviceTensor;
  /** sum|a-b| and sum|a| over the whole tensor (the AdaCache distance). */
  l1Sums(a: DeviceTensor, b: DeviceTensor): Promise<L1Sums>;
  /** MoReg's frame-shifted L1 sums of p [B, T*S, C] with S tokens per frame, per stride. */
  frameShiftSums(p: DeviceTensor, tokensPerFrame: number, strides: readonly number[]): Promise<FrameShiftSums[]>;
  /**
   * Classifier-free guidance on the model output out [2, Cout, T, H, W] (row 0 conditional,
   * row 1 unconditional): v = u + scale * (c - u) over the first `channels` channels.
   * Returns v [1, channels, T, H, W].
   */
  guidance(out: DeviceTensor, channels: number, scale: number): DeviceTensor;
  /** z + dt * v (the Euler update of rectified flow). */
  axpy(z: DeviceTensor, v: DeviceTensor, dt: number): DeviceTensor;
  /** Stacks [1, ...] tensors along dim 0 into [n, ...] (the CFG batch). */
  concat0(parts: readonly DeviceTensor[]): DeviceTensor;
}

export type BackendKind = 'webgpu' | 'wasm' | 'node';

export interface Backend {
  readonly kind: BackendKind;
  /** Human-readable description, e.g. the GPU adapter or "onnxruntime-node (CPU)". */
  readonly description: string;
  readonly ops: TensorOps;
  createSession(onnx: Uint8Array, name: string): Promise<ModelSession>;
  upload(data: Float32Array, dims: readonly number[]): DeviceTensor;
  download(t: DeviceTensor): Promise<Float32Array>;
  /** Frees a tensor this backend made; a no-op for host tensors. */
  release(t: DeviceTensor): void;
  dispose(): Promise<void>;
}
