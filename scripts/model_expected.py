#!/usr/bin/env python3
"""Expected numbers for tests/model_gpu.rs (`hand_derived_*`), from torch's documented
formulas in plain Python (float64), independent of descent's code:

- nn.Linear: z = W a + b; tanh between layers; the loss is the mean over the points.
- binary_cross_entropy_with_logits: max(z, 0) - z y + log(1 + exp(-|z|)); d/dz = sigmoid(z) - y.
- mse_loss: (z - y)^2; d/dz = 2 (z - y).
- torch.optim.SGD: with momentum m and dampening 0, buf = g at step 1, then buf = m buf + g;
  p = p - lr buf (plain SGD: p = p - lr g).

With torch installed it also trains the same models with torch (float64) and prints both.
"""
import math

LOGISTIC_X = [(0.5, 1.0), (-1.0, 0.5), (1.5, -0.5), (-0.5, -1.5)]
LOGISTIC_Y = [1.0, 0.0, 1.0, 0.0]
LOGISTIC_INIT = [0.1, -0.2, 0.05]  # w0[0,0], w0[0,1], b0[0]

MLP_X = [(0.0, 1.0), (1.0, 0.0), (-1.0, 0.5), (0.5, -1.0), (1.5, 1.5), (-0.5, -0.5)]
MLP_Y = [0.5, -0.25, 1.0, 0.0, -1.0, 0.75]
MLP_INIT = [0.3 * math.sin(k + 1) for k in range(8 * 2 + 8 + 8 + 1)]


def mlp_loss_grad(theta, xs, ys, sizes, loss):
    """Mean loss and gradient of an MLP (tanh between layers) in torch's parameter order."""
    grad = [0.0] * len(theta)
    total = 0.0
    n = len(xs)
    layers = []
    at = 0
    for i, o in zip(sizes, sizes[1:]):
        layers.append((i, o, at, at + i * o))
        at += i * o + o
    for x, y in zip(xs, ys):
        acts = [list(x)]
        for li, (i, o, w, b) in enumerate(layers):
            z = [theta[b + r] + sum(theta[w + r * i + c] * acts[-1][c] for c in range(i)) for r in range(o)]
            acts.append(z if li == len(layers) - 1 else [math.tanh(v) for v in z])
        z = acts[-1][0]
        if loss == "bce":
            total += max(z, 0) - z * y + math.log1p(math.exp(-abs(z)))
            delta = [(1 / (1 + math.exp(-z)) - y) / n]
        else:
            total += (z - y) ** 2
            delta = [2 * (z - y) / n]
        for li in reversed(range(len(layers))):
            i, o, w, b = layers[li]
            a = acts[li]
            for r in range(o):
                for c in range(i):
                    grad[w + r * i + c] += delta[r] * a[c]
                grad[b + r] += delta[r]
            if li > 0:
                delta = [sum(theta[w + r * i + c] * delta[r] for r in range(o)) * (1 - a[c] ** 2) for c in range(i)]
    return total / n, grad


def train(theta, xs, ys, sizes, loss, lr, momentum, steps):
    theta = list(theta)
    buf = None
    losses = []
    for _ in range(steps):
        l, g = mlp_loss_grad(theta, xs, ys, sizes, loss)
        losses.append(l)
        if momentum:
            buf = list(g) if buf is None else [momentum * bi + gi for bi, gi in zip(buf, g)]
            g = buf
        theta = [p - lr * gi for p, gi in zip(theta, g)]
    losses.append(mlp_loss_grad(theta, xs, ys, sizes, loss)[0])
    return theta, losses


def show(name, theta, losses):
    print(name)
    print("  loss at steps 0, 1, 10, 50:", [repr(losses[s]) for s in (0, 1, 10, 50)])
    print("  parameters after 50 steps:", [repr(v) for v in theta])


show("logistic regression, bce, SGD lr=0.5",
     *train(LOGISTIC_INIT, LOGISTIC_X, LOGISTIC_Y, [2, 1], "bce", 0.5, 0.0, 50))
show("mlp:2-8-1:tanh, mse, SGD lr=0.05 momentum=0.9",
     *train(MLP_INIT, MLP_X, MLP_Y, [2, 8, 1], "mse", 0.05, 0.9, 50))

try:
    import torch
except ImportError:
    print("(torch is not installed: the formulas above only)")
else:
    def torch_train(init, xs, ys, sizes, loss, lr, momentum):
        torch.set_default_dtype(torch.float64)
        mods = []
        for li, (i, o) in enumerate(zip(sizes, sizes[1:])):
            mods.append(torch.nn.Linear(i, o))
            if li < len(sizes) - 2:
                mods.append(torch.nn.Tanh())
        net = torch.nn.Sequential(*mods)
        torch.nn.utils.vector_to_parameters(torch.tensor(init), net.parameters())
        opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
        x, y = torch.tensor(xs), torch.tensor(ys)
        f = torch.nn.functional.binary_cross_entropy_with_logits if loss == "bce" else torch.nn.functional.mse_loss
        for _ in range(50):
            opt.zero_grad()
            f(net(x).squeeze(1), y).backward()
            opt.step()
        return torch.nn.utils.parameters_to_vector(net.parameters()).tolist()
    print("torch:", torch_train(LOGISTIC_INIT, LOGISTIC_X, LOGISTIC_Y, [2, 1], "bce", 0.5, 0.0))
    print("torch:", torch_train(MLP_INIT, MLP_X, MLP_Y, [2, 8, 1], "mse", 0.05, 0.9))
