#!/usr/bin/env python3
"""The face-detection anchor: facenet-pytorch 2.6.0's MTCNN on the CPU (Debian's python3-torch
and python3-torchvision; the wheel installed without dependencies into bench/data/, which is
git-ignored), timed on the same 640×480 PNG photos as `morph bench detect`.

    /usr/bin/python3 bench/mtcnn_anchor.py FOLDER [--passes 3] [--threads 1]

Prints one JSON line; when torch, torchvision or the wheel cannot be had it prints a JSON line
with "skipped" and the reason, and exits 0. Decoding is not timed (as in Morph's run).
"""
import argparse
import importlib
import json
import os
import subprocess
import sys
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
VERSION = '2.6.0'
SITE = os.path.join(HERE, 'data', f'facenet-pytorch-{VERSION}')


def skip(reason):
    print(json.dumps({'workload': 'detect', 'framework': f'facenet-pytorch {VERSION}', 'skipped': reason}))
    sys.exit(0)


def load_mtcnn_module():
    if not os.path.isdir(os.path.join(SITE, 'facenet_pytorch')):
        r = subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps', '--target', SITE,
                            f'facenet-pytorch=={VERSION}'], capture_output=True, text=True)
        if r.returncode != 0:
            skip(f'pip install facenet-pytorch=={VERSION} failed: {r.stderr.strip()[-300:]}')
    # The package's __init__ also imports the recognition model and its tqdm dependency: load
    # the MTCNN module alone.
    package = types.ModuleType('facenet_pytorch')
    package.__path__ = [os.path.join(SITE, 'facenet_pytorch')]
    sys.modules['facenet_pytorch'] = package
    return importlib.import_module('facenet_pytorch.models.mtcnn')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('folder')
    ap.add_argument('--passes', type=int, default=3)
    ap.add_argument('--threads', type=int, default=0, help='torch threads (0: torch default)')
    a = ap.parse_args()
    try:
        import numpy as np
        import torch
        import torchvision  # noqa: F401  (facenet-pytorch's batched_nms)
        from PIL import Image
    except ImportError as e:
        skip(f'{e} (apt-get install python3-torch python3-torchvision python3-pil)')
    mtcnn_module = load_mtcnn_module()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    files = sorted(f for f in os.listdir(a.folder) if f.endswith('.png') and not f.startswith('.'))
    if not files:
        skip(f'no .png photos in {a.folder}')
    images = [np.asarray(Image.open(os.path.join(a.folder, f)).convert('RGB')) for f in files]
    mtcnn = mtcnn_module.MTCNN(keep_all=True, device='cpu')
    faces = 0
    with torch.no_grad():
        mtcnn.detect(images[0])
        start = time.perf_counter()
        for p in range(a.passes):
            for img in images:
                boxes, _ = mtcnn.detect(img)
                if p == 0 and boxes is not None:
                    faces += len(boxes)
        seconds = time.perf_counter() - start
    import resource
    print(json.dumps({
        'workload': 'detect', 'framework': f'facenet-pytorch {VERSION} (torch {torch.__version__})',
        'size': '640x480', 'threads': torch.get_num_threads(), 'photos': len(images), 'passes': a.passes,
        'faces_per_pass': faces, 'seconds': round(seconds, 3),
        'photos_per_s': round(len(images) * a.passes / seconds, 2),
        'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))


if __name__ == '__main__':
    main()
