#!/usr/bin/env python3
"""descent's model training against PyTorch on this machine (CPU, or `--device cuda`), side by side in one run.

The case is `descent bench --model`'s: a 2-16-16-1 tanh MLP (337 parameters), bce with
logits, two moons of 200 points, Adam (lr 0.01), full batch, torch.nn.Linear's default
initialisation. Rounds alternate, so a drift in the machine's speed touches all three:

- descent: `descent bench --model --models N --steps S` (its GPU row: the GPU adapter, or
  lavapipe on the same CPU cores when there is no GPU), model-steps per second;
- torch, one network at a time: torch's own loop (zero_grad, forward, loss, backward,
  Adam.step) over as many networks as fit in about `--loop-seconds`;
- torch, all at once: the N networks' parameters stacked, the loss of each taken by
  torch.func.vmap over torch.func.functional_call, their sum's backward giving every
  network's own gradient, and one torch.optim.Adam stepping the stacked tensors (Adam is
  elementwise, so that is N independent Adams).

Prints each round and the medians, with descent's rate over each torch rate.

    python3 scripts/bench-torch-models.py --descent target/release/descent --models 1000 --steps 100
"""
import argparse
import math
import re
import statistics
import subprocess
import time

import torch


def two_moons(n, noise, generator):
    """scikit-learn's make_moons distribution (not its numbers): the timing needs the shape."""
    half = n // 2
    t_out = torch.rand(half, generator=generator, dtype=torch.float64) * math.pi
    t_in = torch.rand(n - half, generator=generator, dtype=torch.float64) * math.pi
    outer = torch.stack([torch.cos(t_out), torch.sin(t_out)], 1)
    inner = torch.stack([1 - torch.cos(t_in), 1 - torch.sin(t_in) - 0.5], 1)
    x = torch.cat([outer, inner]) + noise * torch.randn(n, 2, generator=generator, dtype=torch.float64)
    y = torch.cat([torch.zeros(half), torch.ones(n - half)]).to(torch.float64)
    return x.float(), y.float()


def network():
    return torch.nn.Sequential(
        torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)
    )


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def torch_loop(x, y, steps, seconds):
    """Networks trained one after another until `seconds` pass: model-steps per second."""
    loss_fn = torch.nn.functional.binary_cross_entropy_with_logits
    done, start = 0, time.perf_counter()
    while done == 0 or time.perf_counter() - start < seconds:
        net = network().to(x.device)
        opt = torch.optim.Adam(net.parameters(), lr=0.01)
        for _ in range(steps):
            opt.zero_grad()
            loss = loss_fn(net(x).squeeze(1), y)
            loss.backward()
            opt.step()
        sync(x.device)
        done += 1
    return done * steps / (time.perf_counter() - start), done


def torch_vmap(x, y, models, steps):
    """`models` networks stacked and stepped together: model-steps per second."""
    from torch.func import functional_call, stack_module_state, vmap

    nets = [network().to(x.device) for _ in range(models)]
    params, buffers = stack_module_state(nets)
    base = network().to("meta")
    params = {k: v.detach().requires_grad_() for k, v in params.items()}
    opt = torch.optim.Adam(params.values(), lr=0.01)
    loss_fn = torch.nn.functional.binary_cross_entropy_with_logits

    def one(p, b):
        return loss_fn(functional_call(base, (p, b), (x,)).squeeze(1), y)

    losses = vmap(one)
    sync(x.device)
    start = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad()
        losses(params, buffers).sum().backward()
        opt.step()
    sync(x.device)
    return models * steps / (time.perf_counter() - start)


def descent_rate(binary, models, steps):
    out = subprocess.run(
        [binary, "bench", "--model", "--models", str(models), "--steps", str(steps), "--slice-sides", "8", "--twin-model-steps", "2000"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for line in out.splitlines():
        cols = line.split()
        if cols and cols[0] == str(models) and len(cols) >= 4:
            return float(cols[3]), out
    raise SystemExit(f"no row for {models} models in:\n{out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--descent", default="target/release/descent")
    ap.add_argument("--models", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--loop-seconds", type=float, default=10.0)
    ap.add_argument("--device", default="cpu", help="where torch runs: cpu, or cuda on a machine with one")
    args = ap.parse_args()
    device = torch.device(args.device)
    torch.manual_seed(0)
    x, y = two_moons(200, 0.1, torch.Generator().manual_seed(0))
    x, y = x.to(device), y.to(device)
    adapter = None
    rows = []
    for r in range(args.rounds):
        d, out = descent_rate(args.descent, args.models, args.steps)
        adapter = adapter or re.search(r"GPU = (.*?);", out).group(1)
        loop, nets = torch_loop(x, y, args.steps, args.loop_seconds)
        vm = torch_vmap(x, y, args.models, args.steps)
        rows.append((d, loop, vm))
        print(
            f"round {r + 1}: descent {d:.3e}, torch loop {loop:.3e} ({nets} networks), "
            f"torch vmap {vm:.3e} model-steps/s",
            flush=True,
        )
    d, loop, vm = (statistics.median(c) for c in zip(*rows))
    print(
        f"\n{args.models} networks of 2-16-16-1 (tanh, 337 parameters), bce, 200 points, Adam, "
        f"{args.steps} steps; torch {torch.__version__} on "
        f"{torch.cuda.get_device_name(device) if device.type == 'cuda' else f'{torch.get_num_threads()} CPU threads'}; "
        f"descent on {adapter}"
    )
    print(f"{'':<26}{'median model-steps/s':>22}{'descent faster':>16}")
    print(f"{'descent':<26}{d:>22.3e}{'':>16}")
    print(f"{'torch, one at a time':<26}{loop:>22.3e}{d / loop:>15.1f}x")
    print(f"{'torch.func.vmap, all':<26}{vm:>22.3e}{d / vm:>15.1f}x")


if __name__ == "__main__":
    main()
