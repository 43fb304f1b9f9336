/**
 * The Node backend: ONNX sessions on onnxruntime-node (CPU) and the TypeScript kernel twins
 * for the loop's element-wise work and reductions. Tensors are host Float32Arrays.
 */
import * as ort from 'onnxruntime-node';
import { cpuTensorOps, hostTensor } from '../kernels/cpuOps.ts';
import type { Backend, DeviceTensor, HostTensor, ModelSession } from './backend.ts';

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

export async function createNodeBackend(opts: { threads?: number } = {}): Promise<Backend> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    ...(opts.threads ? { intraOpNumThreads: opts.threads } : {}),
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
        async run(feeds) {
          const ortFeeds: Record<string, ort.Tensor> = {};
          for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = toOrt(k, v);
          let out: ort.InferenceSession.ReturnType;
          try {
            out = await session.run(ortFeeds);
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
