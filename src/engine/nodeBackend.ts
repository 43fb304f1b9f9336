/**
 * The Node backend: ONNX sessions on onnxruntime-node (CPU) and the TypeScript kernel twins
 * for the loop's element-wise work and reductions. Tensors are host Float32Arrays.
 */
import * as ort from 'onnxruntime-node';
import { cpuTensorOps, hostTensor } from '../kernels/cpuOps.ts';
import { outputsToFetch, type Backend, type DeviceTensor, type HostTensor, type ModelSession } from './backend.ts';

export class SessionError extends Error {
  override name = 'SessionError';
}

function toOrt(name: string, t: DeviceTensor | HostTensor): ort.Tensor {
  const data = t.data;
  if (data instanceof Float32Array) return new ort.Tensor('float32', data, [...t.dims]);
  if (data instanceof BigInt64Array) return new ort.Tensor('int64', data, [...t.dims]);
  if (data instanceof Int32Array) return new ort.Tensor('int32', data, [...t.dims]);
  throw new SessionError(`input ${name} is not a host tensor (the Node backend has no GPU tensors)`);
}

export interface NodeBackendOptions {
  /** ORT intra-op threads; ORT's default (one per physical core) when absent. */
  threads?: number;
  /**
   * Let ORT's pool threads busy-wait between ops. Off by default: the sampler's own JavaScript
   * shares the cores with the pool, and on a 2-core machine spinning made a computed step
   * 45 ms instead of 28 ms (a skipped one 3.2 instead of 2.8 ms).
   */
  spin?: boolean;
}

export async function createNodeBackend(opts: NodeBackendOptions = {}): Promise<Backend> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    ...(opts.threads ? { intraOpNumThreads: opts.threads } : {}),
    extra: {
      session: {
        intra_op: { allow_spinning: opts.spin ? '1' : '0' },
        // Lets ORT constant-fold the int8 weights' DequantizeLinear at load instead of running it
        // every call: the same fp32 weights, the block stack 15-40% faster here.
        disable_quant_qdq: '1',
      },
    },
  };
  return {
    kind: 'node',
    description: `onnxruntime-node ${ort.env.versions.node} (CPU)`,
    ops: cpuTensorOps,
    async createSession(onnx: Uint8Array, name: string): Promise<ModelSession> {
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(onnx, sessionOptions);
      } catch (e) {
        throw new SessionError(`could not load ${name}: ${(e as Error).message}`);
      }
      return {
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        async run(feeds, outputs) {
          const fetches = outputsToFetch(session.outputNames, outputs);
          if (typeof fetches === 'string') throw new SessionError(`${name}: ${fetches}`);
          const ortFeeds: Record<string, ort.Tensor> = {};
          for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = toOrt(k, v);
          let out: ort.InferenceSession.ReturnType;
          try {
            out = await session.run(ortFeeds, fetches);
          } catch (e) {
            throw new SessionError(`${name} failed: ${(e as Error).message}`);
          }
          const result: Record<string, DeviceTensor> = {};
          for (const [k, v] of Object.entries(out)) {
            if (!(v.data instanceof Float32Array)) throw new SessionError(`${name} output ${k} is ${v.type}, expected float32`);
            result[k] = hostTensor(v.data, v.dims);
          }
          return result;
        },
        release: () => session.release(),
      };
    },
    upload: (data, dims) => hostTensor(data, dims),
    async download(t) {
      if (!t.data) throw new SessionError('tensor has no host data');
      return t.data;
    },
    release() {},
    async dispose() {},
  };
}
