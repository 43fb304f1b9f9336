// Stage 2 of the L1 reductions: one workgroup folds `count` vec2 partials (from
// residualL1.wgsl or frameShiftL1.wgsl) into sums[slot], so only a few scalars are read back.

const WG: u32 = 128u;

struct Params {
  base: u32,   // first partial
  count: u32,  // partials to fold
  slot: u32,   // where the pair of sums goes
  _pad0: u32,
}

@group(0) @binding(0) var<storage, read> partials: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read_write> sums: array<vec2<f32>>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> scratch: array<vec2<f32>, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  var acc = vec2<f32>(0.0, 0.0);
  for (var i = lid; i < params.count; i += WG) {
    acc += partials[params.base + i];
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
    sums[params.slot] = scratch[0];
  }
}
