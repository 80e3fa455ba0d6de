#!/usr/bin/python3
"""An independent reference for softprompt's BART: one BartForConditionalGeneration forward pass written in plain
PyTorch (functional ops only, following transformers' modeling_bart: queries scaled before the product, masks filled
with finfo.min), with per-layer key/value prefixes in front of the encoder self-attention, the decoder
self-attention and the cross-attention keys, as Prefix-Tuning feeds them through past_key_values.

Runs on Debian's python3-torch and python3-numpy (no transformers, no safetensors package: the format is read and
written by hand below). BartTest.matchesPlainPytorchReference calls it:

    bart_reference.py CHECKPOINT_DIR INPUTS.safetensors OUTPUT.safetensors

INPUTS holds input_ids, attention_mask, decoder_input_ids, decoder_attention_mask and prefixes named
{encoder,decoder,cross}_prefix.{layer}.{key,value[,mask]}; OUTPUT gets logits and encoder_last_hidden_state.
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32,
          "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}
MIN = torch.finfo(torch.float32).min


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    start = 8 + length
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[start + begin:start + end], dtype=np.dtype(DTYPES[info["dtype"]]).newbyteorder("<"))
        tensors[name] = torch.from_numpy(array.reshape(info["shape"]).copy())
    return tensors


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, tensor in tensors.items():
        array = tensor.detach().contiguous().numpy().astype("<f4")
        blob = array.tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    encoded = json.dumps(header).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    temp = path + ".tmp"
    with open(temp, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)
    os.replace(temp, path)


def prefixes(inputs, kind, layers):
    found = []
    for layer in range(layers):
        key = inputs.get(f"{kind}.{layer}.key")
        found.append(None if key is None else (key, inputs[f"{kind}.{layer}.value"],
                                               inputs.get(f"{kind}.{layer}.mask")))
    return found


def fill(allowed):
    """1/True where attended -> 0, else finfo.min (as transformers' masked_fill)."""
    return torch.zeros(allowed.shape).masked_fill(~allowed.bool(), MIN)


def attention(w, p, x, memory, heads, bias, prefix):
    batch, queries, d = x.shape
    head_dim = d // heads
    q = F.linear(x, w[p + "q_proj.weight"], w[p + "q_proj.bias"]) * head_dim ** -0.5
    k = F.linear(memory, w[p + "k_proj.weight"], w[p + "k_proj.bias"])
    v = F.linear(memory, w[p + "v_proj.weight"], w[p + "v_proj.bias"])

    def split(t):
        return t.view(batch, -1, heads, head_dim).transpose(1, 2)

    q, k, v = split(q), split(k), split(v)
    keys = k.shape[2]
    bias = bias.expand(batch, 1, queries, keys)
    if prefix is not None:
        key, value, mask = prefix
        length = key.shape[2]
        k = torch.cat([key.expand(batch, -1, -1, -1), k], dim=2)
        v = torch.cat([value.expand(batch, -1, -1, -1), v], dim=2)
        prefix_allowed = torch.ones(1, length) if mask is None else mask
        prefix_bias = fill(prefix_allowed.reshape(-1, 1, 1, length)).expand(batch, 1, queries, length)
        bias = torch.cat([prefix_bias, bias], dim=3)
    probabilities = torch.softmax(q @ k.transpose(2, 3) + bias, dim=-1)
    out = (probabilities @ v).transpose(1, 2).reshape(batch, queries, d)
    return F.linear(out, w[p + "out_proj.weight"], w[p + "out_proj.bias"])


def layer_norm(w, name, x):
    return F.layer_norm(x, (x.shape[-1],), w[name + ".weight"], w[name + ".bias"], eps=1e-5)


def feed_forward(w, p, x):
    h = F.gelu(F.linear(x, w[p + "fc1.weight"], w[p + "fc1.bias"]))
    return F.linear(h, w[p + "fc2.weight"], w[p + "fc2.bias"])


def embed(w, config, stack, ids):
    scale = math.sqrt(config["d_model"]) if config.get("scale_embedding", False) else 1.0
    positions = torch.arange(ids.shape[1]) + 2
    tokens = F.embedding(ids, w["model.shared.weight"]) * scale
    return tokens + F.embedding(positions, w[stack + "embed_positions.weight"])


def forward(w, config, inputs):
    assert config.get("activation_function", "gelu") == "gelu", "the reference implements exact gelu only"
    ids = inputs["input_ids"].long()
    batch, source = ids.shape
    mask = inputs.get("attention_mask", torch.ones(batch, source)).float()
    x = layer_norm(w, "model.encoder.layernorm_embedding", embed(w, config, "model.encoder.", ids))
    encoder_bias = fill(mask.reshape(batch, 1, 1, source))
    encoder_prefixes = prefixes(inputs, "encoder_prefix", config["encoder_layers"])
    for i in range(config["encoder_layers"]):
        p = f"model.encoder.layers.{i}."
        a = attention(w, p + "self_attn.", x, x, config["encoder_attention_heads"], encoder_bias,
                      encoder_prefixes[i])
        x = layer_norm(w, p + "self_attn_layer_norm", x + a)
        x = layer_norm(w, p + "final_layer_norm", x + feed_forward(w, p, x))
    encoder_output = x

    target_ids = inputs["decoder_input_ids"].long()
    target = target_ids.shape[1]
    target_mask = inputs.get("decoder_attention_mask", torch.ones(batch, target)).float()
    causal = torch.tril(torch.ones(target, target)).reshape(1, 1, target, target)
    self_bias = fill(causal * target_mask.reshape(batch, 1, 1, target))
    y = layer_norm(w, "model.decoder.layernorm_embedding", embed(w, config, "model.decoder.", target_ids))
    decoder_prefixes = prefixes(inputs, "decoder_prefix", config["decoder_layers"])
    cross_prefixes = prefixes(inputs, "cross_prefix", config["decoder_layers"])
    heads = config["decoder_attention_heads"]
    for i in range(config["decoder_layers"]):
        p = f"model.decoder.layers.{i}."
        a = attention(w, p + "self_attn.", y, y, heads, self_bias, decoder_prefixes[i])
        y = layer_norm(w, p + "self_attn_layer_norm", y + a)
        c = attention(w, p + "encoder_attn.", y, encoder_output, heads, encoder_bias, cross_prefixes[i])
        y = layer_norm(w, p + "encoder_attn_layer_norm", y + c)
        y = layer_norm(w, p + "final_layer_norm", y + feed_forward(w, p, y))
    head = w["model.shared.weight"] if config.get("tie_word_embeddings", True) else w["lm_head.weight"]
    logits = F.linear(y, head)
    if "final_logits_bias" in w:
        logits = logits + w["final_logits_bias"]
    return logits, encoder_output


def main():
    checkpoint, inputs_path, output_path = sys.argv[1:4]
    with open(os.path.join(checkpoint, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    weights = read_safetensors(os.path.join(checkpoint, "model.safetensors"))
    inputs = read_safetensors(inputs_path)
    with torch.no_grad():
        logits, encoder_output = forward(weights, config, inputs)
    write_safetensors(output_path, {"logits": logits, "encoder_last_hidden_state": encoder_output})
    print("wrote", output_path, tuple(logits.shape))


if __name__ == "__main__":
    main()
