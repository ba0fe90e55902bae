"""PyTorch reference of ldm4j.dit.Dit: DiT (Peebles & Xie 2023) as ldm4j uses it.

Written after facebookresearch/DiT models.py with timm's Attention, Mlp and PatchEmbed spelled out (this
file needs torch only), with ldm4j's changes: the output is the v-prediction (C channels, no learned sigma),
t is continuous in [0, 1] and embedded as 1000 t (the UNet's convention), the label table always has the
null-class row (label dropout is the trainer's), and attention may normalise queries and keys per head
(QK-norm, timm's qk_norm: LayerNorm with affine parameters, eps 1e-5). State-dict keys are DiT's and equal
the Java module's. Importable; used by scripts/fixtures/make_dit_fixtures.py and bench/python.
"""
import math

import numpy as np
import torch
import torch.nn as nn

FREQUENCIES = 256
MLP_RATIO = 4

# name: (depth, hidden, heads) for patch sizes 2, 4, 8 (ldm4j.config.DitSizes)
FAMILY = {"T": (6, 192, 3), "S": (12, 384, 6), "B": (12, 768, 12), "L": (24, 1024, 16), "XL": (28, 1152, 16)}
SIZES = {f"DiT-{n}/{p}": (d, h, k, p) for n, (d, h, k) in FAMILY.items() for p in (2, 4, 8)}


def sinusoidal64(t, dim):
    """DiT's timestep_embedding of 1000 t ([cos, sin] of 1000 t f_k, f_k = 10000^(-k / half)) computed in float64,
    rounded to float32 (ldm4j.nn.TimestepEmbedding.sinusoidal64: exact to float32 rounding on both sides)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float64) / half)
    args = (1000.0 * t.double())[:, None] * freqs[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1).float()


def modulate(x, shift, scale):
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


def layer_norm(x):
    return nn.functional.layer_norm(x, (x.shape[-1],), eps=1e-6)


def dot_product_attention(q, k, v):
    """softmax(q k^T / sqrt(d)) v on (B, heads, T, d), q and k each scaled by d^-1/4 (ldm4j's CPU path)."""
    s = q.shape[-1] ** -0.25
    return torch.softmax((q * s) @ (k * s).transpose(-2, -1), dim=-1) @ v


class Attention(nn.Module):
    def __init__(self, dim, heads, qk_norm):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        if qk_norm:
            self.q_norm = nn.LayerNorm(dim // heads, eps=1e-5)
            self.k_norm = nn.LayerNorm(dim // heads, eps=1e-5)
        else:
            self.q_norm = self.k_norm = None
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, t, d = x.shape
        qkv = self.qkv(x).reshape(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        if self.q_norm is not None:
            q, k = self.q_norm(q), self.k_norm(k)
        o = dot_product_attention(q, k, v)
        return self.proj(o.transpose(1, 2).reshape(b, t, d))


class Mlp(nn.Module):
    def __init__(self, dim, inner):
        super().__init__()
        self.fc1 = nn.Linear(dim, inner)
        self.fc2 = nn.Linear(inner, dim)

    def forward(self, x):
        return self.fc2(nn.functional.gelu(self.fc1(x), approximate="tanh"))


class PatchEmbed(nn.Module):
    def __init__(self, patch, cin, dim):
        super().__init__()
        self.proj = nn.Conv2d(cin, dim, patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)  # (B, T, D)


class TimestepEmbedder(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(FREQUENCIES, dim), nn.SiLU(), nn.Linear(dim, dim))

    def forward(self, t):
        return self.mlp(sinusoidal64(t, FREQUENCIES))


class LabelEmbedder(nn.Module):
    def __init__(self, num_classes, dim):
        super().__init__()
        self.embedding_table = nn.Embedding(num_classes + 1, dim)

    def forward(self, y):
        return self.embedding_table(y)


class DiTBlock(nn.Module):
    def __init__(self, dim, heads, qk_norm):
        super().__init__()
        self.attn = Attention(dim, heads, qk_norm)
        self.mlp = Mlp(dim, MLP_RATIO * dim)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(dim, 6 * dim))

    def forward(self, x, c):
        shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = self.adaLN_modulation(c).chunk(6, dim=1)
        x = x + gate_msa.unsqueeze(1) * self.attn(modulate(layer_norm(x), shift_msa, scale_msa))
        return x + gate_mlp.unsqueeze(1) * self.mlp(modulate(layer_norm(x), shift_mlp, scale_mlp))


class FinalLayer(nn.Module):
    def __init__(self, dim, patch, cout):
        super().__init__()
        self.linear = nn.Linear(dim, patch * patch * cout)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(dim, 2 * dim))

    def forward(self, x, c):
        shift, scale = self.adaLN_modulation(c).chunk(2, dim=1)
        return self.linear(modulate(layer_norm(x), shift, scale))


def sincos_2d(dim, grid):
    """DiT's get_2d_sincos_pos_embed (MAE): (grid^2, dim) float64."""
    def one_d(d, pos):
        omega = np.arange(d // 2, dtype=np.float64) / (d / 2.0)
        out = np.einsum("m,d->md", pos.reshape(-1), 1.0 / 10000 ** omega)
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)
    g = np.stack(np.meshgrid(np.arange(grid, dtype=np.float32), np.arange(grid, dtype=np.float32)), axis=0)
    return np.concatenate([one_d(dim // 2, g[0]), one_d(dim // 2, g[1])], axis=1)


class DiT(nn.Module):
    def __init__(self, depth, hidden, heads, patch, num_classes, in_channels, latent_size, qk_norm=False):
        super().__init__()
        self.patch, self.cin, self.grid = patch, in_channels, latent_size // patch
        self.x_embedder = PatchEmbed(patch, in_channels, hidden)
        self.t_embedder = TimestepEmbedder(hidden)
        self.y_embedder = LabelEmbedder(num_classes, hidden)
        self.pos_embed = nn.Parameter(torch.zeros(1, self.grid ** 2, hidden), requires_grad=False)
        self.blocks = nn.ModuleList([DiTBlock(hidden, heads, qk_norm) for _ in range(depth)])
        self.final_layer = FinalLayer(hidden, patch, in_channels)
        self.initialize_weights()

    def initialize_weights(self):
        def basic(m):
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        self.apply(basic)
        self.pos_embed.data.copy_(torch.from_numpy(sincos_2d(self.pos_embed.shape[-1], self.grid)).float().unsqueeze(0))
        w = self.x_embedder.proj.weight.data
        nn.init.xavier_uniform_(w.view([w.shape[0], -1]))
        nn.init.zeros_(self.x_embedder.proj.bias)
        nn.init.normal_(self.y_embedder.embedding_table.weight, std=0.02)
        nn.init.normal_(self.t_embedder.mlp[0].weight, std=0.02)
        nn.init.normal_(self.t_embedder.mlp[2].weight, std=0.02)
        for block in self.blocks:
            nn.init.zeros_(block.adaLN_modulation[-1].weight)
            nn.init.zeros_(block.adaLN_modulation[-1].bias)
        for p in (self.final_layer.adaLN_modulation[-1].weight, self.final_layer.adaLN_modulation[-1].bias,
                  self.final_layer.linear.weight, self.final_layer.linear.bias):
            nn.init.zeros_(p)

    def unpatchify(self, x):
        b, p, c, g = x.shape[0], self.patch, self.cin, self.grid
        x = torch.einsum("nhwpqc->nchpwq", x.reshape(b, g, g, p, p, c))
        return x.reshape(b, c, g * p, g * p)

    def forward(self, x, t, y):
        h = self.x_embedder(x) + self.pos_embed
        c = self.t_embedder(t) + self.y_embedder(y)
        for block in self.blocks:
            h = block(h, c)
        return self.unpatchify(self.final_layer(h, c))


def v_loss(net, z, eps, t, y):
    """ldm4j's plain v-MSE on the cosine schedule (VDenoiser.loss): returns (v, loss)."""
    a = torch.cos(t.double() * math.pi / 2).float().view(-1, 1, 1, 1)
    s = torch.sin(t.double() * math.pi / 2).float().view(-1, 1, 1, 1)
    v = net(a * z + s * eps, t, y)
    err = (v.float() - (a * eps - s * z)).pow(2).flatten(1).mean(1)
    return v, err.mean()
