"""The PyTorch peer of onecycle-spark's trainer (issue 26): the same model, data, schedule and algorithm.

    python peer.py --mode avg|ddp|single --network mlp|lenet --epochs 3 [--data DIR] [--examples N]

Prints one JSON line: {"system": ..., "network": ..., "epoch_seconds": [...], "final_loss": ...}.

* data: the Fashion-MNIST IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz) read with numpy,
  pixels scaled to [0, 1] as onecycle-spark's FashionMnist does (x / 255);
* models: 784-256-10 MLP (ReLU, softmax) = dl4j.FashionMlp; LeNet (conv 5x5x6 same, ReLU, max-pool 2, conv 5x5x16
  valid, ReLU, max-pool 2, dense 120, dense 84, softmax) = dl4j.FashionLeNet; cross-entropy loss;
* schedule: torch's OneCycleLR with onecycle-spark's defaults (lrMax 0.1, divFactor 25, pctStart 0.3, final
  lr = lrMax / (25 * 1e4), cos annealing, momentum 0.95 -> 0.85 -> 0.95), stepped once per minibatch step;
* algorithm (--mode avg): TorchDistributor(num_processes=2, local_mode=True), each process one thread, SGD Nesterov
  with weight decay 1e-4 (DL4J's L2 1e-4), batch 32 per process, every 4 steps the parameters AND the momentum
  buffers averaged over the processes (one all_reduce of one flat tensor) = onecycle-spark's parameter averaging;
  --mode ddp: DistributedDataParallel (gradients all-reduced every step), for reference; --mode single: one process,
  one thread, batch 64 (= DL4J's one-JVM fit of 2 x 32).
Each process trains on its own half of the examples (as onecycle-spark's two workers do), reshuffled each epoch.
Epoch seconds are wall seconds on process 0 between barriers, the schedule spans all --epochs epochs.
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np

LR_MAX, DIV, PCT, FINAL_DIV, MOM_MAX, MOM_BASE, L2 = 0.1, 25.0, 0.3, 1e4, 0.95, 0.85, 1e-4
BATCH, AVG = 32, 4


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(data_dir, examples):
    x = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255.0
    y = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    if examples:
        x, y = x[:examples], y[:examples]
    return x, y


def build(network):
    import torch.nn as nn
    torch_init_seed()
    if network == "mlp":
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    return nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def torch_init_seed():
    import torch
    torch.manual_seed(42)


def train(mode, network, epochs, data_dir, examples):
    """One process's training; returns (epoch seconds, last loss) on process 0."""
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F
    torch.set_num_threads(1)
    distributed = mode in ("avg", "ddp")
    if distributed:
        dist.init_process_group("gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
    else:
        rank, world = 0, 1
    x, y = load(data_dir, examples)
    batch = BATCH if distributed else BATCH * 2
    # each process its own half of the data, as onecycle-spark's workers
    per = len(x) // world
    x, y = torch.from_numpy(x[rank * per:(rank + 1) * per].copy()), torch.from_numpy(y[rank * per:(rank + 1) * per].copy())
    steps = len(x) // batch
    model = build(network)
    if mode == "ddp":
        model = torch.nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(model.parameters(), lr=LR_MAX / DIV, momentum=MOM_MAX, nesterov=True, weight_decay=L2)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR_MAX, total_steps=steps * epochs, pct_start=PCT,
                                                anneal_strategy="cos", div_factor=DIV, final_div_factor=FINAL_DIV,
                                                base_momentum=MOM_BASE, max_momentum=MOM_MAX)
    gen = torch.Generator().manual_seed(42 + rank)
    params = list(model.parameters())
    times, loss = [], None
    for _ in range(epochs):
        if distributed:
            dist.barrier()
        t = time.perf_counter()
        order = torch.randperm(len(x), generator=gen)
        for s in range(steps):
            idx = order[s * batch:(s + 1) * batch]
            opt.zero_grad(set_to_none=True)
            out = F.cross_entropy(model(x[idx]), y[idx])
            out.backward()
            opt.step()
            sched.step()
            if mode == "avg" and (s + 1) % AVG == 0:
                average(opt, params, world)
            loss = out.detach()
        if mode == "avg" and steps % AVG:
            average(opt, params, world)
        if distributed:
            dist.barrier()
        times.append(time.perf_counter() - t)
    if distributed:
        dist.destroy_process_group()
    return times, float(loss)


def average(opt, params, world):
    """Parameters and momentum buffers averaged over the processes, as one flat all_reduce."""
    import torch
    import torch.distributed as dist
    tensors = [p.data for p in params] + [opt.state[p]["momentum_buffer"] for p in params]
    flat = torch.cat([t.reshape(-1) for t in tensors])
    dist.all_reduce(flat)
    flat /= world
    offset = 0
    for t in tensors:
        n = t.numel()
        t.copy_(flat[offset:offset + n].view_as(t))
        offset += n


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", choices=["avg", "ddp", "single"], default="avg")
    p.add_argument("--network", choices=["mlp", "lenet"], default="mlp")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--examples", type=int, default=0, help="the first N training examples (0 = all)")
    p.add_argument("--data", default=os.environ.get("FASHION_MNIST", "/usr/share/datasets/fashion-mnist"))
    a = p.parse_args()
    if not os.path.exists(os.path.join(a.data, "train-images-idx3-ubyte.gz")):
        sys.exit(f"peer.py: --data: {a.data} has no train-images-idx3-ubyte.gz (install Debian's dataset-fashion-mnist"
                 " or give the folder of the IDX files)")
    if a.mode == "single":
        times, loss = train("single", a.network, a.epochs, a.data, a.examples)
        system = "torch one process (1 thread, batch 64)"
    else:
        from pyspark.sql import SparkSession
        from pyspark.ml.torch.distributor import TorchDistributor
        spark = (SparkSession.builder.master("local[2]").appName("peer-bench")
                 .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        try:
            times, loss = TorchDistributor(num_processes=2, local_mode=True, use_gpu=False).run(
                train, a.mode, a.network, a.epochs, a.data, a.examples)
        finally:
            spark.stop()
        system = ("torch TorchDistributor averaging 4" if a.mode == "avg" else "torch TorchDistributor DDP")
    print(json.dumps({"system": system, "network": a.network, "epoch_seconds": times, "final_loss": loss}))


if __name__ == "__main__":
    main()
