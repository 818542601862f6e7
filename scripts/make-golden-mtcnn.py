#!/usr/bin/env python3
"""Writes the golden files the face detector's tests compare against.

Run by hand (not in CI) with Debian's python3-torch and python3-torchvision (facenet-pytorch
imports torchvision for batched_nms):
    /usr/bin/python3 scripts/make-golden-mtcnn.py
It installs the facenet-pytorch 2.6.0 wheel without dependencies into a temporary folder and
uses its PNet, RNet, ONet and MTCNN as the reference. Outputs (small, committed):
  Fixtures/golden/mtcnn-ops.safetensors   max pooling (3×3 and 2×2, stride 2, ceil mode), PReLU
                                          and softmax: inputs, a random output weighting `r`,
                                          outputs `y` and gradients of sum(r·y) (`g<name>`),
                                          computed in double, stored as float32.
  Fixtures/golden/mtcnn-nets.safetensors  P-, R- and O-Net outputs on fixed random inputs.
  Fixtures/golden/mtcnn-detections.json   MTCNN.detect's boxes, scores and landmarks on the
                                          photos of Fixtures/photos/.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_safetensors import write_safetensors  # noqa: E402
import golden_safetensors  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
OUT = os.path.join(ROOT, 'Fixtures', 'golden')
PHOTOS = os.path.join(ROOT, 'Fixtures', 'photos')
PHOTO_NAMES = ['grace_hopper.jpg', 'astronaut.jpg', 'camera.png']
TRIO = 'trio'  # the three photos side by side


def op_goldens():
    torch.manual_seed(34)
    T = {}

    def leaf(*shape):
        return torch.randn(*shape, dtype=torch.float64).float().double().requires_grad_(True)

    def record(name, fn, **inputs):
        golden_safetensors.record(T, name, fn, **inputs)

    record('maxpool3', lambda x: F.max_pool2d(x, 3, 2, ceil_mode=True), x=leaf(2, 3, 10, 11))
    record('maxpool2', lambda x: F.max_pool2d(x, 2, 2, ceil_mode=True), x=leaf(1, 2, 7, 9))
    record('prelu4d', lambda x, a: F.prelu(x, a), x=leaf(2, 4, 5, 6), a=(torch.rand(4, dtype=torch.float64) * 0.5).float().double().requires_grad_(True))
    record('prelu2d', lambda x, a: F.prelu(x, a), x=leaf(3, 6), a=(torch.rand(6, dtype=torch.float64) * 0.5).float().double().requires_grad_(True))
    record('softmax', lambda x: F.softmax(x, dim=1), x=leaf(2, 3, 4, 5))
    write_safetensors(os.path.join(OUT, 'mtcnn-ops.safetensors'), T)


def net_goldens(models):
    torch.manual_seed(35)
    pnet, rnet, onet = models.PNet(), models.RNet(), models.ONet()
    T = {}
    with torch.no_grad():
        # Odd sizes exercise the ceil-mode pooling windows at the edges.
        x = (torch.rand(2, 3, 27, 33) * 2 - 1)
        T['pnet.input'] = x
        T['pnet.regression'], T['pnet.probabilities'] = pnet(x)
        x = (torch.rand(5, 3, 24, 24) * 2 - 1)
        T['rnet.input'] = x
        T['rnet.regression'], T['rnet.probabilities'] = rnet(x)
        x = (torch.rand(4, 3, 48, 48) * 2 - 1)
        T['onet.input'] = x
        T['onet.regression'], T['onet.landmarks'], T['onet.probabilities'] = onet(x)
    write_safetensors(os.path.join(OUT, 'mtcnn-nets.safetensors'), T)


def detection_goldens(models):
    mtcnn = models.MTCNN(keep_all=True, device='cpu')
    result = {'reference': 'facenet-pytorch 2.6.0 MTCNN(keep_all=True).detect(image, landmarks=True), '
                           'default options (min_face 20, thresholds 0.6/0.7/0.7, factor 0.709)',
              'photos': {}}
    images = [(name, Image.open(os.path.join(PHOTOS, name)).convert('RGB')) for name in PHOTO_NAMES]
    # Several faces in one image: the three photos side by side, top-aligned, black below.
    trio = Image.new('RGB', (sum(i.size[0] for _, i in images), max(i.size[1] for _, i in images)))
    x = 0
    for _, i in images:
        trio.paste(i, (x, 0)); x += i.size[0]
    images.append((TRIO, trio))
    for name, img in images:
        with torch.no_grad():
            boxes, probs, points = mtcnn.detect(img, landmarks=True)
        faces = []
        if boxes is not None:
            for b, p, pts in zip(boxes, probs, points):
                faces.append({'box': [float(v) for v in b], 'score': float(p),
                              'landmarks': [[float(x), float(y)] for x, y in pts]})
        result['photos'][name] = {'width': img.size[0], 'height': img.size[1], 'faces': faces}
        print(f'{name}: {len(faces)} faces')
    with open(os.path.join(OUT, 'mtcnn-detections.json'), 'w') as f:
        json.dump(result, f, indent=1)
        f.write('\n')


def import_mtcnn(folder):
    """facenet_pytorch.models.mtcnn from the wheel installed in `folder`, without running the
    package's __init__ (which imports the face-recognition model and its tqdm dependency)."""
    import importlib
    import types
    package = types.ModuleType('facenet_pytorch')
    package.__path__ = [os.path.join(folder, 'facenet_pytorch')]
    sys.modules['facenet_pytorch'] = package
    return importlib.import_module('facenet_pytorch.models.mtcnn')


def main():
    os.makedirs(OUT, exist_ok=True)
    op_goldens()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps', '--target', tmp,
                        'facenet-pytorch==2.6.0'], check=True)
        models = import_mtcnn(tmp)
        net_goldens(models)
        detection_goldens(models)


if __name__ == '__main__':
    main()
