#!/usr/bin/env python3
"""Writes the golden tensors the MorphTensor/MorphNN tests compare against.

Run by hand (not in CI) with Debian's python3-torch:
    /usr/bin/python3 scripts/make-golden.py
Outputs (small, committed): Fixtures/golden/ops.safetensors, Fixtures/golden/critic.safetensors.
Each op stores its inputs, a random output weighting `r`, the output `y`, and the gradients of
sum(r * y) with respect to every input (`g<name>`). The critic file stores a small WGAN-GP
critic's weights, inputs, losses and parameter gradients through the double backward.
"""
import os
import torch
import torch.nn as nn
import torch.nn.functional as F

from golden_safetensors import write_safetensors
import golden_safetensors

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)  # goldens computed in double, stored as float32
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'Fixtures', 'golden')


def leaf(*shape, scale=1.0):
    # Inputs are rounded to float32 first so both sides start from identical values.
    return (torch.randn(*shape) * scale).float().double().requires_grad_(True)


T = {}


def record(name, fn, **inputs):
    golden_safetensors.record(T, name, fn, **inputs)


for k, s, p in [(1, 1, 0), (2, 1, 0), (3, 1, 1), (4, 2, 1), (3, 2, 1)]:
    record(f'conv_k{k}s{s}p{p}', lambda x, w, b: F.conv2d(x, w, b, stride=s, padding=p),
           x=leaf(2, 3, 6, 6), w=leaf(4, 3, k, k, scale=0.4), b=leaf(4))
record('maxpool', lambda x: F.max_pool2d(x, 2), x=leaf(2, 3, 6, 6))
record('up_nearest', lambda x: F.interpolate(x, scale_factor=2, mode='nearest'), x=leaf(2, 3, 3, 4))
record('up_bilinear', lambda x: F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False), x=leaf(2, 3, 3, 4))
record('instance_norm', lambda x, w, b: F.instance_norm(x, weight=w, bias=b, eps=1e-5), x=leaf(2, 3, 4, 4), w=leaf(3), b=leaf(3))
rm, rv = torch.zeros(3), torch.ones(3)
record('batch_norm', lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.1, eps=1e-5),
       x=leaf(4, 3, 3, 3), w=leaf(3), b=leaf(3))
T['batch_norm.running_mean'] = rm; T['batch_norm.running_var'] = rv
record('leaky_relu', lambda x: F.leaky_relu(x, 0.2), x=leaf(3, 7))
record('tanh', lambda x: torch.tanh(x), x=leaf(3, 7))
record('sigmoid', lambda x: torch.sigmoid(x), x=leaf(3, 7, scale=4))
record('linear', lambda x, w, b: F.linear(x, w, b), x=leaf(4, 5), w=leaf(3, 5), b=leaf(3))
tgt = torch.randn(3, 7).float().double()
labels = torch.randint(0, 2, (3, 7)).double()
record('mse', lambda x: F.mse_loss(x, tgt), x=leaf(3, 7)); T['mse.t'] = tgt
record('l1', lambda x: F.l1_loss(x, tgt), x=leaf(3, 7)); T['l1.t'] = tgt
record('bce', lambda x: F.binary_cross_entropy_with_logits(x, labels), x=leaf(3, 7, scale=5)); T['bce.t'] = labels
# Dilated convolutions draw from their own seed so the tensors above (and the critic below)
# stay bit-identical to the files made before dilation existed.
with torch.random.fork_rng():
    torch.manual_seed(4321)
    for k, s, p, d in [(3, 1, 2, 2), (3, 2, 1, 2), (2, 1, 0, 3), (3, 1, 4, 4)]:
        record(f'conv_k{k}s{s}p{p}d{d}', lambda x, w, b: F.conv2d(x, w, b, stride=s, padding=p, dilation=d),
               x=leaf(2, 3, 7, 7), w=leaf(4, 3, k, k, scale=0.4), b=leaf(4))
os.makedirs(OUT, exist_ok=True)
write_safetensors(os.path.join(OUT, 'ops.safetensors'), T)

# --- A small critic with the WGAN-GP double backward (as in torch_anchor.py) -------------
C, c, fs, n = 6, 8, 4, 3
trunk = nn.Sequential(
    nn.Conv2d(C, c, 1), nn.InstanceNorm2d(c, affine=True), nn.LeakyReLU(0.2),
    nn.Conv2d(c, c, 4, padding=1, stride=2), nn.InstanceNorm2d(c, affine=True), nn.LeakyReLU(0.2),
    nn.Conv2d(c, c, 2))
real_head = nn.Conv2d(c, 1, 1)
with torch.no_grad():  # non-trivial affine parameters, float32-representable
    for m in list(trunk) + [real_head]:
        for p in m.parameters():
            p.copy_(torch.randn_like(p).float().double() * (0.5 if p.dim() > 1 else 0.3) + (1.0 if p.dim() == 1 and isinstance(m, nn.InstanceNorm2d) and p is m.weight else 0.0))
Dis = lambda x: real_head(trunk(x))
real = torch.randn(n, C, fs, fs).float().double()
fake = torch.randn(n, C, fs, fs).float().double()
alpha = torch.rand(n, 1, 1, 1).float().double()
r, q = Dis(real), Dis(fake)
g_in = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
go = Dis(g_in)
g, = torch.autograd.grad(go.sum(), g_in, create_graph=True)
gp = ((g.flatten(1).norm(dim=1) - 1) ** 2).mean() * 100
loss = (q - r).mean() + gp
loss.backward()
C_ = {'real': real, 'fake': fake, 'alpha': alpha, 'loss': loss.reshape(1), 'gp': gp.reshape(1),
      'input_grad': g, 'real_out': r}
for name, p in list(trunk.named_parameters(prefix='trunk')) + list(real_head.named_parameters(prefix='real')):
    C_[name] = p; C_['grad.' + name] = p.grad
write_safetensors(os.path.join(OUT, 'critic.safetensors'), C_)
print('wrote', sorted(os.listdir(OUT)), 'loss', loss.item(), 'gp', gp.item())
