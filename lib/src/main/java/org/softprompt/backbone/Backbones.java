package org.softprompt.backbone;

import ai.djl.ndarray.NDManager;

import java.nio.file.Path;

/** Loads whichever backbone a checkpoint folder holds, by config.json's model_type. */
public final class Backbones {
    private Backbones() {}

    /**
     * Loads {@code dir} strictly: {@link Gpt2} for "gpt2", {@link Bert} for "bert"/"roberta"/"xlm-roberta",
     * {@link Vit} for "vit", {@link Bart} for "bart".
     */
    public static Backbone load(Path dir, NDManager manager) {
        return load(dir, manager, LoadOptions.strict());
    }

    public static Backbone load(Path dir, NDManager manager, LoadOptions options) {
        ConfigJson config = ConfigJson.read(dir);
        String type = config.string("model_type", null);
        if (type == null) {
            throw config.error("model_type", "is missing; expected gpt2, bert, roberta, xlm-roberta, vit or bart");
        }
        return switch (type) {
            case "gpt2" -> Gpt2.load(dir, Gpt2Config.fromJson(config), manager, options);
            case "bert", "roberta", "xlm-roberta" -> Bert.load(dir, BertConfig.fromJson(config), manager, options);
            case "vit" -> Vit.load(dir, VitConfig.fromJson(config), manager, options);
            case "bart" -> Bart.load(dir, BartConfig.fromJson(config), manager, options);
            default -> throw config.error("model_type", "is '" + type + "'; softprompt has gpt2, bert, roberta, "
                    + "xlm-roberta, vit and bart");
        };
    }
}
