"""NumPy/SciPy twin of the figures of ADM's evaluator (openai/guided-diffusion, evaluations/evaluator.py).

The same arithmetic as ADM's FIDStatistics.frechet_distance, Evaluator.compute_statistics,
Evaluator.compute_inception_score and ManifoldEstimator (manifold_radii, evaluate_pr) on given
features, without TensorFlow: softmax in float64 instead of a TF float32 graph, and pairwise distances
in float64 instead of TF's float16-then-float32 block. Used by scripts/fixtures/make_adm_metric_fixtures.py.
"""
import warnings

import numpy as np
from scipy import linalg


def compute_statistics(activations):
    return np.mean(activations, axis=0), np.cov(activations, rowvar=False)


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
    sigma1, sigma2 = np.atleast_2d(sigma1), np.atleast_2d(sigma2)
    diff = mu1 - mu2
    covmean = linalg.sqrtm(sigma1.dot(sigma2))
    if isinstance(covmean, tuple):                   # older SciPy returns (sqrtm, errest) with disp=False
        covmean = covmean[0]
    if not np.isfinite(covmean).all():
        warnings.warn(f"fid calculation produces singular product; adding {eps} to diagonal of cov estimates")
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError("Imaginary component {}".format(np.max(np.abs(covmean.imag))))
        covmean = covmean.real
    return diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)


def softmax(logits):
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def inception_score(logits, split_size=5000):
    preds = softmax(logits.astype(np.float64))
    scores = []
    for i in range(0, len(preds), split_size):
        part = preds[i:i + split_size]
        kl = part * (np.log(part) - np.log(np.expand_dims(np.mean(part, 0), 0)))
        scores.append(np.exp(np.mean(np.sum(kl, 1))))
    return float(np.mean(scores))


def pairwise_distances(u, v):
    norm_u = np.sum(np.square(u), 1).reshape(-1, 1)
    norm_v = np.sum(np.square(v), 1).reshape(1, -1)
    return np.maximum(norm_u - 2 * u @ v.T + norm_v, 0.0)


class ManifoldEstimator:
    def __init__(self, row_batch_size=10000, col_batch_size=10000, nhood_sizes=(3,)):
        self.row_batch_size, self.col_batch_size = row_batch_size, col_batch_size
        self.nhood_sizes = nhood_sizes

    def manifold_radii(self, features):
        n = len(features)
        radii = np.zeros([n, len(self.nhood_sizes)], dtype=np.float64)
        distance_batch = np.zeros([self.row_batch_size, n], dtype=np.float64)
        seq = np.arange(max(self.nhood_sizes) + 1, dtype=np.int32)
        for begin1 in range(0, n, self.row_batch_size):
            end1 = min(begin1 + self.row_batch_size, n)
            row_batch = features[begin1:end1]
            for begin2 in range(0, n, self.col_batch_size):
                end2 = min(begin2 + self.col_batch_size, n)
                distance_batch[0:end1 - begin1, begin2:end2] = pairwise_distances(row_batch, features[begin2:end2])
            radii[begin1:end1, :] = np.partition(distance_batch[0:end1 - begin1, :], seq, axis=1)[:, self.nhood_sizes]
        return radii

    def evaluate_pr(self, features_1, radii_1, features_2, radii_2):
        status_1 = np.zeros([len(features_1), radii_2.shape[1]], dtype=bool)
        status_2 = np.zeros([len(features_2), radii_1.shape[1]], dtype=bool)
        for begin_1 in range(0, len(features_1), self.row_batch_size):
            end_1 = begin_1 + self.row_batch_size
            batch_1 = features_1[begin_1:end_1]
            for begin_2 in range(0, len(features_2), self.col_batch_size):
                end_2 = begin_2 + self.col_batch_size
                batch_2 = features_2[begin_2:end_2]
                d = pairwise_distances(batch_1, batch_2)[..., None]
                status_1[begin_1:end_1] |= np.any(d <= radii_2[begin_2:end_2], axis=1)
                status_2[begin_2:end_2] |= np.any(d <= radii_1[begin_1:end_1][:, None], axis=0)
        return np.mean(status_2.astype(np.float64), axis=0), np.mean(status_1.astype(np.float64), axis=0)

    def precision_recall(self, ref, sample):
        r1, r2 = self.manifold_radii(ref), self.manifold_radii(sample)
        p, r = self.evaluate_pr(ref, r1, sample, r2)
        return float(p[0]), float(r[0])
