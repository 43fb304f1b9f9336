// MoReg motion signal, stage 1: per-workgroup partial sums over p [B, T*S, C] of
//   |p[:, iS:] - p[:, :-iS]|   and   |p[:, iS:]| + |p[:, :-iS]|
// for one frame stride i (shift = i*S tokens). Pairs never cross batch rows.
// pairSums.wgsl reduces the partials; accumulation is float32.

const WG: u32 = 128u;

struct Params {
  pairs: u32,    // B * (T*S - shift) * C
  perRow: u32,   // (T*S - shift) * C: pairs per batch row
  rowLen: u32,   // T*S*C: elements per batch row
  offset: u32,   // shift * C: distance from the earlier to the later element
  base: u32,     // first partial slot of this dispatch
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<storage, read> p: array<f32>;
@group(0) @binding(1) var<storage, read_write> partials: array<vec2<f32>>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> scratch: array<vec2<f32>, WG>;

@compute @workgroup_size(WG)
fn main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  let step = groups.x * WG;
  var acc = vec2<f32>(0.0, 0.0);
  for (var k = wid.x * WG + lid; k < params.pairs; k += step) {
    let row = k / params.perRow;
    let earlier = p[row * params.rowLen + (k - row * params.perRow)];
    let later = p[row * params.rowLen + (k - row * params.perRow) + params.offset];
    acc += vec2<f32>(abs(later - earlier), abs(later) + abs(earlier));
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
