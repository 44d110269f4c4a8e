"""Training and inference speed: the Keras 3 notebook models vs ours, side by side in one invocation.

    python scripts/benchmark.py train [--presets lstm gru bilstm] [--file CSV] [--json out.json]

Every measurement runs in its own child process (so peak memory is its own): Keras 3 with the torch
backend running the notebook's exact models on pre-padded 1,500-step inputs; ours as a raw PyTorch loop
(packed, and keras_compatible), and ours through the real user path (`Trainer`). Same texts, same
tokenizer ids, same 300-d frozen embedding matrix, batch 64. Data: the VADER snippets by default.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import (
    format_table,
    fp32_matmul_peak_gflops,
    machine_facts,
    recurrent_flops_per_token,
    run_child,
    write_json,
)
from bench_data import WORKLOADS, workload

# Keras at 1,500 steps: ~10, ~8, ~0.7 samples/s; *_ngrams: the pooled BiGRU / BiLSTM without the bag (no Keras layer).
KERAS_SAMPLES = {"lstm": 128, "gru": 64, "bilstm": 64, "bigru_ngrams": 64, "bilstm_ngrams": 64}
DIM = 300


def load_texts(
    file: str, text_column: str, label_column: str, rows: int, join: int = 1
) -> tuple[list[str], np.ndarray]:
    import pandas as pd

    frame = pd.read_csv(file, keep_default_na=False).head(rows * join)
    texts, labels = frame[text_column].astype(str).tolist(), frame[label_column].to_numpy(dtype=np.float32)
    if join > 1:  # several short snippets per sample: comment-like lengths (Jigsaw averages ~67 words)
        texts = [" ".join(texts[i : i + join]) for i in range(0, len(texts) - join + 1, join)]
        labels = labels[: len(texts) * join].reshape(-1, join).max(axis=1)
    return texts, labels


def prepare(spec: dict) -> tuple[np.ndarray, np.ndarray, list[list[int]], np.ndarray]:
    """Padded ids (Keras input), unpadded ids (ours), labels and a 300-d matrix, identical in every worker."""
    from rnn_models import RNNTokenizerFast

    texts, labels = load_texts(
        spec["file"], spec["text_column"], spec["label_column"], spec["rows"], spec["join"]
    )
    tokenizer = RNNTokenizerFast.from_texts(texts, max_length=spec["max_length"])
    padded = np.asarray(tokenizer(texts, padding="max_length", truncation=True)["input_ids"], dtype=np.int64)
    unpadded = tokenizer(texts, truncation=True)["input_ids"]
    matrix = np.random.default_rng(0).normal(0, 0.3, (len(tokenizer), DIM)).astype(np.float32)
    matrix[0] = 0
    return padded, labels, unpadded, matrix


def keras_worker(spec: dict) -> dict:
    os.environ["KERAS_BACKEND"] = "torch"
    import keras
    from keras import layers

    padded, labels, _, matrix = prepare(spec)
    pooled = spec["preset"].endswith("_ngrams")
    embedding = layers.Embedding(matrix.shape[0], DIM, trainable=pooled)
    if pooled:  # the 2018 competition's pooled BiGRU (or BiLSTM), as Kaggle kernels wrote it
        inputs = keras.Input((spec["max_length"],))
        x = layers.SpatialDropout1D(0.2)(embedding(inputs))
        cell = layers.GRU if spec["preset"] == "bigru_ngrams" else layers.LSTM
        x = layers.Bidirectional(cell(64, return_sequences=True, use_cudnn=False))(x)
        x = layers.concatenate([layers.GlobalMaxPooling1D()(x), layers.GlobalAveragePooling1D()(x)])
        model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))
    else:
        recurrent = {
            "lstm": [layers.LSTM(100, dropout=0.3, recurrent_dropout=0.3)],
            "gru": [layers.SpatialDropout1D(0.3), layers.GRU(300, use_cudnn=False)],
            "bilstm": [layers.Bidirectional(layers.LSTM(300, dropout=0.3, recurrent_dropout=0.3))],
        }[spec["preset"]]
        model = keras.Sequential(
            [keras.Input((spec["max_length"],)), embedding, *recurrent, layers.Dense(1, activation="sigmoid")]
        )
    embedding.set_weights([matrix])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    n, batch = spec["samples"], spec["batch_size"]
    model.fit(padded[:2], labels[:2], batch_size=batch, epochs=1, verbose=0)  # warm-up: first-call overhead
    start = time.perf_counter()
    model.fit(padded[batch : batch + n], labels[batch : batch + n], batch_size=batch, epochs=1, verbose=0)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    model.predict(padded[:n], batch_size=batch, verbose=0)
    infer_seconds = time.perf_counter() - start
    return {"train_samples_per_s": n / train_seconds, "infer_samples_per_s": n / infer_seconds}


def ours_worker(spec: dict) -> dict:
    import torch

    from rnn_models import RNNConfig, RNNForSequenceClassification
    from rnn_models.training.trainer import flush_denormals

    padded, labels, unpadded, matrix = prepare(spec)
    keras_compatible = spec["mode"] == "keras_compatible"
    device = spec["device"]
    config = RNNConfig.from_preset(
        spec["preset"], vocab_size=matrix.shape[0], embedding_dim=DIM, keras_compatible=keras_compatible
    )
    model = RNNForSequenceClassification(config)
    model.load_embedding_matrix(matrix)
    model.to(device)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3, eps=1e-7)
    n, batch = spec["samples"], spec["batch_size"]
    batches = _batches(padded, unpadded, labels, n + batch, batch, keras_compatible)  # the last is short
    autocast = torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=spec["bf16"])

    def step(ids, mask, y):
        optimizer.zero_grad(set_to_none=True)
        with autocast:
            loss = model(ids.to(device), attention_mask=mask.to(device), labels=y.to(device)).loss
        loss.backward()
        optimizer.step()

    model.train()
    with flush_denormals():  # as RNNTrainer trains
        step(*batches[-1])  # warm-up on a short batch: the long ones are part of the real cost
        _sync(device)
        start = time.perf_counter()
        for ids, mask, y in batches[:-1]:
            step(ids, mask, y)
        _sync(device)
        train_seconds = time.perf_counter() - start
    model.eval()
    start = time.perf_counter()
    with torch.inference_mode(), autocast:
        for ids, mask, _ in _batches(padded, unpadded, labels, n, 256, keras_compatible, sort=True):
            model(ids.to(device), attention_mask=mask.to(device))
    _sync(device)
    infer_seconds = time.perf_counter() - start
    return {
        "train_samples_per_s": n / train_seconds,
        "infer_samples_per_s": n / infer_seconds,
        "mean_tokens": float(np.mean([len(unpadded[i]) for i in range(batch, n + batch)])),
    }


def _batches(padded, unpadded, labels, n, batch, keras_compatible, sort=False):
    """Length-grouped batches (as the Trainer's sampler makes them), or full 1,500-step rows for Keras mode."""
    import torch

    rows = np.arange(n)
    if sort or not keras_compatible:
        groups = [
            rows[i : i + batch * 50] for i in range(0, n, batch * 50)
        ]  # megabatches, as LengthGroupedSampler
        rows = np.concatenate([g[np.argsort([-len(unpadded[i]) for i in g], kind="stable")] for g in groups])
    out = []
    for i in range(0, n, batch):
        chosen = rows[i : i + batch]
        if keras_compatible:
            ids = torch.from_numpy(padded[chosen])
        else:
            width = max(1, max(len(unpadded[j]) for j in chosen))
            ids = torch.zeros(len(chosen), width, dtype=torch.long)
            for k, j in enumerate(chosen):
                if unpadded[j]:
                    ids[k, width - len(unpadded[j]) :] = torch.tensor(unpadded[j])
        out.append((ids, (ids != 0).long(), torch.from_numpy(labels[chosen])))
    return out


def _sync(device: str) -> None:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


def trainer_worker(spec: dict) -> dict:
    """The real user path: `rnn_models.training.job.train` (Trainer, collator, length grouping) on the same rows."""
    import tempfile

    import pandas as pd

    from rnn_models.training.job import DataArguments, ModelArguments, RNNTrainingArguments, train

    texts, labels = load_texts(
        spec["file"], spec["text_column"], spec["label_column"], spec["rows"], spec["join"]
    )
    _, _, _, matrix = prepare(spec)
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp, "data.csv")
        pd.DataFrame({"comment_text": texts, "label": labels.astype(int)}).to_csv(csv, index=False)
        vectors = Path(tmp, "vectors.txt")
        _write_vectors(texts, spec["max_length"], matrix, vectors)
        run = train(
            ModelArguments(preset=spec["preset"], vectors=str(vectors), no_vectors_cache=True),
            DataArguments(train_file=str(csv), label_columns=["label"], max_rows=spec["samples"] + 500),
            RNNTrainingArguments(
                output_dir=str(Path(tmp, "out")), num_train_epochs=1, eval_strategy="no", save_strategy="no",
                disable_tqdm=True, bf16=spec["bf16"], use_cpu=spec["device"] == "cpu",
            ),
        )  # fmt: skip
    lengths = [len(ids) for ids in run.trainer.train_dataset["input_ids"]]
    return {
        "train_samples_per_s": run.metrics["train_samples_per_second"],
        "mean_tokens": float(np.mean(lengths)),
    }


def _write_vectors(texts, max_length, matrix, path: Path) -> None:
    from rnn_models import RNNTokenizerFast

    tokenizer = RNNTokenizerFast.from_texts(texts, max_length=max_length)
    with path.open("w", encoding="utf-8") as handle:
        for word, index in tokenizer.word_index.items():
            handle.write(word + " " + " ".join(f"{v:.4f}" for v in matrix[index]) + "\n")


WORKERS = {"keras": keras_worker, "ours": ours_worker, "trainer": trainer_worker}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmark.py train", description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["lstm", "gru", "bilstm"])
    parser.add_argument("--workload", default="jigsaw", choices=WORKLOADS, help="named data (bench_data.py)")
    parser.add_argument("--file", help="a CSV to use instead of the workload")
    parser.add_argument("--text_column", default="comment_text")
    parser.add_argument("--label_column", default="toxic")
    parser.add_argument(
        "--join",
        type=int,
        default=1,
        help="snippets joined per sample (--join 4 ~ a Jigsaw comment, ~69 words)",
    )
    parser.add_argument("--ours_samples", type=int, default=4096)
    parser.add_argument("--keras_compatible_samples", type=int, default=256)
    parser.add_argument("--keras_scale", type=float, default=1.0, help="multiply Keras sample counts")
    parser.add_argument("--skip_keras", action="store_true")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast for ours")
    parser.add_argument("--max_length", type=int, default=1500)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--json", default="benchmark_train.json")
    args = parser.parse_args(argv)
    if args.file is None:
        args.file, args.text_column, args.label_column = workload(args.workload)
    base = {
        "file": args.file, "text_column": args.text_column, "label_column": args.label_column,
        "max_length": args.max_length, "batch_size": args.batch_size, "device": args.device, "bf16": args.bf16,
        "join": args.join,
        "rows": args.ours_samples + 2 * args.batch_size + 600,
    }  # fmt: skip
    from rnn_models import RNNConfig

    peak = fp32_matmul_peak_gflops()
    results, rows = {}, []
    for preset in args.presets:
        runs = {
            "ours": {"worker": "ours", "mode": "packed", "samples": args.ours_samples},
            "ours_keras_compatible": {
                "worker": "ours", "mode": "keras_compatible", "samples": args.keras_compatible_samples
            },
            "ours_trainer": {"worker": "trainer", "samples": args.ours_samples},
        }  # fmt: skip
        if not args.skip_keras:
            runs["keras"] = {"worker": "keras", "samples": int(KERAS_SAMPLES[preset] * args.keras_scale)}
        measured = {
            name: run_child("bench_train", spec["worker"], {**base, **spec, "preset": preset})
            for name, spec in runs.items()
        }
        results[preset] = measured
        write_json(
            args.json, {"machine": machine_facts(), "settings": vars(args), "results": results}
        )  # so far
        keras = measured.get("keras", {})
        for name, figures in measured.items():
            ratio_train = (
                figures["train_samples_per_s"] / keras["train_samples_per_s"] if keras else float("nan")
            )
            infer = figures.get("infer_samples_per_s", float("nan"))
            ratio_infer = (
                infer / keras["infer_samples_per_s"]
                if keras and "infer_samples_per_s" in figures
                else float("nan")
            )
            gflops = float("nan")
            if "mean_tokens" in figures and name != "ours_keras_compatible":  # useful work: real tokens only
                config = RNNConfig.from_preset(preset, embedding_dim=DIM)
                gflops = (
                    3
                    * recurrent_flops_per_token(config)
                    * figures["mean_tokens"]
                    * figures["train_samples_per_s"]
                    / 1e9
                )
            rows.append([
                preset, name, figures["train_samples_per_s"], ratio_train, infer, ratio_infer, gflops,
                100 * gflops / peak, figures["peak_rss_mb"],
            ])  # fmt: skip
    header = [
        "preset", "run", "train samples/s", "x Keras", "infer samples/s", "x Keras", "train GFLOP/s", "% of peak",
        "peak RSS MB",
    ]  # fmt: skip
    facts = machine_facts()
    print(format_table(header, rows))
    print(
        f"\nmachine: {facts}, fp32 matmul peak {peak:.0f} GFLOP/s\nmax_length {args.max_length}, batch {args.batch_size}, data: {args.file}"
    )
    write_json(
        args.json,
        {"machine": facts, "settings": {**vars(args), "fp32_matmul_peak_gflops": peak}, "results": results},
    )
    return 0
