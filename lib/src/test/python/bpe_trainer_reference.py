#!/usr/bin/python3
"""Reference for softprompt's ByteLevelBpeTrainer: the same training rule, written the slow, obvious way.

The rule (see ByteLevelBpeTrainer's documentation): split the corpus with GPT-2's regular expression, write each
piece's UTF-8 bytes as GPT-2's byte characters, count the pieces; start from the 256 byte characters in GPT-2's id
order; then, until the vocabulary (special tokens included) has the requested size, recount every adjacent pair
over all pieces (weighted by piece count), take the most frequent one (ties: smallest (left id, right id)), stop if
its count is below the minimum frequency, and merge all its occurrences left to right. Special tokens get the last
ids.

The Java trainer keeps pair counts incrementally with a priority queue; this script recounts everything on every
step, so an agreement between the two checks the bookkeeping.

Run (Debian's python3 with python3-regex):
    /usr/bin/python3 lib/src/test/python/bpe_trainer_reference.py CORPUS VOCAB_SIZE MIN_FREQUENCY OUT_FOLDER
It writes OUT_FOLDER/vocab.json and OUT_FOLDER/merges.txt in GPT-2's format.
"""

import collections
import json
import os
import sys

import regex

GPT2_PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
SPECIAL_TOKENS = ["<|endoftext|>"]


def byte_alphabet():
    """GPT-2's byte characters, in the order of ids 0..255, and the byte-to-character map."""
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("\u00a1"), ord("\u00ac") + 1))
                 + list(range(ord("\u00ae"), ord("\u00ff") + 1)))
    order = list(printable)
    chars = {b: chr(b) for b in printable}
    next_code = 256
    for b in range(256):
        if b not in chars:
            chars[b] = chr(next_code)
            order.append(b)
            next_code += 1
    return [chars[b] for b in order], chars


def train(text, vocab_size, min_frequency):
    alphabet, byte_chars = byte_alphabet()
    pieces = collections.Counter(
        "".join(byte_chars[b] for b in piece.encode("utf-8")) for piece in GPT2_PATTERN.findall(text))
    words = [(tuple(piece), count) for piece, count in pieces.items()]
    symbols = list(alphabet)
    ids = {s: i for i, s in enumerate(symbols)}
    merges = []
    while len(symbols) < vocab_size - len(SPECIAL_TOKENS):
        counts = collections.Counter()
        for word, count in words:
            for pair in zip(word, word[1:]):
                counts[pair] += count
        if not counts:
            break
        best = min(counts, key=lambda p: (-counts[p], ids[p[0]], ids[p[1]]))
        if counts[best] < min_frequency:
            break
        merged = best[0] + best[1]
        if merged not in ids:
            ids[merged] = len(symbols)
            symbols.append(merged)
        merges.append(best)
        words = [(merge_all(word, best, merged), count) for word, count in words]
    for token in SPECIAL_TOKENS:
        if token not in ids:
            ids[token] = len(ids)
    return ids, merges


def merge_all(word, pair, merged):
    out = []
    i = 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == pair[0] and word[i + 1] == pair[1]:
            out.append(merged)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def main():
    corpus, vocab_size, min_frequency, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    with open(corpus, encoding="utf-8") as f:
        text = f.read()
    ids, merges = train(text, vocab_size, min_frequency)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(ids, f, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for left, right in merges:
            f.write(left + " " + right + "\n")
    print("%s: %d tokens, %d merges -> %s" % (corpus, len(ids), len(merges), out))


if __name__ == "__main__":
    main()
