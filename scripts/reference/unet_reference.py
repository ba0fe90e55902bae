"""PyTorch reference of ldm4j.unet.Unet: the class-conditional latent UNet (ADM/LDM style).

Same modules, same registration order and therefore the same state_dict keys as the Java classes in
src/main/java/ldm4j/unet/ and the shared blocks in src/main/java/ldm4j/nn/ (TimestepResBlock here is
nn.ResBlock.timeConditioned, UnetAttention nn.SelfAttention2d.zeroProjected, Level nn.Level). Importable (torch only); used by scripts/fixtures/make_unet_fixtures.py.

References: Ho et al. 2020 (DDPM UNet with a timestep embedding added in every residual block),
Dhariwal & Nichol 2021 (ADM: skip list, resBlocks+1 decoder blocks per level, multi-head attention,
zero-initialised output layers), Rombach et al. 2022 (the same UNet run on VAE latents).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from ldm_reference import dot_product_attention  # noqa: E402  (the same attention as the VAE's)

GROUPNORM_EPS = 1e-6  # same as the VAE (ldm4j.nn.Layers.groupNorm)
MAX_PERIOD = 10000.0
TIME_SCALE = 1000.0  # continuous t in [0, 1] is embedded as 1000 * t, the DDPM step range


def sinusoidal(t, dim):
    """ADM timestep_embedding of 1000 * t: [cos(1000 t f_k), sin(1000 t f_k)], f_k = exp(-ln(10000) k / half).

    t: (B,) float; returns (B, dim). k runs over [0, half), half = dim // 2; cos first, then sin. An odd
    dim gets a trailing zero column.
    """
    half = dim // 2
    freqs = torch.exp(-math.log(MAX_PERIOD) * torch.arange(half, dtype=torch.float32) / half)  # (half,)
    args = (TIME_SCALE * t.float())[:, None] * freqs[None, :]  # (B, half)
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=1)  # (B, 2 half)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=1)
    return emb


def group_norm(groups, ch):
    return nn.GroupNorm(groups, ch, eps=GROUPNORM_EPS)


def zero_(module):
    nn.init.zeros_(module.weight)
    nn.init.zeros_(module.bias)
    return module


class TimestepEmbedding(nn.Sequential):
    """sinusoidal(t) -> Linear(channels, E) -> SiLU -> Linear(E, E); keys time_embed.0, time_embed.2."""

    def __init__(self, channels, dim):
        super().__init__(nn.Linear(channels, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.channels = channels

    def forward(self, t):
        return super().forward(sinusoidal(t, self.channels))  # (B, E)


class TimestepResBlock(nn.Module):
    def __init__(self, cin, cout, emb_dim, groups, dropout):
        super().__init__()
        self.norm1 = group_norm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb_proj = nn.Linear(emb_dim, cout)
        self.norm2 = group_norm(groups, cout)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = zero_(nn.Conv2d(cout, cout, 3, padding=1))
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))  # (B, out, H, W)
        h = h + self.emb_proj(F.silu(emb))[:, :, None, None]  # (B, out, H, W)
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))  # (B, out, H, W)
        return (x if self.skip is None else self.skip(x)) + h


class UnetAttention(nn.Module):
    def __init__(self, ch, heads, groups):
        super().__init__()
        self.heads = heads
        self.norm = group_norm(groups, ch)
        self.qkv = nn.Conv2d(ch, 3 * ch, 1)
        self.proj = zero_(nn.Conv2d(ch, ch, 1))

    def forward(self, x):
        b, c, h, w = x.shape
        qkv = self.qkv(self.norm(x))  # (B, 3C, H, W), channels ordered [q | k | v], each [head0 | head1 ...]
        qkv = qkv.reshape(b, 3, self.heads, c // self.heads, h * w).permute(1, 0, 2, 4, 3)  # (3, B, heads, T, hc)
        out = dot_product_attention(qkv[0], qkv[1], qkv[2])  # (B, heads, T, hc)
        out = out.permute(0, 1, 3, 2).reshape(b, c, h, w)  # (B, C, H, W)
        return x + self.proj(out)


class Upsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))  # (B, C, 2H, 2W)


class Level(nn.Module):
    """One resolution: res.{j}, attn.{j} (all or none), then downsample (a bare conv) or upsample."""

    def __init__(self):
        super().__init__()
        self.res = nn.ModuleList()
        self.attn = nn.ModuleList()


class Unet(nn.Module):
    def __init__(self, channels, multipliers, res_blocks, attention_resolutions, head_channels, dropout, groups,
                 num_classes, in_channels, latent_size, patch_size=1):
        super().__init__()
        levels = len(multipliers)
        if latent_size % (patch_size * 2 ** (levels - 1)):
            raise ValueError("latent size must be divisible by patch_size * 2^(levels-1)")
        self.patch_size = patch_size
        widths = [channels * m for m in multipliers]
        emb_dim = 4 * channels

        def attention(ch):
            return UnetAttention(ch, ch // head_channels, groups)

        self.time_embed = TimestepEmbedding(channels, emb_dim)
        self.class_embed = nn.Embedding(num_classes + 1, emb_dim)
        self.conv_in = nn.Conv2d(in_channels * patch_size ** 2, widths[0], 3, padding=1)

        skips = [widths[0]]
        ch, size = widths[0], latent_size // patch_size
        self.down = nn.ModuleList()
        for i, w in enumerate(widths):
            level = Level()
            for _ in range(res_blocks):
                level.res.append(TimestepResBlock(ch, w, emb_dim, groups, dropout))
                ch = w
                if size in attention_resolutions:
                    level.attn.append(attention(ch))
                skips.append(ch)
            if i < levels - 1:
                level.downsample = nn.Conv2d(ch, ch, 3, stride=2, padding=1)
                size //= 2
                skips.append(ch)
            self.down.append(level)

        self.mid = nn.Module()
        self.mid.res1 = TimestepResBlock(ch, ch, emb_dim, groups, dropout)
        self.mid.attn = attention(ch)
        self.mid.res2 = TimestepResBlock(ch, ch, emb_dim, groups, dropout)

        ups = [None] * levels
        for i in reversed(range(levels)):
            level = Level()
            for _ in range(res_blocks + 1):
                level.res.append(TimestepResBlock(ch + skips.pop(), widths[i], emb_dim, groups, dropout))
                ch = widths[i]
                if size in attention_resolutions:
                    level.attn.append(attention(ch))
            if i > 0:
                level.upsample = Upsample(ch)
                size *= 2
            ups[i] = level
        self.up = nn.ModuleList(ups)  # indexed by level, as in the Java class

        self.norm_out = group_norm(groups, widths[0])
        self.conv_out = zero_(nn.Conv2d(widths[0], in_channels * patch_size ** 2, 3, padding=1))

    def embedding(self, t, y):
        return self.time_embed(t) + self.class_embed(y)  # (B, E)

    def forward(self, x, t, y):
        emb = self.embedding(t, y)  # (B, E)
        p = self.patch_size
        h = self.conv_in(F.pixel_unshuffle(x, p) if p > 1 else x)  # (B, w0, S/p, S/p)
        skips = [h]
        for level in self.down:
            for j, res in enumerate(level.res):
                h = res(h, emb)
                if len(level.attn):
                    h = level.attn[j](h)
                skips.append(h)
            if hasattr(level, "downsample"):
                h = level.downsample(h)  # (B, w, S/2, S/2)
                skips.append(h)
        h = self.mid.res2(self.mid.attn(self.mid.res1(h, emb)), emb)
        for level in reversed(self.up):
            for j, res in enumerate(level.res):
                h = res(torch.cat([h, skips.pop()], dim=1), emb)  # (B, w_i, s, s)
                if len(level.attn):
                    h = level.attn[j](h)
            if hasattr(level, "upsample"):
                h = level.upsample(h)
        out = self.conv_out(F.silu(self.norm_out(h)))  # (B, C p^2, S/p, S/p)
        return F.pixel_shuffle(out, p) if p > 1 else out  # (B, C, S, S)


def randomise_for_fixture(net):
    """Undoes the zero-initialisations of a fresh Unet (otherwise its output is 0 and most weights get no
    gradient, so a golden test could not fail) and perturbs the GroupNorm affine parameters (so that a swapped
    weight and bias show). Consumes the global RNG in module order."""
    for m in net.modules():
        if isinstance(m, TimestepResBlock):
            m.conv2.reset_parameters()
        if isinstance(m, UnetAttention):
            m.proj.reset_parameters()
    net.conv_out.reset_parameters()
    with torch.no_grad():
        for name, p in net.named_parameters():
            if ".norm" in name or name.startswith("norm_out"):
                p.add_(0.1 * torch.randn_like(p))
