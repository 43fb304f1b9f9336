// Classifier-free guidance on the model output [2, Cout, T, H, W]:
//   v = u + scale * (c - u)   over the first `channels` channels (the velocity; the rest
// are the learned-sigma channels). c is batch row 0, u is row 1. Output [1, channels, T, H, W].

const WG: u32 = 128u;

struct Params {
  n: u32,      // channels * T * H * W
  uncond: u32, // Cout * T * H * W: offset of the unconditional row
  scale: f32,
  _pad0: u32,
}

@group(0) @binding(0) var<storage, read> model_out: array<f32>;
@group(0) @binding(1) var<storage, read_write> v: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  let i = (wid.y * groups.x + wid.x) * WG + lid;
  if (i < params.n) {
    let c = model_out[i];
    let u = model_out[params.uncond + i];
    v[i] = u + params.scale * (c - u);
  }
}
