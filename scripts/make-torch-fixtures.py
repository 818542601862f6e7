#!/usr/bin/env python3
"""Writes the PyTorch checkpoints the TorchCheckpoint tests read, in Fixtures/torch/.

Run by hand (not in CI) with Debian's python3-torch:
    /usr/bin/python3 scripts/make-torch-fixtures.py

Well-formed files (one object, several ways of saving it):
  state-zip.pth        torch.save (zip format, PyTorch >= 1.6), pickle protocol 2
  state-zip-p4.pth     the same with pickle_protocol=4 (FRAME, MEMOIZE, STACK_GLOBAL, ...)
  state-legacy.pth     torch.save(..., _use_new_zipfile_serialization=False)
  legacy-storage-view.pth  a legacy file with a storage view (view_metadata), as PyTorch < 1.x
                       wrote for tensors over slices of one storage; written by hand below
  expected.safetensors every tensor of the object as float32 under its flattened dotted name
  expected.json        each name's original dtype and shape, and the skipped non-tensor leaves
  legacy-storage-view.safetensors  the expected tensor of legacy-storage-view.pth
  cuda-storage-legacy.pth  a tensor whose storage is pickled as torch.cuda.FloatStorage

Hostile or broken files (each must be refused, never run; the script checks that a plain
`pickle.load` of the first two really would have run the command):
  os-system.pth        zip whose data.pkl calls os.system("touch MARKER") on load
  builtins-eval.pth    legacy file whose main pickle calls builtins.eval
  unknown-global.pth   a state dict holding an argparse.Namespace (a global not on the list)
  unknown-opcode.pth   data.pkl with EXT1 (the copyreg extension registry)
  truncated-zip.pth    state-zip.pth cut in half
  short-storage.pth    a (10,) float view over a storage of 4 floats
  wrong-magic.pth      state-legacy.pth with its magic number changed
  huge-storage-zip.pth a storage declaring 2**30 floats (4 GiB) backed by 16 bytes
  huge-storage-legacy.pth  the same in the legacy format (element count header of 2**30)
"""
import argparse
import io
import json
import os
import pickle
import struct
import subprocess
import sys
import zipfile
from collections import OrderedDict

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_safetensors import write_safetensors  # noqa: E402

torch.manual_seed(35)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'Fixtures', 'torch')
MARKER = '/tmp/morph-torch-fixture-hostile-pickle-ran'  # the tests assert it never appears
os.makedirs(OUT, exist_ok=True)


def path(name):
    return os.path.join(OUT, name)


# MARK: - The well-formed object

def make_object():
    base = torch.randn(5, 6)
    line = torch.randn(40)
    half = torch.randn(3, 4).half()
    module = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    module[1].running_mean.normal_()
    state = OrderedDict()
    state['conv.weight'] = torch.randn(4, 3, 3, 3)
    state['conv.bias'] = torch.randn(4)
    state['linear.weight'] = base.t()                 # transposed: strides (1, 6)
    state['linear.base'] = base                       # shares the storage above
    state['offset.block'] = line[10:30].view(4, 5)    # storage offset 10
    state['offset.strided'] = line[1::3]              # offset 1, stride 3
    state['offset.column'] = base[:, 2]               # offset 2, stride 6, shared again
    state['half'] = half
    state['half.t'] = half.t()[1:]                    # F16 view with an offset
    state['bfloat'] = torch.randn(2, 3).bfloat16()
    state['double'] = torch.randn(3, 2, dtype=torch.float64)
    state['long'] = torch.tensor([[-3, 0, 7], [2**40, -(2**33), 12345]], dtype=torch.int64)
    state['int32'] = torch.tensor([-2147483648, -1, 0, 5, 2147483647], dtype=torch.int32)
    state['uint8'] = torch.tensor([0, 1, 128, 255], dtype=torch.uint8)
    state['scalar'] = torch.tensor(2.5)
    state['empty'] = torch.zeros(0, 3)
    state['param'] = nn.Parameter(torch.randn(2, 2))
    state['expanded'] = torch.randn(3, 1).expand(3, 4)  # stride 0
    state['permuted'] = torch.randn(3, 4, 5).permute(2, 0, 1)  # rank 3, strides (1, 20, 5)
    state['sliced4d'] = torch.randn(4, 6, 3, 3)[:, 1:5, :, 1:]  # rank 4, offset 4, gaps on two axes
    return {
        'state_dict': state,
        'model': module.state_dict(),  # an OrderedDict with _metadata (pickled through BUILD)
        'nested': {'inner': {'w': torch.arange(6, dtype=torch.float32).view(2, 3)}, 'note': 'kept out'},
        'epoch': 7,
        'lr': 0.5,
        'name': 'fixture',
        'flags': [True, None],
    }


def flatten(obj, prefix=''):
    """Tensors by dotted name, and the other leaves; lists and tuples by index."""
    tensors, others = {}, {}
    if isinstance(obj, torch.Tensor):
        tensors[prefix] = obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            t, o = flatten(v, f'{prefix}.{k}' if prefix else str(k))
            tensors.update(t); others.update(o)
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            t, o = flatten(v, f'{prefix}.{i}' if prefix else str(i))
            tensors.update(t); others.update(o)
    else:
        others[prefix] = repr(obj)
    return tensors, others


# MARK: - Hand-written containers (for files torch.save cannot produce)

class FakeStorage:
    """Stands for a storage in a hand-written pickle; persistent_id turns it into the tuple."""

    def __init__(self, pid):
        self.pid = pid


class RebuildTensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False, OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


def pickle_with_pids(obj, protocol=2):
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=protocol)
    p.persistent_id = lambda o: o.pid if isinstance(o, FakeStorage) else None
    p.dump(obj)
    return buf.getvalue()


def write_zip(name, data_pkl, storages):
    """The zip layout torch.save writes: archive/data.pkl, archive/data/<key>, stored."""
    with zipfile.ZipFile(path(name), 'w', compression=zipfile.ZIP_STORED) as z:
        z.writestr('archive/data.pkl', data_pkl)
        for key, raw in storages.items():
            z.writestr(f'archive/data/{key}', raw)
        z.writestr('archive/version', '3\n')


def write_legacy(name, main_pkl, storages, counts=None):
    """The legacy stream: magic, protocol, sys info, main pickle, keys, then each storage."""
    out = io.BytesIO()
    for header in (0x1950a86a20f9469cfc6c, 1001,
                   dict(protocol_version=1001, little_endian=True, type_sizes=dict(short=2, int=4, long=4))):
        pickle.dump(header, out, protocol=2)
    out.write(main_pkl)
    keys = sorted(storages)
    pickle.dump(keys, out, protocol=2)
    for key in keys:
        raw, esize = storages[key]
        count = (counts or {}).get(key, len(raw) // esize)
        out.write(struct.pack('<q', count)); out.write(raw)
    with open(path(name), 'wb') as f:
        f.write(out.getvalue())


def refused_by_torch(name, must=True):
    try:
        torch.load(path(name))
    except Exception as e:  # noqa: BLE001 - any refusal will do
        return 'torch.load refuses it too: ' + str(e).splitlines()[0][:80]
    if must:
        raise SystemExit(f'{name}: torch.load accepted a file meant to be refused')
    # torch 1.13 builds a 4 GiB tensor over the 16-byte record and reads past it.
    return 'torch.load accepts it and reads past the record'


# MARK: - Hostile payloads

class RunsShell:
    def __reduce__(self):
        return (os.system, (f'touch {MARKER}',))


class RunsEval:
    def __reduce__(self):
        return (eval, (f"__import__('os').system('touch {MARKER}')",))


def check_would_run(name, payload_bytes):
    """Proves the payload is live: a plain pickle.load in a child process creates the marker."""
    if os.path.exists(MARKER):
        os.remove(MARKER)
    code = 'import pickle,sys; pickle.loads(sys.stdin.buffer.read())'
    subprocess.run([sys.executable, '-c', code], input=payload_bytes, check=False, capture_output=True)
    if not os.path.exists(MARKER):
        raise SystemExit(f'{name}: the payload did not run under pickle.load; the fixture proves nothing')
    os.remove(MARKER)


def main():
    obj = make_object()
    torch.save(obj, path('state-zip.pth'))
    torch.save(obj, path('state-zip-p4.pth'), pickle_protocol=4)
    torch.save(obj, path('state-legacy.pth'), _use_new_zipfile_serialization=False)
    tensors, others = flatten(obj)
    for name in ('state-zip.pth', 'state-zip-p4.pth', 'state-legacy.pth'):
        back, _ = flatten(torch.load(path(name)))
        assert back.keys() == tensors.keys(), name
        assert all(torch.equal(back[k], tensors[k]) for k in tensors), name
    write_safetensors(path('expected.safetensors'), {k: v.float() for k, v in tensors.items()})
    with open(path('expected.json'), 'w') as f:
        json.dump({
            'dtypes': {k: str(v.dtype).replace('torch.', '') for k, v in sorted(tensors.items())},
            'shapes': {k: list(v.shape) for k, v in sorted(tensors.items())},
            'other_leaves': others,
        }, f, indent=1, sort_keys=True)

    # A legacy storage view: root storage of 10 floats, a view of 6 from element 3, and a
    # tensor (2, 2) with strides (1, 2) from offset 1 into the view: elements 4, 5, 6, 7.
    root = torch.arange(10, dtype=torch.float32) * 0.25 - 1
    view = FakeStorage(('storage', torch.FloatStorage, 'root', 'cpu', 10, ('view', 3, 6)))
    main_pkl = pickle_with_pids(OrderedDict(w=RebuildTensor(view, 1, (2, 2), (1, 2))))
    write_legacy('legacy-storage-view.pth', main_pkl, {'root': (root.numpy().tobytes(), 4)})
    loaded = torch.load(path('legacy-storage-view.pth'))['w']
    want = root[3:9][1:].as_strided((2, 2), (1, 2))
    assert torch.equal(loaded, want), (loaded, want)
    write_safetensors(path('legacy-storage-view.safetensors'), {'w': want})

    # A GPU tensor as old releases pickled it: torch.cuda.FloatStorage at 'cuda:0' (read to the CPU).
    gpu = FakeStorage(('storage', torch.cuda.FloatStorage, 'g', 'cuda:0', 3, None))
    write_legacy('cuda-storage-legacy.pth', pickle_with_pids({'w': RebuildTensor(gpu, 0, (3,), (1,))}),
                 {'g': (torch.tensor([1.5, -2.0, 0.125]).numpy().tobytes(), 4)})
    assert torch.load(path('cuda-storage-legacy.pth'), map_location='cpu')['w'].tolist() == [1.5, -2.0, 0.125]

    # MARK: hostile files
    reasons = {}
    torch.save({'w': torch.ones(2), 'evil': RunsShell()}, path('os-system.pth'))
    with zipfile.ZipFile(path('os-system.pth')) as z:
        shell_pkl = z.read(next(n for n in z.namelist() if n.endswith('/data.pkl')))
    check_would_run('os-system.pth', pickle.dumps(RunsShell(), protocol=2))
    assert b'system' in shell_pkl
    reasons['os-system.pth'] = 'runs os.system on load (checked with pickle.load)'

    torch.save({'w': torch.ones(2), 'evil': RunsEval()}, path('builtins-eval.pth'),
               _use_new_zipfile_serialization=False)
    check_would_run('builtins-eval.pth', pickle.dumps(RunsEval(), protocol=2))
    reasons['builtins-eval.pth'] = 'runs builtins.eval on load (checked with pickle.load)'

    torch.save({'w': torch.ones(2), 'args': argparse.Namespace(lr=0.1)}, path('unknown-global.pth'))
    reasons['unknown-global.pth'] = 'argparse.Namespace is not on the allow-list'

    ext1 = b'\x80\x02}q\x00X\x01\x00\x00\x00aq\x01\x82\x01s.'  # {'a': <extension 1>}
    write_zip('unknown-opcode.pth', ext1, {})
    reasons['unknown-opcode.pth'] = refused_by_torch('unknown-opcode.pth')

    with open(path('state-zip.pth'), 'rb') as f:
        whole = f.read()
    with open(path('truncated-zip.pth'), 'wb') as f:
        f.write(whole[:len(whole) // 2])
    reasons['truncated-zip.pth'] = refused_by_torch('truncated-zip.pth')

    four = FakeStorage(('storage', torch.FloatStorage, '0', 'cpu', 4))
    write_zip('short-storage.pth', pickle_with_pids(OrderedDict(w=RebuildTensor(four, 0, (10,), (1,)))),
              {'0': torch.ones(4).numpy().tobytes()})
    reasons['short-storage.pth'] = refused_by_torch('short-storage.pth')

    with open(path('state-legacy.pth'), 'rb') as f:
        legacy = bytearray(f.read())
    assert legacy[:4] == b'\x80\x02\x8a\x0a'
    legacy[4] ^= 0xFF  # the lowest byte of the magic number
    with open(path('wrong-magic.pth'), 'wb') as f:
        f.write(legacy)
    reasons['wrong-magic.pth'] = refused_by_torch('wrong-magic.pth')

    huge = FakeStorage(('storage', torch.FloatStorage, '0', 'cpu', 2**30))
    write_zip('huge-storage-zip.pth', pickle_with_pids(OrderedDict(w=RebuildTensor(huge, 0, (2**30,), (1,)))),
              {'0': torch.ones(4).numpy().tobytes()})
    reasons['huge-storage-zip.pth'] = refused_by_torch('huge-storage-zip.pth', must=False)
    huge_legacy = FakeStorage(('storage', torch.FloatStorage, 'k', 'cpu', 2**30, None))
    write_legacy('huge-storage-legacy.pth',
                 pickle_with_pids(OrderedDict(w=RebuildTensor(huge_legacy, 0, (2**30,), (1,)))),
                 {'k': (torch.ones(4).numpy().tobytes(), 4)}, counts={'k': 2**30})
    reasons['huge-storage-legacy.pth'] = refused_by_torch('huge-storage-legacy.pth', must=False)

    if os.path.exists(MARKER):
        raise SystemExit('a hostile payload ran while writing the fixtures')
    for name, why in reasons.items():
        print(f'{name}: {why}')
    total = sum(os.path.getsize(path(n)) for n in os.listdir(OUT))
    print(f'wrote {len(os.listdir(OUT))} files, {total} bytes, to {os.path.normpath(OUT)}')


if __name__ == '__main__':
    main()
