// Euler step of rectified flow: z_next = z + dt * v.

const WG: u32 = 128u;

struct Params {
  n: u32,
  dt: f32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<storage, read> z: array<f32>;
@group(0) @binding(1) var<storage, read> v: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  let i = (wid.y * groups.x + wid.x) * WG + lid;
  if (i < params.n) {
    out[i] = z[i] + params.dt * v[i];
  }
}
