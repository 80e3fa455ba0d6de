package org.softprompt.tokenize;

import java.util.Objects;

/**
 * The settings of Hugging Face's BertTokenizer (and of tokenizer_config.json) that change ids.
 *
 * @param doLowerCase lower-case the text (uncased checkpoints)
 * @param tokenizeChineseChars put spaces around CJK ideographs so each becomes its own word
 * @param stripAccents strip accents; {@code null} means "when lower-casing", Hugging Face's default
 * @param unkToken the unknown-word token
 * @param sepToken the separator ending each segment
 * @param padToken the padding token
 * @param clsToken the classification token starting each input
 * @param maskToken the masked-language-model token
 */
public record BertOptions(boolean doLowerCase, boolean tokenizeChineseChars, Boolean stripAccents, String unkToken,
        String sepToken, String padToken, String clsToken, String maskToken) {

    public BertOptions {
        Objects.requireNonNull(unkToken, "unkToken");
        Objects.requireNonNull(sepToken, "sepToken");
        Objects.requireNonNull(padToken, "padToken");
        Objects.requireNonNull(clsToken, "clsToken");
        Objects.requireNonNull(maskToken, "maskToken");
    }

    /** bert-base-uncased's settings. */
    public static BertOptions uncased() {
        return new BertOptions(true, true, null, "[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]");
    }

    /** bert-base-cased's settings. */
    public static BertOptions cased() {
        return uncased().withLowerCase(false);
    }

    public BertOptions withLowerCase(boolean lowerCase) {
        return new BertOptions(lowerCase, tokenizeChineseChars, stripAccents, unkToken, sepToken, padToken, clsToken,
                maskToken);
    }

    public BertOptions withTokenizeChineseChars(boolean tokenize) {
        return new BertOptions(doLowerCase, tokenize, stripAccents, unkToken, sepToken, padToken, clsToken,
                maskToken);
    }

    public BertOptions withStripAccents(Boolean strip) {
        return new BertOptions(doLowerCase, tokenizeChineseChars, strip, unkToken, sepToken, padToken, clsToken,
                maskToken);
    }

    public BertOptions withSpecialTokens(String unk, String sep, String pad, String cls, String mask) {
        return new BertOptions(doLowerCase, tokenizeChineseChars, stripAccents, unk, sep, pad, cls, mask);
    }
}
