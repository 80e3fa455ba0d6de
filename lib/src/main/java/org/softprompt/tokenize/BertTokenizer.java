package org.softprompt.tokenize;

import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * BERT's WordPiece tokenizer, run by Hugging Face's Rust tokenizer: ids are those of transformers'
 * {@code BertTokenizerFast}. Single texts become [CLS] text [SEP]; pairs become [CLS] a [SEP] b [SEP] with token type
 * ids 0 then 1. Uncased vocabularies lower-case and strip accents; words over 100 characters become [UNK].
 */
public final class BertTokenizer extends HuggingFaceBackedTokenizer {

    private BertTokenizer(JsonObject tokenizerJson, Map<SpecialToken, String> specialTokens) {
        super(tokenizerJson, specialTokens);
    }

    /** From a {@code vocab.txt} with bert-base's settings, lower-casing or not. */
    public static BertTokenizer fromVocabTxt(Path vocabTxt, boolean doLowerCase) throws IOException {
        return fromVocabTxt(vocabTxt, BertOptions.uncased().withLowerCase(doLowerCase));
    }

    /** From a {@code vocab.txt} with the given settings (see {@link BertOptions}). */
    public static BertTokenizer fromVocabTxt(Path vocabTxt, BertOptions options) throws IOException {
        Map<String, Integer> vocab = VocabularyFiles.readVocabTxt(vocabTxt);
        JsonObject json;
        try {
            json = BertTokenizerJson.build(vocab, options);
        } catch (IllegalArgumentException e) {
            throw new TokenizerFileException(vocabTxt, e.getMessage(), e);
        }
        return create(json, roles(options), vocabTxt, "this vocabulary");
    }

    /**
     * The tokenizer.json that transformers makes from a BERT vocab.txt (token to id, as read from the file) with
     * {@code options}, for writing beside a checkpoint; fails when the cls, sep or unk token is not in {@code vocab}.
     */
    public static JsonObject buildTokenizerJson(Map<String, Integer> vocab, BertOptions options) {
        return BertTokenizerJson.build(vocab, options);
    }

    /** From a Hugging Face {@code tokenizer.json} of the BERT family, with [PAD] [UNK] [CLS] [SEP] [MASK] roles. */
    public static BertTokenizer fromTokenizerJson(Path tokenizerJson) throws IOException {
        return fromTokenizerJson(tokenizerJson, roles(BertOptions.uncased()));
    }

    static BertTokenizer fromTokenizerJson(Path tokenizerJson, Map<SpecialToken, String> specialTokens)
            throws IOException {
        JsonObject json = VocabularyFiles.readJsonObject(tokenizerJson);
        return create(json, specialTokens, tokenizerJson, "this definition");
    }

    /** The token of each role named in {@code options}. */
    public static Map<SpecialToken, String> roles(BertOptions options) {
        Map<SpecialToken, String> roles = new EnumMap<>(SpecialToken.class);
        roles.put(SpecialToken.PAD, options.padToken());
        roles.put(SpecialToken.UNK, options.unkToken());
        roles.put(SpecialToken.CLS, options.clsToken());
        roles.put(SpecialToken.SEP, options.sepToken());
        roles.put(SpecialToken.MASK, options.maskToken());
        return roles;
    }

    public int clsId() {
        return requireSpecialTokenId(SpecialToken.CLS);
    }

    public int sepId() {
        return requireSpecialTokenId(SpecialToken.SEP);
    }

    public int maskId() {
        return requireSpecialTokenId(SpecialToken.MASK);
    }

    public int padId() {
        return requireSpecialTokenId(SpecialToken.PAD);
    }

    private static BertTokenizer create(JsonObject json, Map<SpecialToken, String> specialTokens, Path file,
            String what) throws TokenizerFileException {
        try {
            return new BertTokenizer(json, specialTokens);
        } catch (RuntimeException e) {
            throw new TokenizerFileException(file, "Hugging Face's tokenizer could not be built from " + what + ": "
                    + e.getMessage(), e);
        }
    }
}
