#!/usr/bin/python3
"""The PyTorch side of the side-by-side benchmarks: the same workloads as org.softprompt.benchmarks.Workloads,
written in plain PyTorch eager (no transformers, no PEFT, no TorchScript), for Debian's python3-torch.

The Java harness (SideBySide) starts this as a child process and drives it over stdin/stdout, one JSON object per
line, so that both sides are timed in the same run, alternating:

    {"op": "setup", "workload": "gpt2-small/prefix-step"}  -> {"ok": true, "gflop": ...}
    {"op": "run"}                                           -> {"ms": 1234.5, "cpu_ms": 2400.0, "value": 10.9}
    {"op": "close"}                                         -> {"ok": true}
    {"op": "matmul", "size": 2048}                          -> {"gflops": 41.2, "gflop_per_cpu_second": 21.0}
    {"op": "quit"}

`--memory WORKLOAD STEPS` instead runs STEPS steps of one workload in a fresh process and prints its peak resident
set size (VmHWM) in MiB.

Threads: torch.set_num_threads(BENCH_THREADS, default 2). Run with OMP_WAIT_POLICY=PASSIVE and
OPENBLAS_NUM_THREADS=2 (the harness sets both).
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
torch.set_num_threads(THREADS)

# Model sizes, as in Workloads.java.
GPT2_SMALL = dict(vocab=50257, positions=1024, d=768, layers=12, heads=12)
TINY_GPT = dict(vocab=4096, positions=128, d=128, layers=4, heads=4)  # GptPretraining.Settings.quick()
BERT_BASE = dict(vocab=30522, positions=512, d=768, layers=12, heads=12, types=2)

BATCH, LENGTH = 8, 128
PREFIX_LENGTH, PREFIX_MLP = 10, 512
PTUNING_LENGTH = 16
PROMPT_LENGTH, NEW_TOKENS = 16, 32
LEARNING_RATE, WEIGHT_DECAY = 1e-4, 0.01


def token_ids(batch, length, vocab, salt):
    """The deterministic batch both sides feed (Workloads.tokenIds)."""
    rows = [[((b * length + t) * 7919 + salt * 104729) % vocab for t in range(length)] for b in range(batch)]
    return torch.tensor(rows, dtype=torch.int64)


def normal(*shape, std=0.02):
    return torch.randn(*shape) * std


class Gpt2:
    """GPT-2 (pre-LayerNorm decoder, tied LM head) as transformers' GPT2LMHeadModel computes it, eager."""

    def __init__(self, vocab, positions, d, layers, heads):
        self.d, self.heads, self.layers = d, heads, layers
        self.wte = normal(vocab, d)
        self.wpe = normal(positions, d)
        self.blocks = []
        for _ in range(layers):
            self.blocks.append(dict(
                ln1_w=torch.ones(d), ln1_b=torch.zeros(d),
                attn_w=normal(d, 3 * d), attn_b=torch.zeros(3 * d),
                proj_w=normal(d, d), proj_b=torch.zeros(d),
                ln2_w=torch.ones(d), ln2_b=torch.zeros(d),
                fc_w=normal(d, 4 * d), fc_b=torch.zeros(4 * d),
                fc_proj_w=normal(4 * d, d), fc_proj_b=torch.zeros(d)))
        self.lnf_w, self.lnf_b = torch.ones(d), torch.zeros(d)

    def parameters(self):
        out = [self.wte, self.wpe, self.lnf_w, self.lnf_b]
        for block in self.blocks:
            out.extend(block.values())
        return out

    def split(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.heads, self.d // self.heads).transpose(1, 2)

    def forward(self, ids, positions, prefixes=None, cache=None, logits=True):
        """prefixes: per layer (key, value) [1, heads, P, headDim]; cache: per layer (key, value) or None,
        replaced in place by keys and values including this call's."""
        b, t = ids.shape
        x = F.embedding(ids, self.wte) + F.embedding(positions, self.wpe)
        past = 0 if cache is None or cache[0] is None else cache[0][0].shape[2]
        p = 0 if prefixes is None else prefixes[0][0].shape[2]
        bias = None
        if t > 1:  # causal over [cached | current]; prefix positions always visible
            keys = torch.arange(past + t)
            queries = torch.arange(past, past + t).unsqueeze(1)
            bias = torch.zeros(t, past + t).masked_fill(keys > queries, torch.finfo(torch.float32).min)
            if p:
                bias = torch.cat([torch.zeros(t, p), bias], 1)
        scale = math.sqrt(self.d // self.heads)
        for layer, w in enumerate(self.blocks):
            h = F.layer_norm(x, (self.d,), w["ln1_w"], w["ln1_b"], 1e-5)
            q, k, v = torch.addmm(w["attn_b"], h.view(-1, self.d), w["attn_w"]).view(b, t, 3 * self.d).split(
                self.d, 2)
            q, k, v = self.split(q), self.split(k), self.split(v)
            if cache is not None:
                if cache[layer] is not None:
                    k = torch.cat([cache[layer][0], k], 2)
                    v = torch.cat([cache[layer][1], v], 2)
                cache[layer] = (k, v)
            if p:
                pk, pv = prefixes[layer]
                k = torch.cat([pk.expand(b, -1, -1, -1), k], 2)
                v = torch.cat([pv.expand(b, -1, -1, -1), v], 2)
            scores = torch.matmul(q, k.transpose(-1, -2)) / scale
            if bias is not None:
                scores = scores + bias
            a = torch.matmul(scores.softmax(-1), v).transpose(1, 2).reshape(b * t, self.d)
            x = x + torch.addmm(w["proj_b"], a, w["proj_w"]).view(b, t, self.d)
            h = F.layer_norm(x, (self.d,), w["ln2_w"], w["ln2_b"], 1e-5).view(-1, self.d)
            m = F.gelu(torch.addmm(w["fc_b"], h, w["fc_w"]), approximate="tanh")
            x = x + torch.addmm(w["fc_proj_b"], m, w["fc_proj_w"]).view(b, t, self.d)
        x = F.layer_norm(x, (self.d,), self.lnf_w, self.lnf_b, 1e-5)
        return F.linear(x, self.wte) if logits else x


class PrefixEncoder:
    """PEFT's PrefixEncoder with prefix_projection: Embedding(P, d) -> Linear(d, k) -> tanh -> Linear(k, 2Ld)."""

    def __init__(self, length, d, hidden, layers, heads):
        self.length, self.layers, self.heads, self.d = length, layers, heads, d
        self.embedding = torch.randn(length, d)
        bound1, bound2 = 1 / math.sqrt(d), 1 / math.sqrt(hidden)
        self.w1 = torch.empty(hidden, d).uniform_(-bound1, bound1)
        self.b1 = torch.empty(hidden).uniform_(-bound1, bound1)
        self.w2 = torch.empty(2 * layers * d, hidden).uniform_(-bound2, bound2)
        self.b2 = torch.empty(2 * layers * d).uniform_(-bound2, bound2)

    def parameters(self):
        return [self.embedding, self.w1, self.b1, self.w2, self.b2]

    def table(self):
        return F.linear(torch.tanh(F.linear(self.embedding, self.w1, self.b1)), self.w2, self.b2)

    def prefixes(self, table):
        """[P, 2Ld] -> per layer (key, value) [1, heads, P, headDim], PEFT's get_prompt layout."""
        per = table.view(self.length, 2 * self.layers, self.heads, self.d // self.heads).permute(1, 2, 0, 3)
        return [(per[2 * i].unsqueeze(0), per[2 * i + 1].unsqueeze(0)) for i in range(self.layers)]


def lm_loss(logits, ids):
    v = logits.shape[-1]
    return F.cross_entropy(logits[:, :-1].reshape(-1, v), ids[:, 1:].reshape(-1))


def adamw(params):
    return torch.optim.AdamW(params, lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)


class GptTraining:
    """One training step (forward, loss, backward, AdamW) of prefix-tuning or full fine-tuning on a causal LM."""

    def __init__(self, sizes, method):
        torch.manual_seed(1)
        self.model = Gpt2(**sizes)
        self.ids = token_ids(BATCH, LENGTH, sizes["vocab"], 1)
        if method == "prefix":
            self.prefix = PrefixEncoder(PREFIX_LENGTH, sizes["d"], PREFIX_MLP, sizes["layers"], sizes["heads"])
            trained = self.prefix.parameters()
            # PEFT counts the prefix as past positions; the tiny GPT's 128 positions leave no room for that
            # at 128 tokens, so there (and in Workloads.java) the text keeps positions 0..127.
            offset = PREFIX_LENGTH if PREFIX_LENGTH + LENGTH <= sizes["positions"] else 0
            self.positions = torch.arange(offset, offset + LENGTH).unsqueeze(0)
        else:
            self.prefix = None
            trained = self.model.parameters()
            self.positions = torch.arange(LENGTH).unsqueeze(0)
        for t in trained:
            t.requires_grad_(True)
        self.optimizer = adamw(trained)

    def step(self):
        prefixes = self.prefix.prefixes(self.prefix.table()) if self.prefix else None
        loss = lm_loss(self.model.forward(self.ids, self.positions, prefixes), self.ids)
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return loss.item()


class GreedyGeneration:
    """Greedy decoding on the KV cache, batch 1: a 16-token prompt, 32 new tokens, with or without a prefix
    (the collapsed table, computed once: no reparameterization at inference)."""

    def __init__(self, with_prefix):
        torch.manual_seed(2)
        sizes = GPT2_SMALL
        self.model = Gpt2(**sizes)
        self.prompt = token_ids(1, PROMPT_LENGTH, sizes["vocab"], 2)
        self.prefixes = None
        self.offset = 0
        if with_prefix:
            encoder = PrefixEncoder(PREFIX_LENGTH, sizes["d"], PREFIX_MLP, sizes["layers"], sizes["heads"])
            with torch.no_grad():
                self.prefixes = encoder.prefixes(encoder.table().clone())
            self.offset = PREFIX_LENGTH

    def step(self):
        with torch.no_grad():
            cache = [None] * self.model.layers
            positions = torch.arange(self.offset, self.offset + PROMPT_LENGTH).unsqueeze(0)
            logits = self.model.forward(self.prompt, positions, self.prefixes, cache)
            tokens = []
            position = self.offset + PROMPT_LENGTH
            for t in range(1, NEW_TOKENS + 1):
                token = logits[:, -1].log_softmax(-1).argmax(-1, keepdim=True)
                tokens.append(token.item())
                if t < NEW_TOKENS:
                    logits = self.model.forward(token, torch.tensor([[position]]), self.prefixes, cache)
                    position += 1
        return float(sum(tokens))


class Bert:
    """BERT (post-LayerNorm encoder with pooler) as transformers' BertModel computes it, eager."""

    def __init__(self, vocab, positions, d, layers, heads, types):
        self.d, self.heads, self.layers = d, heads, layers
        self.word, self.position, self.type = normal(vocab, d), normal(positions, d), normal(types, d)
        self.ln_w, self.ln_b = torch.ones(d), torch.zeros(d)
        self.blocks = []
        for _ in range(layers):
            self.blocks.append(dict(
                q_w=normal(d, d), q_b=torch.zeros(d), k_w=normal(d, d), k_b=torch.zeros(d),
                v_w=normal(d, d), v_b=torch.zeros(d), o_w=normal(d, d), o_b=torch.zeros(d),
                ln1_w=torch.ones(d), ln1_b=torch.zeros(d),
                i_w=normal(4 * d, d), i_b=torch.zeros(4 * d), out_w=normal(d, 4 * d), out_b=torch.zeros(d),
                ln2_w=torch.ones(d), ln2_b=torch.zeros(d)))
        self.pool_w, self.pool_b = normal(d, d), torch.zeros(d)

    def split(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.heads, self.d // self.heads).transpose(1, 2)

    def pooled(self, ids, mask, prefixes):
        b, t = ids.shape
        positions = torch.arange(t).unsqueeze(0)
        types = torch.zeros(1, t, dtype=torch.int64)
        x = F.embedding(ids, self.word) + F.embedding(types, self.type) + F.embedding(positions, self.position)
        x = F.layer_norm(x, (self.d,), self.ln_w, self.ln_b, 1e-12)
        p = prefixes[0][0].shape[2]
        full_mask = torch.cat([torch.ones(b, p), mask.float()], 1)  # P-tuning v2 prepends ones
        bias = ((1.0 - full_mask) * torch.finfo(torch.float32).min).view(b, 1, 1, p + t)
        scale = math.sqrt(self.d // self.heads)
        for layer, w in enumerate(self.blocks):
            q = self.split(F.linear(x, w["q_w"], w["q_b"]))
            k = self.split(F.linear(x, w["k_w"], w["k_b"]))
            v = self.split(F.linear(x, w["v_w"], w["v_b"]))
            pk, pv = prefixes[layer]
            k = torch.cat([pk.expand(b, -1, -1, -1), k], 2)
            v = torch.cat([pv.expand(b, -1, -1, -1), v], 2)
            scores = torch.matmul(q, k.transpose(-1, -2)) / scale + bias
            a = torch.matmul(scores.softmax(-1), v).transpose(1, 2).reshape(b, t, self.d)
            x = F.layer_norm(F.linear(a, w["o_w"], w["o_b"]) + x, (self.d,), w["ln1_w"], w["ln1_b"], 1e-12)
            m = F.linear(F.gelu(F.linear(x, w["i_w"], w["i_b"])), w["out_w"], w["out_b"])
            x = F.layer_norm(m + x, (self.d,), w["ln2_w"], w["ln2_b"], 1e-12)
        return torch.tanh(F.linear(x[:, 0], self.pool_w, self.pool_b))


class PTuningV2Training:
    """One P-tuning v2 step on BERT-base: a 16-position prompt table [P, 2Ld] in every layer (no
    reparameterization, as P-tuning v2's default), pooler, a 2-label classifier; backbone frozen."""

    def __init__(self):
        torch.manual_seed(3)
        s = BERT_BASE
        self.model = Bert(**s)
        self.ids = token_ids(BATCH, LENGTH, s["vocab"], 3)
        self.mask = torch.ones(BATCH, LENGTH, dtype=torch.int64)
        self.labels = torch.tensor([b % 2 for b in range(BATCH)])
        self.table = normal(PTUNING_LENGTH, 2 * s["layers"] * s["d"]).requires_grad_(True)
        self.cls_w = normal(2, s["d"]).requires_grad_(True)
        self.cls_b = torch.zeros(2).requires_grad_(True)
        self.optimizer = adamw([self.table, self.cls_w, self.cls_b])

    def step(self):
        s = BERT_BASE
        per = self.table.view(PTUNING_LENGTH, 2 * s["layers"], s["heads"], s["d"] // s["heads"]).permute(1, 2, 0, 3)
        prefixes = [(per[2 * i].unsqueeze(0), per[2 * i + 1].unsqueeze(0)) for i in range(s["layers"])]
        logits = F.linear(self.model.pooled(self.ids, self.mask, prefixes), self.cls_w, self.cls_b)
        loss = F.cross_entropy(logits, self.labels)
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return loss.item()


WORKLOADS = {
    "gpt2-small/prefix-step": lambda: GptTraining(GPT2_SMALL, "prefix"),
    "gpt2-small/full-step": lambda: GptTraining(GPT2_SMALL, "full"),
    "tiny-gpt/prefix-step": lambda: GptTraining(TINY_GPT, "prefix"),
    "tiny-gpt/full-step": lambda: GptTraining(TINY_GPT, "full"),
    "gpt2-small/greedy": lambda: GreedyGeneration(False),
    "gpt2-small/greedy-prefix": lambda: GreedyGeneration(True),
    "bert-base/ptuning-v2-step": PTuningV2Training,
}


def matmul_gflops(size, repeats=5):
    """{best wall-clock rate, rate per CPU-second of the process} of a size^3 float32 product."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    for _ in range(2):
        a @ b
    best = float("inf")
    cpu = time.process_time()
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    cpu = time.process_time() - cpu
    flop = 2 * size ** 3
    return flop / best / 1e9, flop * repeats / cpu / 1e9


def peak_rss_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def serve():
    workload = None
    for line in sys.stdin:
        request = json.loads(line)
        op = request["op"]
        if op == "setup":
            workload = WORKLOADS[request["workload"]]()
            reply = {"ok": True}
        elif op == "run":
            start, cpu = time.perf_counter(), time.process_time()
            value = workload.step()
            reply = {"ms": (time.perf_counter() - start) * 1000, "cpu_ms": (time.process_time() - cpu) * 1000,
                     "value": value}
        elif op == "close":
            workload = None
            reply = {"ok": True}
        elif op == "matmul":
            wall, per_cpu_second = matmul_gflops(request["size"])
            reply = {"gflops": wall, "gflop_per_cpu_second": per_cpu_second}
        elif op == "info":
            reply = {"torch": torch.__version__, "threads": torch.get_num_threads()}
        elif op == "quit":
            return
        else:
            reply = {"error": "unknown op " + op}
        print(json.dumps(reply), flush=True)


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "--memory":
        workload = WORKLOADS[sys.argv[2]]()
        after_setup = peak_rss_mib()
        for _ in range(int(sys.argv[3])):
            workload.step()
        print(json.dumps({"peak_rss_mib": peak_rss_mib(), "peak_after_setup_mib": after_setup}), flush=True)
    else:
        serve()


if __name__ == "__main__":
    main()
