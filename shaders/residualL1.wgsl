// AdaCache distance, stage 1: per-workgroup partial sums of |a - b| and |a|.
// Each invocation strides over the whole tensor (so a bounded grid covers any size), then the
// workgroup folds its partials in workgroup memory. pairSums.wgsl reduces the partials.
// Accumulation is float32 (WGSL has no portable f64).

const WG: u32 = 128u;

struct Params {
  n: u32,     // elements
  base: u32,  // first partial slot of this dispatch
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<vec2<f32>>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> scratch: array<vec2<f32>, WG>;

@compute @workgroup_size(WG)
fn main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  let step = groups.x * WG;
  var acc = vec2<f32>(0.0, 0.0);
  for (var i = wid.x * WG + lid; i < params.n; i += step) {
    let x = a[i];
    acc += vec2<f32>(abs(x - b[i]), abs(x));
  }
  scratch[lid] = acc;
  workgroupBarrier();
  for (var width = WG / 2u; width > 0u; width = width >> 1u) {
    if (lid < width) {
      scratch[lid] += scratch[lid + width];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    partials[params.base + wid.x] = scratch[0];
  }
}
