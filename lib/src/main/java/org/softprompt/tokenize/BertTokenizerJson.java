package org.softprompt.tokenize;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Builds the tokenizer.json that Hugging Face's transformers makes from a BERT vocab.txt (its BertConverter): the
 * BertNormalizer (clean text, CJK spacing, accent stripping, lower-casing), the BertPreTokenizer (whitespace and
 * punctuation), a WordPiece model with "##" continuations and at most 100 characters per word, the template
 * [CLS] $A [SEP] / [CLS] $A [SEP] $B:1 [SEP]:1, and the WordPiece decoder.
 */
final class BertTokenizerJson {
    private BertTokenizerJson() {}

    static JsonObject build(Map<String, Integer> vocab, BertOptions options) {
        requirePresent(vocab, options.clsToken(), "cls_token");
        requirePresent(vocab, options.sepToken(), "sep_token");
        requirePresent(vocab, options.unkToken(), "unk_token");

        JsonObject vocabObject = Json.vocabulary(vocab);

        JsonObject model = Json.object(
                "type", "WordPiece",
                "unk_token", options.unkToken(),
                "continuing_subword_prefix", "##",
                "max_input_chars_per_word", 100,
                "vocab", vocabObject);

        // transformers registers the special tokens as added tokens matched in the raw text (normalized=false), so
        // "[MASK]" in a sentence is the mask token even for uncased models.
        Set<String> specials = new LinkedHashSet<>();
        specials.add(options.padToken());
        specials.add(options.unkToken());
        specials.add(options.clsToken());
        specials.add(options.sepToken());
        specials.add(options.maskToken());
        JsonArray added = Json.addedTokens(specials, vocab, false);

        String cls = options.clsToken();
        String sep = options.sepToken();
        JsonObject postProcessor = Json.object(
                "type", "TemplateProcessing",
                "single", Json.array(special(cls, 0), sequence("A", 0), special(sep, 0)),
                "pair", Json.array(special(cls, 0), sequence("A", 0), special(sep, 0), sequence("B", 1),
                        special(sep, 1)),
                "special_tokens", Json.object(
                        cls, Json.object("id", cls, "ids", Json.array(vocab.get(cls)), "tokens", Json.array(cls)),
                        sep, Json.object("id", sep, "ids", Json.array(vocab.get(sep)), "tokens", Json.array(sep))));

        return Json.object(
                "version", "1.0",
                "truncation", null,
                "padding", null,
                "added_tokens", added,
                "normalizer", Json.object(
                        "type", "BertNormalizer",
                        "clean_text", true,
                        "handle_chinese_chars", options.tokenizeChineseChars(),
                        "strip_accents", options.stripAccents(),
                        "lowercase", options.doLowerCase()),
                "pre_tokenizer", Json.object("type", "BertPreTokenizer"),
                "post_processor", postProcessor,
                "decoder", Json.object("type", "WordPiece", "prefix", "##", "cleanup", true),
                "model", model);
    }

    private static JsonObject special(String token, int typeId) {
        return Json.object("SpecialToken", Json.object("id", token, "type_id", typeId));
    }

    private static JsonObject sequence(String which, int typeId) {
        return Json.object("Sequence", Json.object("id", which, "type_id", typeId));
    }

    private static void requirePresent(Map<String, Integer> vocab, String token, String role) {
        if (!vocab.containsKey(token)) {
            throw new IllegalArgumentException("the vocabulary has no " + role + " \"" + token + "\"");
        }
    }
}
