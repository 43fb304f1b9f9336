"""Small text encoder over the grammar's word tokens: token embedding + learned positions +
pre-LN transformer layers (key padding mask) + final LayerNorm -> [B, L, caption_channels].
Its ONNX graph is built in TypeScript (src/convert/textEncoderGraph.ts) from the exported weights
with the same names, so the math here is the contract for that graph."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def text_config(tok):
    """TextEncoder kwargs for a tokenizer's vocabulary: the size every run and pretrain_text.py use
    (dim = the STDiT3's caption_channels)."""
    return dict(vocab_size=len(tok.vocab), max_length=tok.max_length, dim=64, layers=2, heads=4)


class EncoderLayer(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(dim, eps=1e-5)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim, eps=1e-5)
        self.fc1 = nn.Linear(dim, 2 * dim)
        self.fc2 = nn.Linear(2 * dim, dim)

    def forward(self, x, key_bias):
        b, n, c = x.shape
        hd = c // self.heads
        qkv = self.qkv(self.ln1(x)).view(b, n, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
        att = torch.softmax(qkv[0] @ qkv[1].transpose(-2, -1) * hd ** -0.5 + key_bias, dim=-1)
        x = x + self.proj((att @ qkv[2]).transpose(1, 2).reshape(b, n, c))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))


class TextEncoder(nn.Module):
    def __init__(self, vocab_size, max_length, dim=64, layers=2, heads=4, embed_std=0.02):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, dim)
        self.pos = nn.Parameter(torch.randn(max_length, dim) * embed_std)
        self.layers = nn.ModuleList([EncoderLayer(dim, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(dim, eps=1e-5)
        nn.init.normal_(self.tok.weight, std=embed_std)

    def forward(self, ids, mask):
        """ids, mask [B, L] int64 -> [B, L, dim]."""
        # -1e4 (not -inf) so a padded query row stays finite; padded outputs are ignored downstream.
        key_bias = ((1.0 - mask.float()) * -1e4)[:, None, None, :]
        x = self.tok(ids) + self.pos[None, : ids.shape[1]]
        for layer in self.layers:
            x = layer(x, key_bias)
        return self.ln_f(x)
