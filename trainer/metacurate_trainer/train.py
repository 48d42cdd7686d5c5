"""The training loop and its command line: `python3 -m metacurate_trainer --help`."""

import argparse
import contextlib
import json
import os
import shutil
import sys
import time

import numpy as np
import torch

from . import __version__
from .config import PRESETS, load_model_config
from .data import (
    BatchStream,
    DataError,
    augment_batch,
    balanced_keep_probabilities,
    images_to_tensor,
    load_labelled,
    load_pairs,
    match_sidecars,
    normalize,
    read_templates,
)
from .model import CLIP, clip_loss, count_parameters, parameter_groups
from .schedule import cosine_lr
from .tokenizer import ByteTokenizer
from .zeroshot import evaluate

CHECKPOINT_VERSION = 1

DESCRIPTION = """Trains a small CLIP (ViT image tower, transformer text tower over a byte-level
tokenizer) with the symmetric InfoNCE loss, a learnable temperature, AdamW, linear warm-up and
cosine decay, on WebDataset shards or CSV files; evaluates it zero-shot on a labelled image set.

Writes to --out: out.log (one JSON line per logged step: step, epoch, samples_seen, loss, lr,
logit_scale, samples_per_second, eta_seconds), params.json, checkpoints/step_NNNNNNNN.pt and
checkpoints/latest.pt, results.jsonl (one JSON line per evaluation, with OpenCLIP's key names:
<name>-zeroshot-val-top1, -top5, plus -mean-per-class-top1 and -per-class-top1) and
train_summary.json. Given the seed, a CPU run is deterministic, and a resumed run continues with
the batches an uninterrupted run would have seen."""

EPILOG = """examples:
  python3 -m metacurate_trainer --train-data 'pool/shard-{000000..000009}.tar' --steps 2000 \\
      --batch-size 256 --out runs/raw --zeroshot-data test/ --classnames classes.txt
  python3 -m metacurate_trainer --train-data curated/data/pool --online-balance --t 200 \\
      --steps 2000 --out runs/online
  python3 -m metacurate_trainer --out runs/raw --resume latest --steps 4000 ...
  python3 -m metacurate_trainer --eval-only --resume runs/raw/checkpoints/latest.pt \\
      --zeroshot-data test/ --classnames classes.txt --out runs/raw-eval
exit status: 0 done, 1 bad data or a failed run, 2 bad usage."""


def build_parser():
    p = argparse.ArgumentParser(
        prog="python3 -m metacurate_trainer",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d = p.add_argument_group("training data")
    d.add_argument("--train-data", nargs="+", metavar="PATH",
                   help="WebDataset .tar shards or CSV/TSV files: files, globs, brace ranges "
                        "(shard-{000..009}.tar), folders, or a '::'-joined list")
    d.add_argument("--dataset-type", choices=["auto", "webdataset", "csv"], default="auto",
                   help="default: from the file extensions")
    d.add_argument("--csv-img-key", default="filepath", help="CSV column of image paths (default filepath)")
    d.add_argument("--csv-caption-key", default="title", help="CSV column of captions (default title)")
    d.add_argument("--csv-separator", default=None,
                   help="CSV separator (default: tab for .tsv, comma otherwise)")
    d.add_argument("--online-balance", nargs="*", metavar="SIDECAR", default=None,
                   help="re-draw a balanced sample every epoch from the curation sidecars "
                        "(<file>.entries.jsonl: key, matched entry ids); without paths, the sidecar "
                        "next to each training file. Train on a curation run with a t above every "
                        "count (the whole matched pool), and give the balancing t with --t")
    d.add_argument("--t", type=float, default=None,
                   help="balancing threshold of --online-balance: an entry matched n times keeps "
                        "each of its pairs with probability min(1, t/n) per epoch")
    o = p.add_argument_group("optimisation")
    o.add_argument("--steps", type=int, default=None, help="optimizer steps (required to train)")
    o.add_argument("--batch-size", type=int, default=256)
    o.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (default 1e-3)")
    o.add_argument("--warmup", type=int, default=100, help="linear warm-up steps (default 100)")
    o.add_argument("--wd", type=float, default=0.1, help="AdamW weight decay (default 0.1)")
    o.add_argument("--beta1", type=float, default=0.9)
    o.add_argument("--beta2", type=float, default=0.98)
    o.add_argument("--eps", type=float, default=1e-6)
    o.add_argument("--grad-clip-norm", type=float, default=None)
    o.add_argument("--seed", type=int, default=0, help="seeds the weights, the batch order and the augmentation")
    o.add_argument("--augment", choices=["crop", "none"], default="crop",
                   help="crop (default): random resized crops (zoom 1-1.25x, shifts up to 10%%); "
                        "none: the images as they are")
    o.add_argument("--model-config", default="tiny",
                   help="preset (%s) or a JSON file of overrides {\"preset\": ..., key: value}"
                        % ", ".join(sorted(PRESETS)))
    o.add_argument("--precision", choices=["auto", "amp_bf16", "fp32"], default="auto",
                   help="auto (default: amp_bf16 where the hardware computes bfloat16 natively, a GPU "
                        "or a CPU with AVX512-BF16/AMX, else fp32), amp_bf16 (bfloat16 autocast: about "
                        "2-4x faster there, 10x slower on a CPU without it) or fp32")
    o.add_argument("--device", default="auto", help="auto (cuda when present), cpu, cuda, cuda:N")
    o.add_argument("--threads", type=int, default=None, help="CPU threads (default: all cores)")
    r = p.add_argument_group("output and checkpoints")
    r.add_argument("--out", required=True, help="output folder")
    r.add_argument("--log-every", type=int, default=10, help="log every N steps (default 10)")
    r.add_argument("--save-every", type=int, default=0,
                   help="checkpoint every N steps (default 0: at the end only)")
    r.add_argument("--stop-at", type=int, default=None, metavar="STEP",
                   help="stop after STEP steps, with a checkpoint, as an interrupted run would "
                        "(for trying --resume); the schedule still follows --steps")
    r.add_argument("--resume", default=None, metavar="CHECKPOINT",
                   help="a checkpoint file, or 'latest' (OUT/checkpoints/latest.pt; starts afresh "
                        "when there is none)")
    z = p.add_argument_group("zero-shot evaluation")
    z.add_argument("--zeroshot-data", default=None,
                   help="labelled images: WebDataset shards (image + .cls or .json {label}), a CSV "
                        "(image column, label column) or a folder of class folders")
    z.add_argument("--zeroshot-name", default=None,
                   help="name in the result keys (default: from the data's file name)")
    z.add_argument("--classnames", default=None,
                   help="file (one name a line, or a JSON array) or comma-separated list")
    z.add_argument("--templates", default=None,
                   help="file of prompt templates with {c} for the class name (one a line), or one "
                        "template; default: 6 'a photo of a {c}.'-style prompts")
    z.add_argument("--zeroshot-label-key", default="cls",
                   help="WebDataset member (default cls) or CSV column (default label) of labels")
    z.add_argument("--zeroshot-every", type=int, default=0,
                   help="also evaluate every N steps (default 0: at the end only)")
    z.add_argument("--eval-only", action="store_true",
                   help="evaluate the --resume checkpoint and stop")
    p.add_argument("--version", action="version", version="%(prog)s " + __version__)
    return p


class Run:
    """Files of one run's output folder."""

    def __init__(self, out):
        self.out = out
        self.checkpoints = os.path.join(out, "checkpoints")
        self.log_path = os.path.join(out, "out.log")
        self.results_path = os.path.join(out, "results.jsonl")
        os.makedirs(self.checkpoints, exist_ok=True)

    def append_jsonl(self, path, record):
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def write_json(self, name, value):
        path = os.path.join(self.out, name)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(value, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)


def say(message):
    sys.stderr.write("[trainer] %s\n" % message)
    sys.stderr.flush()


def format_eta(seconds):
    s = int(round(seconds))
    return "%d:%02d:%02d" % (s // 3600, (s % 3600) // 60, s % 60) if s >= 3600 else "%d:%02d" % (s // 60, s % 60)


def cpu_has_native_bf16():
    """True where the CPU computes bfloat16 in hardware (AVX512-BF16 or AMX); elsewhere bf16
    autocast is emulated and an order of magnitude slower than fp32."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_precision(precision, device):
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "amp_bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return "amp_bf16" if device.type == "cpu" and cpu_has_native_bf16() else "fp32"


def make_autocast(precision, device):
    if precision == "fp32":
        return contextlib.nullcontext
    return lambda: torch.autocast(device_type=device.type, dtype=torch.bfloat16)


def pick_device(spec):
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(spec)


def save_checkpoint(run, state, step):
    path = os.path.join(run.checkpoints, "step_%08d.pt" % step)
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)
    latest_tmp = os.path.join(run.checkpoints, "latest.pt.tmp")
    shutil.copyfile(path, latest_tmp)
    os.replace(latest_tmp, os.path.join(run.checkpoints, "latest.pt"))
    return path


def load_checkpoint(spec, run):
    path = os.path.join(run.checkpoints, "latest.pt") if spec == "latest" else spec
    if not os.path.isfile(path):
        if spec == "latest":
            return None, path
        raise DataError("checkpoint not found: %s" % path)
    state = torch.load(path, map_location="cpu")
    if not isinstance(state, dict) or state.get("version") != CHECKPOINT_VERSION:
        raise DataError("%s is not a metacurate_trainer checkpoint" % path)
    return state, path


def run_zeroshot(args, run, model, tokenizer, labelled, templates, device, autocast, cfg, step, epoch, samples):
    t0 = time.time()
    metrics = evaluate(model, tokenizer, labelled, templates, device, autocast, cfg["image_mean"], cfg["image_std"])
    record = dict(metrics)
    record.update({"epoch": epoch, "step": step, "samples_seen": samples})
    run.append_jsonl(run.results_path, record)
    prefix = "%s-zeroshot-val-" % labelled.name
    say("zero-shot %s at step %d: top1 %.4f top5 %.4f mean-per-class %.4f (%d images, %.1f s)" % (
        labelled.name, step, metrics[prefix + "top1"], metrics[prefix + "top5"],
        metrics[prefix + "mean-per-class-top1"], metrics["num_samples"], time.time() - t0))
    return record


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return train(args, parser)
    except DataError as err:
        say("error: %s" % err)
        return 1


def train(args, parser):
    if args.eval_only:
        if not args.resume or not args.zeroshot_data:
            parser.error("--eval-only needs --resume CHECKPOINT and --zeroshot-data")
    else:
        if not args.train_data:
            parser.error("--train-data is required")
        if args.steps is None or args.steps <= 0:
            parser.error("--steps must be a positive number")
    if args.batch_size < 2:
        parser.error("--batch-size must be at least 2 (the loss contrasts pairs within a batch)")
    if args.online_balance is not None and (args.t is None or args.t <= 0):
        parser.error("--online-balance needs a positive --t")
    if args.zeroshot_data and not args.classnames and not os.path.isdir(args.zeroshot_data):
        parser.error("--zeroshot-data needs --classnames")

    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    device = pick_device(args.device)
    args.precision = resolve_precision(args.precision, device)
    autocast = make_autocast(args.precision, device)
    run = Run(args.out)

    resumed, resume_path = (None, None)
    if args.resume:
        resumed, resume_path = load_checkpoint(args.resume, run)
        if resumed is None:
            say("no checkpoint in %s: starting afresh" % run.checkpoints)
    elif os.path.exists(os.path.join(run.checkpoints, "latest.pt")):
        raise DataError("%s already holds a run: pass --resume latest to continue it, or another --out" % args.out)

    cfg = resumed["model_config"] if resumed else load_model_config(args.model_config)
    tokenizer = ByteTokenizer(cfg["context_length"])
    torch.manual_seed(args.seed)
    model = CLIP(cfg)
    if resumed:
        model.load_state_dict(resumed["model"])
    model.to(device)

    templates = read_templates(args.templates)
    labelled = None
    if args.zeroshot_data:
        labelled = load_labelled(
            args.zeroshot_data, cfg["image_channels"], cfg["image_size"], args.classnames,
            args.zeroshot_label_key, args.csv_img_key, args.csv_separator, args.zeroshot_name,
        )

    if args.eval_only:
        step = resumed["step"]
        run_zeroshot(args, run, model, tokenizer, labelled, templates, device, autocast, cfg, step,
                     resumed.get("epoch", 0), resumed.get("samples_seen", 0))
        return 0

    t_load = time.time()
    pairs = load_pairs(
        args.train_data, args.dataset_type, tokenizer, cfg["image_channels"], cfg["image_size"],
        args.csv_img_key, args.csv_caption_key, args.csv_separator, log=say,
    )
    keep_prob = None
    balance_info = None
    if args.online_balance is not None:
        entry_ids = match_sidecars(pairs, args.online_balance)
        keep_prob, counts = balanced_keep_probabilities(entry_ids, args.t)
        balance_info = {
            "t": args.t,
            "matched_pairs": int(sum(1 for ids in entry_ids if ids)),
            "entries": len(counts),
            "head_entries": int(sum(1 for c in counts.values() if c > args.t)),
            "expected_pairs_per_epoch": float(keep_prob.sum()),
        }
        say("online balancing at t=%g: %d pairs, %.0f expected per epoch, %d of %d entries are head entries" % (
            args.t, len(pairs), balance_info["expected_pairs_per_epoch"], balance_info["head_entries"], len(counts)))
    say("loaded %d pairs from %d files in %.1f s" % (len(pairs), len(pairs.files), time.time() - t_load))

    if device.type == "cuda":
        pairs.images = pairs.images.to(device)
        pairs.tokens = pairs.tokens.to(device)

    stream = BatchStream(len(pairs), args.batch_size, args.seed, keep_prob)
    optimizer = torch.optim.AdamW(
        parameter_groups(model, args.wd), lr=args.lr, betas=(args.beta1, args.beta2), eps=args.eps
    )
    start_step = 0
    wall_before = 0.0
    fingerprint = pairs.fingerprint()
    if resumed:
        saved = resumed["train"]
        for key in ("batch_size", "seed"):
            if saved[key] != getattr(args, key):
                raise DataError("%s was trained with --%s %s, not %s: the batches would differ"
                                % (resume_path, key.replace("_", "-"), saved[key], getattr(args, key)))
        if resumed["data"]["fingerprint"] != fingerprint:
            say("warning: the training data differ from the checkpoint's (%d pairs now, %d then)"
                % (len(pairs), resumed["data"]["pairs"]))
        if saved["steps"] != args.steps:
            say("note: --steps changed from %d to %d: the cosine schedule follows the new total"
                % (saved["steps"], args.steps))
        optimizer.load_state_dict(resumed["optimizer"])
        start_step = resumed["step"]
        wall_before = resumed.get("wall_seconds", 0.0)
        stream.skip(start_step)
        say("resumed from %s at step %d" % (resume_path, start_step))
        if start_step >= args.steps:
            say("the checkpoint is at step %d, --steps is %d: nothing to train" % (start_step, args.steps))

    params = {
        "version": __version__,
        "torch": torch.__version__,
        "device": str(device),
        "threads": torch.get_num_threads(),
        "parameters": count_parameters(model),
        "model_config": cfg,
        "args": vars(args),
        "pairs": len(pairs),
        "data_fingerprint": fingerprint,
        "online_balance": balance_info,
    }
    run.write_json("params.json", params)
    say("model: %d parameters, device %s, %d threads, precision %s; %d steps of %d pairs"
        % (params["parameters"], device, torch.get_num_threads(), args.precision, args.steps, args.batch_size))

    def checkpoint_state(step, wall):
        return {
            "version": CHECKPOINT_VERSION,
            "step": step,
            "epoch": stream.completed_epochs(),
            "samples_seen": step * args.batch_size,
            "wall_seconds": wall,
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "model_config": cfg,
            "tokenizer": {"type": "byte", "context_length": cfg["context_length"]},
            "train": {
                "batch_size": args.batch_size, "seed": args.seed, "steps": args.steps, "lr": args.lr,
                "warmup": args.warmup, "wd": args.wd, "precision": args.precision, "augment": args.augment,
            },
            "data": {"pairs": len(pairs), "fingerprint": fingerprint, "online_balance": balance_info},
        }

    model.train()
    mean, std = cfg["image_mean"], cfg["image_std"]
    t_start = time.time()
    window_start, window_steps = time.time(), 0
    window_loss = torch.zeros((), device=device)
    last_loss = None
    step = start_step
    last_step = args.steps if args.stop_at is None else max(start_step, min(args.steps, args.stop_at))
    for step_index in range(start_step, last_step):
        idx, epoch = stream.next_batch()
        idx_t = torch.from_numpy(idx).to(pairs.images.device)
        batch_images = pairs.images[idx_t].to(device, non_blocking=True)
        if args.augment == "crop":
            generator = torch.Generator().manual_seed(args.seed * 1_000_003 + step_index)
            images = normalize(augment_batch(batch_images, generator), mean, std)
        else:
            images = images_to_tensor(batch_images, mean, std)
        tokens = pairs.tokens[idx_t]
        length = int((tokens != 0).sum(dim=1).max())
        tokens = tokens[:, :length].to(device, non_blocking=True)  # trailing padding changes nothing (causal)
        lr = cosine_lr(step_index, args.lr, args.warmup, args.steps)
        for group in optimizer.param_groups:
            group["lr"] = lr
        with autocast():
            image_features, text_features, logit_scale = model(images, tokens)
        loss = clip_loss(image_features, text_features, logit_scale)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if args.grad_clip_norm:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip_norm)
        optimizer.step()
        model.clamp_logit_scale()
        step = step_index + 1
        window_loss += loss.detach()
        window_steps += 1

        if step % args.log_every == 0 or step == args.steps or step == start_step + 1:
            now = time.time()
            rate = window_steps * args.batch_size / max(now - window_start, 1e-9)
            elapsed = now - t_start
            done_here = step - start_step
            eta = elapsed / done_here * (args.steps - step)
            last_loss = float(loss)
            record = {
                "step": step,
                "epoch": epoch,
                "samples_seen": step * args.batch_size,
                "loss": last_loss,
                "loss_avg": float(window_loss) / window_steps,
                "lr": lr,
                "logit_scale": float(model.logit_scale.exp()),
                "samples_per_second": rate,
                "eta_seconds": eta,
                "elapsed_seconds": wall_before + elapsed,
            }
            run.append_jsonl(run.log_path, record)
            say("step %d/%d epoch %d loss %.4f lr %.2e scale %.1f %.0f pairs/s eta %s"
                % (step, args.steps, epoch, last_loss, lr, record["logit_scale"], rate, format_eta(eta)))
            window_start, window_steps = time.time(), 0
            window_loss.zero_()

        if args.save_every and step % args.save_every == 0 and step != args.steps:
            save_checkpoint(run, checkpoint_state(step, wall_before + time.time() - t_start), step)
        if labelled is not None and args.zeroshot_every and step % args.zeroshot_every == 0 and step != args.steps:
            run_zeroshot(args, run, model, tokenizer, labelled, templates, device, autocast, cfg, step,
                         stream.completed_epochs(), step * args.batch_size)

    train_seconds = time.time() - t_start
    if step > start_step or not resumed:
        path = save_checkpoint(run, checkpoint_state(step, wall_before + train_seconds), step)
        say("checkpoint %s" % path)
    results = None
    if args.stop_at is not None and step < args.steps:
        say("stopped at step %d of %d (--stop-at): continue with --resume latest" % (step, args.steps))
        labelled = None
    if labelled is not None:
        results = run_zeroshot(args, run, model, tokenizer, labelled, templates, device, autocast, cfg, step,
                               stream.completed_epochs(), step * args.batch_size)
    steps_here = step - start_step
    summary = {
        "steps": step,
        "steps_this_run": steps_here,
        "resumed_from_step": start_step if resumed else None,
        "batch_size": args.batch_size,
        "samples_seen": step * args.batch_size,
        "pairs": len(pairs),
        "epochs_completed": stream.completed_epochs(),
        "epoch_sizes": stream.epoch_sizes[:50],
        "train_seconds": train_seconds,
        "wall_seconds_total": wall_before + train_seconds,
        "samples_per_second": steps_here * args.batch_size / train_seconds if steps_here else None,
        "final_loss": last_loss,
        "parameters": params["parameters"],
        "torch": torch.__version__,
        "device": str(device),
        "threads": torch.get_num_threads(),
        "online_balance": balance_info,
        "results": results,
    }
    run.write_json("train_summary.json", summary)
    sys.stdout.write(json.dumps({"type": "done", "steps": step, "samples_per_second": summary["samples_per_second"],
                                 "train_seconds": train_seconds}) + "\n")
    return 0
