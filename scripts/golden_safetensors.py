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
