"""The safetensors writer of the golden scripts (make-golden*.py): every tensor stored as F32,
keys sorted, header padded to 8 bytes — the layout Morph's loader reads."""
import json, struct

import torch


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for k in sorted(tensors):
        a = tensors[k].detach().to(torch.float32).contiguous().numpy()
        b = a.tobytes()
        header[k] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b); offset += len(b)
    h = json.dumps(header, sort_keys=True).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h))); f.write(h)
        for b in blobs: f.write(b)


def record(T, name, fn, **inputs):
    """Stores an op's inputs, output y, a random cotangent r and the gradients of sum(r*y) for
    every input under `name.*` in T: the layout Golden.checkOp reads."""
    y = fn(**inputs)
    r = torch.randn_like(y).float().double()
    names = list(inputs)
    grads = torch.autograd.grad((y * r).sum(), [inputs[n] for n in names])
    for n in names: T[f'{name}.{n}'] = inputs[n]
    for n, g in zip(names, grads): T[f'{name}.g{n}'] = g
    T[f'{name}.r'] = r; T[f'{name}.y'] = y
