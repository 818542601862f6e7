#!/usr/bin/python3
"""Builds the reference HomoInterpGAN architecture (the layer names and shapes of
EnVision-Research/HomoInterpGAN's network/model.py and network/base_network.py, written anew
here) with random weights, saves its state dicts the way its training script does, and records
what the model computes on fixed inputs, for Morph's import tests (Debian's python3-torch 1.13).

    make-golden-homointerpgan.py OUT [--nchannel N] [--formats legacy,zip] [--golden F]
                                     [--vgg OUT_VGG --vgg-golden F] [--safetensors-copy]

OUT/<format>/ receives encoder-latest.pth, interp_net-latest.pth, decoder-latest.pth,
discrim-latest.pth and KGTransform-latest.pth: encoder, interp_net, decoder and KGTransform
inside DataParallel (`module.` prefixes), discrim bare, as the reference's run.py and
optimizer/optim_homoInterp.py save them. `legacy` is torch.save's pre-1.6 format (what PyTorch
1.0 wrote the released model in), `zip` the current one. `--nchannel` is the VGG's first width
(64 in the paper); every other channel count scales with it. The interpolator has one branch per
attribute group of the released model plus the residual branch run.py adds.

--golden writes the inputs and outputs (symmetric images in [-1, 1] as Morph hands them, the
encoder's latents, interpolations for several strength rows, decoder outputs mapped back to
symmetric pixels, KGTransform and discrim outputs; batch norm in eval mode). --vgg writes a
torchvision-layout VGG19 `features.N` state dict (vgg19.pth) and --vgg-golden its activations
at relu1_2, relu2_2, relu3_4, relu4_4 and relu5_1.
"""
import argparse, os, sys
from collections import OrderedDict

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_safetensors import write_safetensors

# The released model's groups, in branch order (the reference's run.py default --attr).
GROUPS = [
    ["Mouth_Slightly_Open", "Smiling"],
    ["Male", "No_Beard", "Mustache", "Goatee", "Sideburns"],
    ["Black_Hair", "Blond_Hair", "Brown_Hair", "Gray_Hair"],
    ["Bald", "Receding_Hairline", "Bangs"],
    ["Young"],
]
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def vgg_to_relu51(n):
    """base_network.VGG: three named Sequentials ending at relu3_1, relu4_1 and relu5_1."""
    def block(entries):
        layers = OrderedDict()
        for name, cin, cout in entries:
            if name.startswith('pool'):
                layers[name] = nn.MaxPool2d(2, 2)
            else:
                layers['conv' + name] = nn.Conv2d(cin, cout, 3, padding=1)
                # The reference names the ReLU after conv3_4 'relu3_5'; ReLUs hold no weights.
                layers['relu' + ('3_5' if name == '3_4' else name)] = nn.ReLU(inplace=True)
        return nn.Sequential(layers)

    vgg = nn.Module()
    vgg.features_1 = block([('1_1', 3, n), ('1_2', n, n), ('pool1', 0, 0), ('2_1', n, 2 * n), ('2_2', 2 * n, 2 * n),
                            ('pool2', 0, 0), ('3_1', 2 * n, 4 * n)])
    vgg.features_2 = block([('3_2', 4 * n, 4 * n), ('3_3', 4 * n, 4 * n), ('3_4', 4 * n, 4 * n), ('pool3', 0, 0),
                            ('4_1', 4 * n, 8 * n)])
    vgg.features_3 = block([('4_2', 8 * n, 8 * n), ('4_3', 8 * n, 8 * n), ('4_4', 8 * n, 8 * n), ('pool4', 0, 0),
                            ('5_1', 8 * n, 8 * n)])
    vgg.forward = lambda x: vgg.features_3(vgg.features_2(vgg.features_1(x)))
    return vgg


class Encoder(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.model = vgg_to_relu51(n)

    def forward(self, x):
        return self.model.forward(x)


class Branch(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.model = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.ReLU(True), nn.Conv2d(c, c, 3, padding=1),
                                   nn.ReLU(True), nn.Conv2d(c, c, 3, padding=1))


class InterpNet(nn.Module):
    def __init__(self, branches, c):
        super().__init__()
        self.branch = nn.ModuleList([Branch(c) for _ in range(branches)])

    def forward(self, f1, f2, v):
        d = f2 - f1
        return f1 + sum(b.model(d) * v[:, i].view(-1, 1, 1, 1) for i, b in enumerate(self.branch))


class Decoder(nn.Module):
    """conv-BN-ReLU blocks (convolutions with bias) and nearest upsamplings, no final tanh."""

    def __init__(self, n):
        super().__init__()
        plan = [8 * n, 'up', 4 * n, 4 * n, 4 * n, 4 * n, 'up', 2 * n, 2 * n, 2 * n, 2 * n, 'up', n, n, 'up', n]
        layers, c = [], 8 * n
        for entry in plan:
            if entry == 'up':
                layers.append(nn.Upsample(scale_factor=2, mode='nearest'))
            else:
                layers += [nn.Conv2d(c, entry, 3, padding=1), nn.BatchNorm2d(entry), nn.ReLU()]
                c = entry
        layers.append(nn.Conv2d(c, 3, 3, padding=1))
        self.model = nn.Sequential(*layers)

    def forward(self, f):
        return self.model(f)


class Discrim(nn.Module):
    def __init__(self, n):
        super().__init__()
        c, w = 8 * n, 4 * n
        self.model = nn.Sequential(
            nn.Conv2d(c, w, 1), nn.InstanceNorm2d(w, affine=True), nn.LeakyReLU(0.2, True),
            nn.Conv2d(w, w, 4, padding=1, stride=2), nn.InstanceNorm2d(w, affine=True), nn.LeakyReLU(0.2, True),
            nn.Conv2d(w, w, 4, padding=1, stride=2), nn.InstanceNorm2d(w, affine=True), nn.LeakyReLU(0.2, True),
            nn.Conv2d(w, w, 2))
        self.ifReal = nn.Conv2d(w, w, 1)
        self.attr_branches = nn.ModuleList([nn.Conv2d(w, len(g), 1) for g in GROUPS])

    def forward(self, f):
        h = self.model(f)
        return self.ifReal(h), [b(h).flatten(1) for b in self.attr_branches]


def randomise(module, gen):
    """He-normal convolutions and random norm statistics, so every weight matters."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            fan_in = m.weight.shape[1] * m.weight.shape[2] * m.weight.shape[3]
            m.weight.data = torch.randn(m.weight.shape, generator=gen) * (2.0 / fan_in) ** 0.5
            m.bias.data = torch.randn(m.bias.shape, generator=gen) * 0.05
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.data = 1 + 0.2 * torch.randn(m.weight.shape, generator=gen)
            m.bias.data = 0.1 * torch.randn(m.bias.shape, generator=gen)
            m.running_mean.data = 0.2 * torch.randn(m.running_mean.shape, generator=gen)
            m.running_var.data = 0.5 + torch.rand(m.running_var.shape, generator=gen)
            m.num_batches_tracked.fill_(1000)
        elif isinstance(m, nn.InstanceNorm2d) and m.affine:
            m.weight.data = 1 + 0.2 * torch.randn(m.weight.shape, generator=gen)
            m.bias.data = 0.1 * torch.randn(m.bias.shape, generator=gen)


def data_parallel(state):
    """The keys nn.DataParallel(module).state_dict() has."""
    return OrderedDict(('module.' + k, v) for k, v in state.items())


def save(state, path, fmt):
    torch.save(state, path, _use_new_zipfile_serialization=(fmt == 'zip'))


def vgg19_features(n):
    """torchvision's vgg19().features at first width n (indices 0…36)."""
    plan = [n, n, 'M', 2 * n, 2 * n, 'M'] + [4 * n] * 4 + ['M'] + [8 * n] * 4 + ['M'] + [8 * n] * 4 + ['M']
    layers, c = [], 3
    for e in plan:
        if e == 'M':
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, e, 3, padding=1), nn.ReLU(inplace=True)]
            c = e
    return nn.Sequential(*layers)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('out')
    ap.add_argument('--nchannel', type=int, default=64)
    ap.add_argument('--size', type=int, default=128)
    ap.add_argument('--formats', default='legacy,zip')
    ap.add_argument('--label', default='latest')
    ap.add_argument('--golden')
    ap.add_argument('--vgg')
    ap.add_argument('--vgg-golden')
    ap.add_argument('--safetensors-copy', action='store_true', help='also write OUT/safetensors/<name>.safetensors')
    ap.add_argument('--seed', type=int, default=35)
    args = ap.parse_args()
    torch.set_grad_enabled(False)
    gen = torch.Generator().manual_seed(args.seed)
    n = args.nchannel

    encoder, decoder, discrim = Encoder(n), Decoder(n), Discrim(n)
    interp = InterpNet(len(GROUPS) + 1, 8 * n)
    kg = nn.Conv2d(8 * n, 8 * n, 1)
    for m in (encoder, interp, decoder, discrim, kg):
        randomise(m, gen)
        m.eval()
    states = {
        'encoder': data_parallel(encoder.state_dict()),
        'interp_net': data_parallel(interp.state_dict()),
        'decoder': data_parallel(decoder.state_dict()),
        'discrim': discrim.state_dict(),
        'KGTransform': data_parallel(kg.state_dict()),
    }
    for fmt in [f for f in args.formats.split(',') if f]:
        folder = os.path.join(args.out, fmt)
        os.makedirs(folder, exist_ok=True)
        for name, state in states.items():
            save(state, os.path.join(folder, '%s-%s.pth' % (name, args.label)), fmt)
    if args.safetensors_copy:
        folder = os.path.join(args.out, 'safetensors')
        os.makedirs(folder, exist_ok=True)
        for name, state in states.items():
            write_safetensors(os.path.join(folder, name + '.safetensors'),
                              {k: v for k, v in state.items() if v.is_floating_point()})

    if args.golden:
        images = torch.rand((2, 3, args.size, args.size), generator=gen) * 2 - 1  # Morph's symmetric pixels
        x = ((images + 1) / 2 - MEAN) / STD  # data/attributeDataset.py: ToTensor, ImageNet Normalize
        latents = encoder(x)
        g = len(GROUPS)
        rows = torch.tensor([
            [1, 0, 0, 0, 0, 0], [0.5, 0.3, 0, 1, 0.2, 0], [1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0], [2, 0, 0.7, 0, 0, 0.4],
        ], dtype=torch.float32)
        out = {'images': images, 'latents': latents, 'strengths': rows}
        source, reference = latents[0:1], latents[1:2]
        for k in range(rows.shape[0]):
            out['interpolated.%d' % k] = interp(source, reference, rows[k:k + 1])
        raw = decoder(latents)
        decoded = (raw * STD + MEAN) * 2 - 1  # tensorWriter.untransformTensor, in symmetric pixels
        out['decoded'] = decoded
        out['projected'] = kg(latents)
        score, attrs = discrim(latents)
        out['critic_score'] = score.mean(dim=(1, 2, 3))
        out['critic_attributes'] = torch.sigmoid(torch.cat(attrs, dim=1))
        assert out['latents'].shape[1:] == (8 * n, args.size // 16, args.size // 16)
        write_safetensors(args.golden, out)

    if args.vgg:
        os.makedirs(os.path.dirname(os.path.abspath(args.vgg)), exist_ok=True)
        features = vgg19_features(n)
        randomise(features, gen)
        state = OrderedDict(('features.' + k, v) for k, v in features.state_dict().items())
        save(state, args.vgg, 'zip' if args.vgg.endswith('zip.pth') else 'legacy')
        if args.safetensors_copy:
            write_safetensors(os.path.join(args.out, 'safetensors', 'vgg19.safetensors'), state)
        if args.vgg_golden:
            images = torch.rand((1, 3, args.size, args.size), generator=gen) * 2 - 1
            y = ((images + 1) / 2 - MEAN) / STD
            out = {'images': images}
            taps = {3: 'relu1_2', 8: 'relu2_2', 17: 'relu3_4', 26: 'relu4_4', 29: 'relu5_1'}
            for i, layer in enumerate(features):
                y = layer(y)
                if i in taps:
                    out[taps[i]] = y.clone()
                if i == 29:
                    break
            write_safetensors(args.vgg_golden, out)


if __name__ == '__main__':
    main()
