package org.softprompt.backbone.pretrain;

import ai.djl.ndarray.NDManager;

import com.google.gson.JsonObject;

import org.softprompt.Engines;
import org.softprompt.Scale;
import org.softprompt.backbone.hub.HuggingFaceHub;
import org.softprompt.train.TrainingListener;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link GptPretraining} and {@link VitPretraining} share: a scale or explicit settings, the cache they are
 * kept in, where the training data is read from, and "train once, then find in the cache" (or, at {@link
 * Scale#PAPER}, the hub checkpoint the small model stands in for).
 *
 * @param <S> the settings record; its JSON is the cache key
 * @param <T> what {@link #train} returns
 * @param <P> the subclass, so the fluent setters return it
 */
abstract class CachedPretraining<S, T extends CachedPretraining.Trained, P extends CachedPretraining<S, T, P>> {

    /** A model trained in memory that can write its Hugging Face folder. */
    interface Trained extends AutoCloseable {
        void save(Path folder) throws IOException;

        JsonObject report();

        @Override
        void close();
    }

    private final String kind;
    private final String paperModel;
    private final Scale scale;
    private final S settings;
    private PretrainingCache cache = PretrainingCache.standard();
    /** The data folder to read from instead of {@link org.softprompt.data.DataDirectory#root()}; null: the default. */
    Path dataRoot;

    /**
     * @param kind the cache folder's name prefix
     * @param paperModel the hub model loaded at PAPER scale instead of training
     * @param scale the scale, or null for explicit settings
     * @param settings the settings, null at PAPER scale
     */
    CachedPretraining(String kind, String paperModel, Scale scale, S settings) {
        this.kind = kind;
        this.paperModel = paperModel;
        this.scale = scale;
        this.settings = settings;
    }

    /** Every setting as JSON: the cache key. */
    abstract JsonObject key(S s);

    /** Trains in memory (no cache), reporting to {@code listener}. */
    public abstract T train(NDManager manager, TrainingListener listener);

    @SuppressWarnings("unchecked")
    private P self() {
        return (P) this;
    }

    /** Keep results in {@code cache} instead of the standard models folder. */
    public P cache(PretrainingCache newCache) {
        this.cache = Objects.requireNonNull(newCache, "cache");
        return self();
    }

    /**
     * Read the training data from this data folder instead of {@link org.softprompt.data.DataDirectory#root()}
     * (GPT: the text corpus; ViT: {@code root/cifar10}).
     */
    public P dataRoot(Path root) {
        this.dataRoot = root;
        return self();
    }

    /** The settings; empty at PAPER scale, which trains nothing. */
    public Optional<S> settings() {
        return Optional.ofNullable(settings);
    }

    /** Where the trained folder is or will be (for PAPER: not applicable). */
    public Path cacheFolder() {
        return cache.folder(kind, key(requireSettings()));
    }

    /** The finished folder if already trained (for PAPER: empty). */
    public Optional<Path> cached() {
        return settings == null ? Optional.empty() : cache.find(kind, key(settings));
    }

    /** {@link #ensure(TrainingListener)} without a listener. */
    public Path ensure() throws IOException {
        return ensure(new TrainingListener() { });
    }

    /**
     * The checkpoint folder: the hub model at PAPER scale; otherwise the cached folder of these settings, trained
     * first (reporting to {@code listener}) when there is none.
     */
    public Path ensure(TrainingListener listener) throws IOException {
        if (scale == Scale.PAPER) {
            return HuggingFaceHub.resolve(paperModel);
        }
        return cache.ensure(kind, key(settings), folder -> {
            try (NDManager manager = Engines.newManager(); T trained = train(manager, listener)) {
                trained.save(folder);
                return trained.report();
            }
        });
    }

    S requireSettings() {
        if (settings == null) {
            throw new IllegalStateException("PAPER scale trains nothing: it loads " + paperModel + " from the hub");
        }
        return settings;
    }
}
