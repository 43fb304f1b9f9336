"""A lean PyTorch STDiT3 (Open-Sora v1.2) with Open-Sora's parameter names and math.

Same layers as opensora/models/stdit/stdit3.py at tag v1.2.0, written for fast CPU training:
plain matmul attention (no xformers), cross-attention over padded captions with a key mask
(equal to Open-Sora's per-sample block-diagonal attention over valid tokens).
Checked against the official code's golden data by training/verify_stdit3.py.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def gelu_tanh(x):
    return F.gelu(x, approximate="tanh")


def modulate(x, shift, scale):
    return x * (1 + scale) + shift


class Mlp(nn.Module):
    def __init__(self, cin, hidden, cout):
        super().__init__()
        self.fc1 = nn.Linear(cin, hidden)
        self.fc2 = nn.Linear(hidden, cout)

    def forward(self, x):
        return self.fc2(gelu_tanh(self.fc1(x)))


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(seq_len, head_dim, device=None):
    """cos/sin for rotary_embedding_torch's interleaved layout, positions 0..seq_len-1."""
    freqs = 1.0 / (10000 ** (torch.arange(0, head_dim, 2, dtype=torch.float32)[: head_dim // 2] / head_dim))
    ang = torch.arange(seq_len, dtype=torch.float32)[:, None] * freqs[None]
    ang = ang.repeat_interleave(2, dim=-1)
    return ang.cos().to(device), ang.sin().to(device)


def apply_rope(x, cos, sin):
    x2 = x.reshape(*x.shape[:-1], -1, 2)
    rot = torch.stack((-x2[..., 1], x2[..., 0]), dim=-1).reshape(x.shape)
    return x * cos + rot * sin


class Attention(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.q_norm = RMSNorm(self.head_dim)
        self.k_norm = RMSNorm(self.head_dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, rope=None):
        b, n, c = x.shape
        qkv = self.qkv(x).view(b, n, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        q = self.q_norm(q)
        k = self.k_norm(k)
        if rope is not None:
            q = apply_rope(q, *rope)
            k = apply_rope(k, *rope)
        att = torch.softmax((q * (self.head_dim ** -0.5)) @ k.transpose(-2, -1), dim=-1)
        out = (att @ v).transpose(1, 2).reshape(b, n, c)
        return self.proj(out)


class MultiHeadCrossAttention(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.q_linear = nn.Linear(dim, dim)
        self.kv_linear = nn.Linear(dim, 2 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, cond, key_bias):
        # x [B, N, C]; cond [B, L, C]; key_bias [B, 1, 1, L]: 0 for valid tokens, -inf for padding
        b, n, c = x.shape
        L = cond.shape[1]
        q = self.q_linear(x).view(b, n, self.num_heads, self.head_dim).transpose(1, 2)
        kv = self.kv_linear(cond).view(b, L, 2, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        k, v = kv[0], kv[1]
        att = (q * (self.head_dim ** -0.5)) @ k.transpose(-2, -1) + key_bias
        out = (torch.softmax(att, dim=-1) @ v).transpose(1, 2).reshape(b, n, c)
        return self.proj(out)


class STDiT3Block(nn.Module):
    def __init__(self, hidden, num_heads, mlp_ratio, temporal):
        super().__init__()
        self.temporal = temporal
        self.attn = Attention(hidden, num_heads)
        self.cross_attn = MultiHeadCrossAttention(hidden, num_heads)
        self.mlp = Mlp(hidden, int(hidden * mlp_ratio), hidden)
        self.scale_shift_table = nn.Parameter(torch.randn(6, hidden) / hidden ** 0.5)

    def forward(self, x, y, key_bias, t_mlp, T, S, rope):
        b, n, c = x.shape
        sh1, sc1, g1, sh2, sc2, g2 = (self.scale_shift_table[None] + t_mlp.view(b, 6, c)).chunk(6, dim=1)
        a = modulate(F.layer_norm(x, (c,), eps=1e-6), sh1, sc1)
        if self.temporal:
            a = a.view(b, T, S, c).transpose(1, 2).reshape(b * S, T, c)
            a = self.attn(a, rope)
            a = a.view(b, S, T, c).transpose(1, 2).reshape(b, n, c)
        else:
            a = self.attn(a.reshape(b * T, S, c)).view(b, n, c)
        x = x + g1 * a
        x = x + self.cross_attn(x, y, key_bias)
        m = modulate(F.layer_norm(x, (c,), eps=1e-6), sh2, sc2)
        return x + g2 * self.mlp(m)


class TimestepEmbedder(nn.Module):
    def __init__(self, hidden, freq_dim=256):
        super().__init__()
        self.freq_dim = freq_dim
        self.mlp = nn.Sequential(nn.Linear(freq_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden))

    def forward(self, t):
        half = self.freq_dim // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
        args = t.float()[:, None] * freqs[None]
        return self.mlp(torch.cat([torch.cos(args), torch.sin(args)], dim=-1))


class CaptionEmbedder(nn.Module):
    def __init__(self, cin, hidden, token_num):
        super().__init__()
        self.y_proj = Mlp(cin, hidden, hidden)
        # The learned null caption for classifier-free guidance (a trained parameter here).
        self.y_embedding = nn.Parameter(torch.randn(token_num, cin) / cin ** 0.5)


class PatchEmbed3D(nn.Module):
    def __init__(self, patch, cin, hidden):
        super().__init__()
        self.patch = tuple(patch)
        self.proj = nn.Conv3d(cin, hidden, kernel_size=self.patch, stride=self.patch)

    def forward(self, x):
        _, _, T, H, W = x.shape
        pt, ph, pw = self.patch
        x = F.pad(x, (0, (-W) % pw, 0, (-H) % ph, 0, (-T) % pt))
        x = self.proj(x)  # [B, C, T', H', W']
        return x.flatten(2).transpose(1, 2)


class FinalLayer(nn.Module):
    def __init__(self, hidden, patch, cout):
        super().__init__()
        self.linear = nn.Linear(hidden, int(patch[0] * patch[1] * patch[2]) * cout)
        self.scale_shift_table = nn.Parameter(torch.randn(2, hidden) / hidden ** 0.5)


def pos_embed_2d(hidden, hp, wp, scale, base_size):
    quarter = hidden // 4
    inv_freq = 1.0 / (10000 ** (torch.arange(0, hidden // 2, 2, dtype=torch.float32) / (hidden // 2)))
    assert inv_freq.numel() == quarter
    gh = torch.arange(hp, dtype=torch.float32) / scale * (base_size / hp)
    gw = torch.arange(wp, dtype=torch.float32) / scale * (base_size / wp)
    gw_all = gw[None, :].expand(hp, wp).reshape(-1)
    gh_all = gh[:, None].expand(hp, wp).reshape(-1)

    def sc(g):
        o = g[:, None] * inv_freq[None]
        return torch.cat([torch.sin(o), torch.cos(o)], dim=-1)

    return torch.cat([sc(gw_all), sc(gh_all)], dim=-1)


class STDiT3(nn.Module):
    def __init__(self, hidden_size=128, depth=4, num_heads=4, mlp_ratio=4.0, patch_size=(1, 4, 4),
                 in_channels=3, pred_sigma=False, caption_channels=64, model_max_length=20,
                 input_sq_size=512, **_):
        super().__init__()
        self.hidden = hidden_size
        self.num_heads = num_heads
        self.patch = tuple(patch_size)
        self.in_channels = in_channels
        self.out_channels = in_channels * 2 if pred_sigma else in_channels
        self.input_sq_size = input_sq_size
        self.x_embedder = PatchEmbed3D(self.patch, in_channels, hidden_size)
        self.t_embedder = TimestepEmbedder(hidden_size)
        self.fps_embedder = TimestepEmbedder(hidden_size)
        self.t_block = nn.Sequential(nn.SiLU(), nn.Linear(hidden_size, 6 * hidden_size))
        self.y_embedder = CaptionEmbedder(caption_channels, hidden_size, model_max_length)
        self.spatial_blocks = nn.ModuleList(
            [STDiT3Block(hidden_size, num_heads, mlp_ratio, False) for _ in range(depth)])
        self.temporal_blocks = nn.ModuleList(
            [STDiT3Block(hidden_size, num_heads, mlp_ratio, True) for _ in range(depth)])
        self.final_layer = FinalLayer(hidden_size, self.patch, self.out_channels)
        self._init_weights()

    def _init_weights(self):
        # Open-Sora's initialisation: xavier linears, small embedders, zeroed outputs.
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        w = self.x_embedder.proj.weight
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))
        for emb in (self.t_embedder, self.fps_embedder):
            nn.init.normal_(emb.mlp[0].weight, std=0.02)
            nn.init.normal_(emb.mlp[2].weight, std=0.02)
        nn.init.normal_(self.t_block[1].weight, std=0.02)
        nn.init.normal_(self.y_embedder.y_proj.fc1.weight, std=0.02)
        nn.init.normal_(self.y_embedder.y_proj.fc2.weight, std=0.02)
        for blk in list(self.spatial_blocks) + list(self.temporal_blocks):
            nn.init.zeros_(blk.cross_attn.proj.weight)
            nn.init.zeros_(blk.cross_attn.proj.bias)
        for blk in self.temporal_blocks:
            nn.init.zeros_(blk.attn.proj.weight)
            nn.init.zeros_(blk.attn.proj.bias)
            nn.init.zeros_(blk.mlp.fc2.weight)
            nn.init.zeros_(blk.mlp.fc2.bias)
        nn.init.zeros_(self.final_layer.linear.weight)
        nn.init.zeros_(self.final_layer.linear.bias)

    def forward(self, x, timestep, y, mask, fps, height, width):
        """x [B,Cin,T,H,W]; timestep [B] (0..1000); y [B,1,L,Ccap]; mask [B,L]; fps [B];
        height/width: video size in pixels (floats). Returns [B,Cout,T,H,W]."""
        B, _, Tin, Hin, Win = x.shape
        pt, ph, pw = self.patch
        T, Hp, Wp = -(-Tin // pt), -(-Hin // ph), -(-Win // pw)
        S = Hp * Wp
        scale = math.sqrt(float(height) * float(width)) / self.input_sq_size
        pe = pos_embed_2d(self.hidden, Hp, Wp, scale, round(S ** 0.5)).to(x.device)

        c = self.t_embedder(timestep) + self.fps_embedder(fps)
        t_mlp = self.t_block(c)
        yy = self.y_embedder.y_proj(y[:, 0])
        key_bias = torch.zeros(mask.shape, dtype=x.dtype, device=x.device)
        key_bias = key_bias.masked_fill(mask == 0, float("-inf"))[:, None, None, :]

        h = self.x_embedder(x)
        h = (h.view(B, T, S, self.hidden) + pe[None, None]).view(B, T * S, self.hidden)
        rope = rope_tables(T, self.hidden // self.num_heads, x.device)
        for sb, tb in zip(self.spatial_blocks, self.temporal_blocks):
            h = sb(h, yy, key_bias, t_mlp, T, S, None)
            h = tb(h, yy, key_bias, t_mlp, T, S, rope)

        fl = self.final_layer
        shift, scl = (fl.scale_shift_table[None] + c[:, None]).chunk(2, dim=1)
        h = fl.linear(modulate(F.layer_norm(h, (self.hidden,), eps=1e-6), shift, scl))
        # unpatchify: tokens (T, Hp, Wp) each carrying (pt, ph, pw, Cout)
        h = h.view(B, T, Hp, Wp, pt, ph, pw, self.out_channels)
        h = h.permute(0, 7, 1, 4, 2, 5, 3, 6).reshape(B, self.out_channels, T * pt, Hp * ph, Wp * pw)
        return h[:, :, :Tin, :Hin, :Win]
