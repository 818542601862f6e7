#!/usr/bin/env python3
"""Converts facenet-pytorch's MTCNN weights (P-Net, R-Net, O-Net) into one safetensors file.

Run once by hand with Debian's python3-torch (needs PyPI through pip):
    /usr/bin/python3 scripts/convert-mtcnn.py
It downloads the facenet-pytorch 2.6.0 wheel without dependencies into a temporary folder,
reads facenet_pytorch/data/{pnet,rnet,onet}.pt (legacy torch pickles of state dicts whose
tensors are strided views of larger storages; torch.load applies the strides, and each tensor
is made contiguous before writing), and writes
    Fixtures/models/mtcnn.safetensors   F32, keys `pnet.conv1.weight`, `rnet.prelu4.weight`, ...
    Fixtures/models/mtcnn.md            the MIT licence of facenet-pytorch and the provenance
It also copies the real test photos into Fixtures/photos/ with their PROVENANCE.md.
"""
import datetime
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_safetensors import write_safetensors  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
MODELS = os.path.join(ROOT, 'Fixtures', 'models')
PHOTOS = os.path.join(ROOT, 'Fixtures', 'photos')
VERSION = '2.6.0'
EXPECTED_PARAMETERS = 495_850


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def convert(tmp):
    subprocess.run([sys.executable, '-m', 'pip', 'download', f'facenet-pytorch=={VERSION}', '--no-deps',
                    '--only-binary', ':all:', '-d', tmp], check=True)
    wheels = [f for f in os.listdir(tmp) if f.endswith('.whl')]
    assert len(wheels) == 1, wheels
    wheel_path = os.path.join(tmp, wheels[0])
    with open(wheel_path, 'rb') as f:
        wheel_sha = sha256(f.read())
    tensors, pt_hashes = {}, {}
    with zipfile.ZipFile(wheel_path) as z:
        licence = None
        for name in z.namelist():
            if name.endswith('LICENSE') or name.endswith('LICENSE.md') or name.endswith('LICENSE.txt'):
                licence = z.read(name).decode()
        for net in ('pnet', 'rnet', 'onet'):
            member = f'facenet_pytorch/data/{net}.pt'
            data = z.read(member)
            pt_hashes[member] = sha256(data)
            path = os.path.join(tmp, f'{net}.pt')
            with open(path, 'wb') as f:
                f.write(data)
            state = torch.load(path, map_location='cpu')
            for key, value in state.items():
                tensors[f'{net}.{key}'] = value.detach().to(torch.float32).contiguous().clone()
    total = sum(t.numel() for t in tensors.values())
    assert total == EXPECTED_PARAMETERS, f'{total} parameters, expected {EXPECTED_PARAMETERS}'
    assert licence is not None and 'MIT' in licence, 'no MIT licence text found in the wheel'
    out = os.path.join(MODELS, 'mtcnn.safetensors')
    write_safetensors(out + '.tmp', tensors)
    os.replace(out + '.tmp', out)
    with open(out, 'rb') as f:
        out_sha = sha256(f.read())
    return wheels[0], wheel_sha, pt_hashes, licence, tensors, total, out_sha


def write_model_card(wheel, wheel_sha, pt_hashes, licence, tensors, total, out_sha):
    lines = [
        '# mtcnn: the MTCNN face detector\'s weights (P-Net, R-Net, O-Net)',
        '',
        'The pretrained MTCNN of facenet-pytorch (Tim Esler), itself converted from the original',
        'MTCNN (Zhang et al. 2016, "Joint Face Detection and Alignment using Multi-task Cascaded',
        'Convolutional Networks") as published by davidsandberg/facenet. Read by',
        '`Sources/MorphModels/FaceDetection` (`FaceDetector(weights:)`).',
        '',
        '## Provenance',
        '',
        f'- Wheel: `{wheel}` (facenet-pytorch {VERSION} from PyPI),',
        f'  SHA-256 `{wheel_sha}`.',
    ]
    for member, h in pt_hashes.items():
        lines.append(f'- `{member}`: SHA-256 `{h}`.')
    lines += [
        f'- Converted {datetime.date.today().isoformat()} with `/usr/bin/python3 scripts/convert-mtcnn.py`',
        f'  (torch {torch.__version__}): every tensor of the three state dicts made contiguous and',
        '  stored as F32 under `pnet.`, `rnet.` or `onet.` plus its PyTorch name; no value changed.',
        f'- `mtcnn.safetensors`: SHA-256 `{out_sha}`; {len(tensors)} tensors, {total:,} parameters.',
        '',
        '## Licence (MIT, facenet-pytorch\'s LICENSE.md, verbatim)',
        '',
        '```',
        licence.strip(),
        '```',
        '',
    ]
    with open(os.path.join(MODELS, 'mtcnn.md'), 'w') as f:
        f.write('\n'.join(lines))


PHOTO_SOURCES = [
    # (source, destination, how it was copied, licence note)
    ('/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg', 'grace_hopper.jpg', 'copied byte for byte',
     'US Navy photograph of Rear Admiral Grace Hopper: a work of the US federal government, public domain. '
     'Debian package python-matplotlib-data.'),
    ('/usr/lib/python3/dist-packages/skimage/data/astronaut.png', 'astronaut.jpg',
     're-encoded from PNG (791 KB) to JPEG quality 95 with Pillow to keep Fixtures/ small',
     'NASA photograph of astronaut Eileen Collins: "No known copyright restrictions, released into the '
     'public domain" (skimage.data.astronaut docstring). Debian package python3-skimage.'),
    ('/usr/lib/python3/dist-packages/skimage/data/camera.png', 'camera.png', 'copied byte for byte',
     'The cameraman: "No copyright restrictions. CC0 by the photographer (Lav Varshney)" '
     '(skimage.data.camera docstring). Grayscale. Debian package python3-skimage.'),
]


def copy_photos():
    from PIL import Image
    os.makedirs(PHOTOS, exist_ok=True)
    lines = ['# Real test photos', '',
             'Copied from Debian packages by `scripts/convert-mtcnn.py` on '
             f'{datetime.date.today().isoformat()}; all free to redistribute.', '']
    for src, dst, how, note in PHOTO_SOURCES:
        out = os.path.join(PHOTOS, dst)
        if dst.endswith('.jpg') and not src.endswith('.jpg'):
            Image.open(src).convert('RGB').save(out + '.tmp', format='JPEG', quality=95)
            os.replace(out + '.tmp', out)
        else:
            shutil.copyfile(src, out)
        with open(out, 'rb') as f:
            h = sha256(f.read())
        size = Image.open(out).size
        lines.append(f'- `{dst}` ({size[0]}×{size[1]}): from `{src}`, {how}. {note} SHA-256 `{h}`.')
    lines += ['',
              '`lfw_subset.npy` (100 face crops then 100 non-faces, 25×25, float64, 1 MB) is not copied: the',
              'tests and `morph eval detection` read it from',
              '`/usr/lib/python3/dist-packages/skimage/data/lfw_subset.npy` (python3-skimage) and say so',
              'when it is missing.', '']
    with open(os.path.join(PHOTOS, 'PROVENANCE.md'), 'w') as f:
        f.write('\n'.join(lines))


def main():
    os.makedirs(MODELS, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        result = convert(tmp)
    write_model_card(*result)
    copy_photos()
    print(f'wrote {os.path.join(MODELS, "mtcnn.safetensors")}: {result[5]:,} parameters')


if __name__ == '__main__':
    main()
