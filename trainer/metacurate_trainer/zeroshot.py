"""Zero-shot classification: a classifier from class names and prompt templates (the mean of the
normalised text embeddings of every template, normalised again), applied to a labelled image set.
Reports top-1, top-5, per-class top-1 and their mean, under OpenCLIP's key names."""

import torch

from .data import fill_template, images_to_tensor


@torch.no_grad()
def build_classifier(model, tokenizer, classnames, templates, device, autocast):
    weights = []
    for name in classnames:
        tokens = tokenizer([fill_template(t, name) for t in templates]).to(device)
        with autocast():
            emb = model.encode_text(tokens)
        emb = emb.float().mean(dim=0)
        weights.append(emb / emb.norm())
    return torch.stack(weights, dim=1)  # [embed_dim, classes]


@torch.no_grad()
def evaluate(model, tokenizer, labelled, templates, device, autocast, mean, std, batch_size=1024):
    was_training = model.training
    model.eval()
    classifier = build_classifier(model, tokenizer, labelled.classnames, templates, device, autocast)
    n_classes = len(labelled.classnames)
    k = min(5, n_classes)
    correct1 = torch.zeros(n_classes, dtype=torch.long)
    correct5 = torch.zeros(n_classes, dtype=torch.long)
    total = torch.zeros(n_classes, dtype=torch.long)
    for start in range(0, len(labelled.labels), batch_size):
        images = images_to_tensor(labelled.images[start:start + batch_size], mean, std).to(device)
        target = labelled.labels[start:start + batch_size]
        with autocast():
            features = model.encode_image(images)
        logits = (100.0 * features.float() @ classifier).cpu()
        topk = logits.topk(k, dim=1).indices
        hit1 = topk[:, 0] == target
        hitk = (topk == target[:, None]).any(dim=1)
        total += torch.bincount(target, minlength=n_classes)
        correct1 += torch.bincount(target[hit1], minlength=n_classes)
        correct5 += torch.bincount(target[hitk], minlength=n_classes)
    model.train(was_training)
    n = int(total.sum())
    present = total > 0
    per_class = {
        name: (float(correct1[i]) / float(total[i]) if total[i] > 0 else None)
        for i, name in enumerate(labelled.classnames)
    }
    mean_per_class = float((correct1[present].double() / total[present].double()).mean())
    prefix = "%s-zeroshot-val-" % labelled.name
    return {
        prefix + "top1": float(correct1.sum()) / n,
        prefix + "top5": float(correct5.sum()) / n,
        prefix + "mean-per-class-top1": mean_per_class,
        prefix + "per-class-top1": per_class,
        "num_samples": n,
    }
