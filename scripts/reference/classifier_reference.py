"""PyTorch reference of ldm4j's evaluation classifier (package ldm4j.classifier).

ResNet-9 in the form of Page (2018), "How to train your ResNet" (the DAWNBench CIFAR-10 network):
prep conv; three stages of conv-BN-ReLU + 2x2 max-pool, stages 1 and 3 followed by a residual pair
of conv-BN-ReLU; global max-pool; a bias-free linear layer whose logits are scaled by 1/8.
Same submodule names and registration order as the Java code, so state_dict() keys and shapes are
identical. Used by scripts/fixtures/make_classifier_fixtures.py. torch only.

Config (the Java record's fields): widths (4 ints), classes.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

BN_EPS = 1e-5
BN_MOMENTUM = 0.1
LOGIT_SCALE = 0.125


class ConvBn(nn.Module):
    """relu(bn(conv3x3(x))), conv without bias (the BatchNorm shift replaces it)."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=BN_EPS, momentum=BN_MOMENTUM)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Stage(nn.Module):
    """conv -> 2x2 max-pool, then x + res2(res1(x)) when residual."""

    def __init__(self, cin, cout, residual):
        super().__init__()
        self.conv = ConvBn(cin, cout)
        if residual:
            self.res1 = ConvBn(cout, cout)
            self.res2 = ConvBn(cout, cout)
        else:
            self.res1 = self.res2 = None

    def forward(self, x):
        h = F.max_pool2d(self.conv(x), 2)
        if self.res1 is not None:
            h = h + self.res2(self.res1(h))
        return h


class ResNet9(nn.Module):
    def __init__(self, c):
        super().__init__()
        w = c["widths"]
        self.prep = ConvBn(3, w[0])
        self.layer1 = Stage(w[0], w[1], True)
        self.layer2 = Stage(w[1], w[2], False)
        self.layer3 = Stage(w[2], w[3], True)
        self.fc = nn.Linear(w[3], c["classes"], bias=False)

    def features(self, x):
        """(B, 3, 32, 32) in [-1, 1] -> (B, widths[3]) penultimate features."""
        h = self.layer3(self.layer2(self.layer1(self.prep(x))))
        return torch.amax(h, dim=(2, 3))

    def forward(self, x):
        return LOGIT_SCALE * self.fc(self.features(x))


def loss(logits, labels, smoothing):
    return F.cross_entropy(logits, labels, label_smoothing=smoothing)


def stage_means(model, x):
    """The spatial means of the prep, layer1, layer2 and layer3 outputs: (B, widths[k]) for k = 0..3."""
    h = model.prep(x)
    out = [h.mean((2, 3))]
    for stage in (model.layer1, model.layer2, model.layer3):
        h = stage(h)
        out.append(h.mean((2, 3)))
    return out
