package org.softprompt.tokenize;

/** The roles a special token can play; which of them a tokenizer has depends on the model family. */
public enum SpecialToken {
    /** Padding, ignored through the attention mask ([PAD] for BERT; GPT-2 has none unless a checkpoint sets one). */
    PAD("pad_token"),
    /** Stands for a word the vocabulary cannot spell ([UNK]; GPT-2's is <|endoftext|> and never produced). */
    UNK("unk_token"),
    /** Beginning of a sequence (GPT-2: <|endoftext|>). */
    BOS("bos_token"),
    /** End of a sequence or document (GPT-2: <|endoftext|>). */
    EOS("eos_token"),
    /** BERT's classification token that starts every input ([CLS]). */
    CLS("cls_token"),
    /** BERT's separator that ends every segment ([SEP]). */
    SEP("sep_token"),
    /** BERT's masked-language-model token ([MASK]). */
    MASK("mask_token");

    private final String configKey;

    SpecialToken(String configKey) {
        this.configKey = configKey;
    }

    /** The key Hugging Face uses for this role in tokenizer_config.json and special_tokens_map.json. */
    public String configKey() {
        return configKey;
    }
}
