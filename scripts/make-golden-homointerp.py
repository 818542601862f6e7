#!/usr/bin/env python3
"""Goldens for the HomoInterp tests (run by hand with Debian's python3-torch):
    /usr/bin/python3 scripts/make-golden-homointerp.py            # Fixtures/golden/homointerp-critic.safetensors
    /usr/bin/python3 scripts/make-golden-homointerp.py --vgg19 OUT  # random-weight VGG19 with torchvision keys

The critic file holds a tiny HomoInterp critic (4-channel 4x4 latents, one 2-attribute group)
with the same layer order and names as Morph's HomoInterpCritic, real and fake latents, the
mixing weights eps, the gradient penalty mean((||d Dis(x_hat)/d x_hat|| - 1)^2) and its
gradients with respect to every critic weight (through the double backward).
The VGG19 file is torchvision's `vgg19().features` state dict, randomly initialised, saved
with `features.` keys: it tests the teacher loader without downloading anything.
"""
import os, sys
import torch
import torch.nn as nn

from golden_safetensors import write_safetensors

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'Fixtures', 'golden')


def vgg19_features():
    cfg = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M']
    layers, c = [], 3
    for v in cfg:
        if v == 'M':
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU()]
            c = v
    return nn.Sequential(*layers)


if len(sys.argv) == 3 and sys.argv[1] == '--vgg19':
    torch.manual_seed(19)
    f = vgg19_features()
    write_safetensors(sys.argv[2], {'features.' + k: v for k, v in f.state_dict().items()})
    sys.exit(0)

torch.manual_seed(4321)
torch.set_default_dtype(torch.float64)
C = 4


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(
            nn.Conv2d(C, C, 1), nn.InstanceNorm2d(C), nn.LeakyReLU(0.2),
            nn.Conv2d(C, C, 4, stride=2, padding=1), nn.InstanceNorm2d(C), nn.LeakyReLU(0.2),
            nn.Conv2d(C, C, 2), nn.LeakyReLU(0.2))
        self.adversarial = nn.Conv2d(C, 1, 1)
        self.classifiers = nn.ModuleList([nn.Conv2d(C, 2, 1)])

    def score(self, x):
        return self.adversarial(self.trunk(x)).reshape(x.shape[0])


critic = Critic()
with torch.no_grad():
    for p in critic.parameters():
        p.copy_(p.float().double())
real = torch.randn(3, C, 4, 4).float().double()
fake = torch.randn(3, C, 4, 4).float().double()
eps = torch.rand(3).float().double()
mixed = (real + eps.reshape(3, 1, 1, 1) * (fake - real)).requires_grad_(True)
g, = torch.autograd.grad(critic.score(mixed).sum(), mixed, create_graph=True)
gp = ((g.pow(2).sum(dim=[1, 2, 3]) + 1e-12).sqrt() - 1).pow(2).mean()
names = [n for n, _ in critic.named_parameters()]
grads = torch.autograd.grad(gp, [p for _, p in critic.named_parameters()], allow_unused=True)
params = dict(critic.named_parameters())
grads = [torch.zeros_like(params[n]) if gr is None else gr for n, gr in zip(names, grads)]
T = {'real': real, 'fake': fake, 'eps': eps, 'gp': gp.reshape(1)}
for n, p in critic.named_parameters():
    T['weight.' + n] = p
for n, gr in zip(names, grads):
    T['grad.' + n] = gr
write_safetensors(os.path.join(OUT, 'homointerp-critic.safetensors'), T)
print('gp', gp.item())
