"""PyTorch reference of ldm4j's VAE-GAN (package ldm4j.autoencoder, blocks in ldm4j.nn).

Same classes, same submodule names and registration order as the Java code, so that
``state_dict()`` keys and shapes are identical (the contract between the two). Used by
scripts/fixtures/make_vae_fixtures.py to write golden tensors for the Java tests. torch only.

Configs are plain dicts with the Java record's field names:
  autoencoder:   channels, multipliers, resBlocks, latentChannels, midAttention, groups, patchSize
  discriminator: channels, layers, groups
  loss:          l1Weight, klWeight, klWarmup, advWeight, fmWeight, advStart, advWarmup, discLoss
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

GN_EPS = 1e-6


def group_norm(groups, ch):
    return nn.GroupNorm(groups, ch, eps=GN_EPS)


class ResBlock(nn.Module):
    """h = conv1(silu(norm1(x))); h = conv2(dropout(silu(norm2(h)))); skip(x) + h (He et al. 2016)."""

    def __init__(self, cin, cout, groups, dropout=0.0):
        super().__init__()
        self.norm1 = group_norm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2 = group_norm(groups, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None
        self.dropout = dropout

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.dropout(F.silu(self.norm2(h)), self.dropout, self.training))
        return (self.skip(x) if self.skip is not None else x) + h


def dot_product_attention(q, k, v):
    """softmax(q k^T / sqrt(d)) v over (B, heads, T, d), written out as ldm4j's nn.SelfAttention2d does: the
    products run in the autocast dtype (bf16 under autocast; F.scaled_dot_product_attention upcasts them to fp32
    on the CPU), the softmax on bf16 logits (accumulating in fp32). q and k are each scaled by d^-1/4 (the math path of
    F.scaled_dot_product_attention, same rounding in fp32)."""
    s = q.shape[-1] ** -0.25
    return torch.matmul(torch.softmax(torch.matmul(q * s, k.transpose(-2, -1) * s), -1), v)


class SelfAttention2d(nn.Module):
    """Multi-head self-attention over the H*W positions of a feature map, residual."""

    def __init__(self, ch, groups, heads=1):
        super().__init__()
        assert ch % heads == 0
        self.heads = heads
        self.norm = group_norm(groups, ch)
        self.qkv = nn.Conv2d(ch, 3 * ch, 1)
        self.proj = nn.Conv2d(ch, ch, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).chunk(3, dim=1)  # 3 x (B, C, H, W)

        def heads(t):  # (B, C, H, W) -> (B, heads, HW, C/heads)
            return t.reshape(b, self.heads, c // self.heads, h * w).transpose(-1, -2)

        o = dot_product_attention(heads(q), heads(k), heads(v))  # (B, heads, HW, C/heads)
        o = o.transpose(-1, -2).reshape(b, c, h, w)
        return x + self.proj(o)


class DiagonalGaussian:
    def __init__(self, mean, logvar):
        self.mean = mean
        self.logvar = logvar.clamp(-30.0, 20.0)
        self.std = torch.exp(0.5 * self.logvar)

    def sample_with(self, eps):
        return self.mean + self.std * eps

    def mode(self):
        return self.mean

    def kl_per_element(self):
        return 0.5 * (self.mean.pow(2) + self.logvar.exp() - 1.0 - self.logvar)

    def kl(self):
        return self.kl_per_element().mean()


class _Level(nn.Module):
    pass


class _Mid(nn.Module):
    def __init__(self, ch, groups, attention):
        super().__init__()
        self.res1 = ResBlock(ch, ch, groups)
        self.attn = SelfAttention2d(ch, groups, 1) if attention else None
        self.res2 = ResBlock(ch, ch, groups)

    def forward(self, h):
        h = self.res1(h)
        if self.attn is not None:
            h = self.attn(h)
        return self.res2(h)


class Upsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        ch, mult, g = c["channels"], c["multipliers"], c["groups"]
        levels = len(mult)
        self.patch = c["patchSize"]
        self.conv_in = nn.Conv2d(3 * self.patch ** 2, ch * mult[0], 3, padding=1)
        self.down = nn.ModuleList()
        cur = ch * mult[0]
        for i in range(levels):
            level = _Level()
            level.res = nn.ModuleList()
            for _ in range(c["resBlocks"]):
                level.res.append(ResBlock(cur, ch * mult[i], g))
                cur = ch * mult[i]
            if i < levels - 1:
                level.downsample = nn.Conv2d(cur, cur, 3, stride=2, padding=1)
            self.down.append(level)
        self.mid = _Mid(cur, g, c["midAttention"])
        self.norm_out = group_norm(g, cur)
        self.conv_out = nn.Conv2d(cur, 2 * c["latentChannels"], 3, padding=1)

    def forward(self, x):
        if self.patch > 1:
            x = F.pixel_unshuffle(x, self.patch)  # (B, 3p^2, H/p, W/p)
        h = self.conv_in(x)
        for i, level in enumerate(self.down):
            for block in level.res:
                h = block(h)
            if i < len(self.down) - 1:
                h = level.downsample(h)
        h = self.mid(h)
        h = self.conv_out(F.silu(self.norm_out(h)))
        mean, logvar = h.chunk(2, dim=1)
        return DiagonalGaussian(mean, logvar)


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        ch, mult, g = c["channels"], c["multipliers"], c["groups"]
        levels = len(mult)
        cur = ch * mult[-1]
        self.conv_in = nn.Conv2d(c["latentChannels"], cur, 3, padding=1)
        self.mid = _Mid(cur, g, c["midAttention"])
        built = [None] * levels
        for i in reversed(range(levels)):
            level = _Level()
            level.res = nn.ModuleList()
            for _ in range(c["resBlocks"]):
                level.res.append(ResBlock(cur, ch * mult[i], g))
                cur = ch * mult[i]
            if i > 0:
                level.upsample = Upsample(cur)
            built[i] = level
        self.up = nn.ModuleList(built)  # registered in index order 0..L-1, as in Java
        self.norm_out = group_norm(g, cur)
        self.patch = c["patchSize"]
        self.conv_out = nn.Conv2d(cur, 3 * self.patch ** 2, 3, padding=1)

    def forward(self, z):
        h = self.mid(self.conv_in(z))
        for i in reversed(range(len(self.up))):
            level = self.up[i]
            for block in level.res:
                h = block(h)
            if i > 0:
                h = level.upsample(h)
        out = self.conv_out(F.silu(self.norm_out(h)))
        return F.pixel_shuffle(out, self.patch) if self.patch > 1 else out


class Autoencoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.encoder = Encoder(c)
        self.decoder = Decoder(c)

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)


class _DiscBlock(nn.Module):
    def __init__(self, cin, cout, groups, norm):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 4, stride=2, padding=1)
        self.norm = group_norm(groups, cout) if norm else None

    def forward(self, x):
        h = self.conv(x)
        if self.norm is not None:
            h = self.norm(h)
        return F.leaky_relu(h, 0.2)


class PatchDiscriminator(nn.Module):
    def __init__(self, c):
        super().__init__()
        ch, layers, g = c["channels"], c["layers"], c["groups"]
        self.blocks = nn.ModuleList([_DiscBlock(3, ch, g, False)])
        cur = ch
        for k in range(1, layers):
            nxt = ch * min(2 ** k, 8)
            self.blocks.append(_DiscBlock(cur, nxt, g, True))
            cur = nxt
        self.out = nn.Conv2d(cur, 1, 4, stride=1, padding=1)

    def forward(self, x):
        feats = []
        h = x
        for b in self.blocks:
            h = b(h)
            feats.append(h)
        return self.out(h), feats


def generator_terms(x, xhat, post, fake_out, real_features, kl_weight, adv_weight, fm_weight, cfg):
    rec = F.mse_loss(xhat, x) + cfg["l1Weight"] * F.l1_loss(xhat, x)
    kl = post.kl()
    zero = x.new_zeros(())
    if fake_out is None:
        adv, fm = zero, zero
    else:
        logits, fake_feats = fake_out
        if cfg["discLoss"] == "hinge":
            adv = -logits.mean()
        else:
            adv = F.softplus(-logits).mean()
        fm = torch.stack([(r.detach() - f).abs().mean() for r, f in zip(real_features, fake_feats)]).mean()
    total = rec + kl_weight * kl + adv_weight * adv + fm_weight * fm
    return dict(rec=rec, kl=kl, adv=adv, fm=fm, total=total)


def disc_terms(real, fake, cfg):
    if cfg["discLoss"] == "hinge":
        loss = F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()
    else:
        loss = F.softplus(-real).mean() + F.softplus(fake).mean()
    acc = ((real > 0).sum() + (fake < 0).sum()).double() / (2 * real.numel())
    return dict(loss=loss, real=real.mean(), fake=fake.mean(), accuracy=acc)


def kl_weight(step, cfg):
    if cfg["klWarmup"] == 0:
        return cfg["klWeight"]
    return cfg["klWeight"] * min(1.0, step / cfg["klWarmup"])


def adv_ramp(step, cfg):
    if step < cfg["advStart"]:
        return 0.0
    if cfg["advWarmup"] == 0:
        return 1.0
    return min(1.0, (step - cfg["advStart"]) / cfg["advWarmup"])
