/** A one-layer ONNX graph y = x W + b for backend tests that must not wait on the model converter. */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export interface Affine {
  k: number;
  m: number;
  w: Float32Array; // [K, M]
  b: Float32Array; // [M]
}

function valueInfo(name: string, dims: (number | string)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  });
}

function initializer(name: string, dims: number[], data: Float32Array) {
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  });
}

export function affineGraph(a: Affine): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'adacache-studio tests',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'affine',
      node: [
        onnx.NodeProto.create({ opType: 'MatMul', input: ['x', 'w'], output: ['xw'], name: 'matmul' }),
        onnx.NodeProto.create({ opType: 'Add', input: ['xw', 'b'], output: ['y'], name: 'bias' }),
      ],
      initializer: [initializer('w', [a.k, a.m], a.w), initializer('b', [a.m], a.b)],
      input: [valueInfo('x', ['N', a.k])],
      output: [valueInfo('y', ['N', a.m])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** x [N, K] -> x W + b [N, M] in float64, rounded once to float32. */
export function affineReference(a: Affine, x: Float32Array, n: number): Float32Array {
  const y = new Float32Array(n * a.m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < a.m; j++) {
      let s = a.b[j]!;
      for (let l = 0; l < a.k; l++) s += x[i * a.k + l]! * a.w[l * a.m + j]!;
      y[i * a.m + j] = s;
    }
  }
  return y;
}
