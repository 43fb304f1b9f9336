// Element-wise a + b (cached step: stack output = input + cached residual) and
// a - b (computed step: residual = output - input). One invocation per element on a 2D grid,
// so tensors past 65535 workgroups still fit the dispatch limits.

const WG: u32 = 128u;

struct Params {
  n: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

fn flatIndex(wid: vec3<u32>, groups: vec3<u32>, lid: u32) -> u32 {
  return (wid.y * groups.x + wid.x) * WG + lid;
}

@compute @workgroup_size(WG)
fn add(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  let i = flatIndex(wid, groups, lid);
  if (i < params.n) {
    out[i] = a[i] + b[i];
  }
}

@compute @workgroup_size(WG)
fn sub(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  let i = flatIndex(wid, groups, lid);
  if (i < params.n) {
    out[i] = a[i] - b[i];
  }
}
