package org.softprompt.backbone.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import org.softprompt.Scale;
import org.softprompt.backbone.Activation;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.Vit;
import org.softprompt.backbone.VitConfig;
import org.softprompt.data.ImageSet;
import org.softprompt.data.Images;
import org.softprompt.train.AdamW;
import org.softprompt.train.LearningRateSchedule;
import org.softprompt.train.ParameterGroup;
import org.softprompt.train.Trainer;
import org.softprompt.train.TrainingListener;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.Supplier;

/**
 * The small ViT that stands in for google/vit-base-patch16-224-in21k where no pretrained weights can be had:
 * trained supervised on the CIFAR-10 12.5k training subset with random crops (zero padding) and horizontal flips,
 * saved as a Hugging Face ViTForImageClassification folder (config.json with image_size, patch_size, num_channels
 * and CIFAR-10's id2label; model.safetensors) with a preprocessor_config.json giving the normalization.
 *
 * <pre>{@code
 * Path vit = VitPretraining.forScale(Scale.current()).ensure(listener);
 * }</pre>
 * At {@link Scale#PAPER} nothing is trained: {@link #ensure} returns the in21k checkpoint from the hub. Test accuracy
 * is measured once, at the end, on the 5k CIFAR-10 test subset; it selects nothing.
 *
 * <p>Images are normalized with the CIFAR-10 training statistics ({@link Images#CIFAR10_MEAN}); models that use this
 * backbone must normalize the same way, which preprocessor_config.json records.
 */
public final class VitPretraining extends CachedPretraining<VitPretraining.Settings, VitPretraining.Trained, VitPretraining> {
    public static final String PAPER_MODEL = "google/vit-base-patch16-224-in21k";
    public static final String KIND = "tiny-vit-cifar10";
    public static final String PREPROCESSOR_FILE = "preprocessor_config.json";
    static final int FORMAT_VERSION = 1;

    /**
     * Everything that determines the pretrained model.
     *
     * @param patchSize patch_size (images are 32x32)
     * @param hiddenSize hidden_size
     * @param layers num_hidden_layers
     * @param heads num_attention_heads
     * @param intermediateSize intermediate_size
     * @param dropout hidden and attention dropout
     * @param batchSize images per optimizer step
     * @param steps optimizer steps
     * @param learningRate AdamW's peak learning rate
     * @param warmupSteps linear warm-up before the cosine decay
     * @param weightDecay decoupled weight decay (not on biases and LayerNorm weights)
     * @param clipNorm global gradient-norm clipping (0: none)
     * @param cropPadding random crops of the image padded by this many zero pixels per side (0: no cropping)
     * @param horizontalFlip flip half the images left-right
     * @param trainImages use this many evenly spaced training images (0: all 12,500)
     * @param testImages evaluate on this many evenly spaced test images (0: all 5,000)
     * @param seed initialization, order, augmentation and dropout
     */
    public record Settings(int patchSize, int hiddenSize, int layers, int heads, int intermediateSize, double dropout,
                           int batchSize, long steps, double learningRate, long warmupSteps, double weightDecay,
                           double clipNorm, int cropPadding, boolean horizontalFlip, int trainImages, int testImages,
                           long seed) {
        public Settings {
            if (batchSize < 1 || steps < 1 || cropPadding < 0 || trainImages < 0 || testImages < 0) {
                throw new IllegalArgumentException("batchSize and steps must be >= 1, cropPadding, trainImages and "
                        + "testImages >= 0; got " + batchSize + ", " + steps + ", " + cropPadding + ", "
                        + trainImages + ", " + testImages);
            }
            // ViT's own size checks (the record's fields are not assigned yet: pass the parameters)
            new VitConfig(hiddenSize, layers, heads, intermediateSize, Activation.GELU, dropout, dropout, 0.02, 1e-12,
                    32, patchSize, 3, true, Images.CIFAR10_CLASSES.size(), null);
        }

        /** Seconds: 2 layers, 32 wide, patch 8, 1,000 images, 150 steps (CI). */
        public static Settings smoke() {
            return new Settings(8, 32, 2, 2, 64, 0.0, 32, 150, 2e-3, 15, 0.05, 1.0, 4, true, 1000, 500, 0);
        }

        /**
         * At most 20 minutes on a shared 2-core CPU: patch 8 (16 patches), 4 layers, 128 wide, 2,400 steps of 64
         * augmented images (about 12 epochs of the 12.5k subset); measured 10 minutes and 45% test accuracy on a
         * machine shared with several other jobs (1,200 steps: 40%). An idle machine runs it faster.
         */
        public static Settings quick() {
            return new Settings(8, 128, 4, 4, 256, 0.0, 64, 2400, 1e-3, 100, 0.05, 1.0, 4, true, 0, 0, 0);
        }

        public Settings withSteps(long newSteps) {
            return new Settings(patchSize, hiddenSize, layers, heads, intermediateSize, dropout, batchSize, newSteps,
                    learningRate, Math.min(warmupSteps, newSteps), weightDecay, clipNorm, cropPadding,
                    horizontalFlip, trainImages, testImages, seed);
        }

        public Settings withSeed(long newSeed) {
            return new Settings(patchSize, hiddenSize, layers, heads, intermediateSize, dropout, batchSize, steps,
                    learningRate, warmupSteps, weightDecay, clipNorm, cropPadding, horizontalFlip, trainImages,
                    testImages, newSeed);
        }

        public Settings withModel(int newPatch, int newHidden, int newLayers, int newHeads, int newIntermediate) {
            return new Settings(newPatch, newHidden, newLayers, newHeads, newIntermediate, dropout, batchSize, steps,
                    learningRate, warmupSteps, weightDecay, clipNorm, cropPadding, horizontalFlip, trainImages,
                    testImages, seed);
        }

        public Settings withAugmentation(int newCropPadding, boolean newFlip) {
            return new Settings(patchSize, hiddenSize, layers, heads, intermediateSize, dropout, batchSize, steps,
                    learningRate, warmupSteps, weightDecay, clipNorm, newCropPadding, newFlip, trainImages,
                    testImages, seed);
        }

        /** The ViTForImageClassification config, with CIFAR-10's class names as id2label. */
        public VitConfig modelConfig() {
            JsonObject json = new JsonObject();
            JsonObject id2label = new JsonObject();
            JsonObject label2id = new JsonObject();
            for (int i = 0; i < Images.CIFAR10_CLASSES.size(); i++) {
                id2label.addProperty(String.valueOf(i), Images.CIFAR10_CLASSES.get(i));
                label2id.addProperty(Images.CIFAR10_CLASSES.get(i), i);
            }
            json.add("id2label", id2label);
            json.add("label2id", label2id);
            return new VitConfig(hiddenSize, layers, heads, intermediateSize, Activation.GELU, dropout, dropout, 0.02,
                    1e-12, 32, patchSize, 3, true, Images.CIFAR10_CLASSES.size(), json);
        }

        public JsonObject toJson() {
            JsonObject json = new JsonObject();
            json.addProperty("format_version", FORMAT_VERSION);
            json.addProperty("data", "cifar10/train_12k.bin");
            json.addProperty("patch_size", patchSize);
            json.addProperty("hidden_size", hiddenSize);
            json.addProperty("layers", layers);
            json.addProperty("heads", heads);
            json.addProperty("intermediate_size", intermediateSize);
            json.addProperty("dropout", dropout);
            json.addProperty("batch_size", batchSize);
            json.addProperty("steps", steps);
            json.addProperty("learning_rate", learningRate);
            json.addProperty("warmup_steps", warmupSteps);
            json.addProperty("weight_decay", weightDecay);
            json.addProperty("clip_norm", clipNorm);
            json.addProperty("crop_padding", cropPadding);
            json.addProperty("horizontal_flip", horizontalFlip);
            json.addProperty("train_images", trainImages);
            json.addProperty("test_images", testImages);
            json.addProperty("seed", seed);
            return json;
        }
    }

    /** A model trained in memory with its report; close it to free the weights. */
    public record Trained(Vit model, JsonObject report) implements CachedPretraining.Trained {
        /** Writes config.json, model.safetensors and preprocessor_config.json. */
        public void save(Path folder) throws IOException {
            model.save(folder);
            PretrainingCache.writeJson(folder.resolve(PREPROCESSOR_FILE), preprocessorConfig());
        }

        @Override
        public void close() {
            model.close();
        }
    }

    /** transformers' ViTImageProcessor settings for 32x32 CIFAR images normalized with CIFAR-10 statistics. */
    static JsonObject preprocessorConfig() {
        JsonObject json = new JsonObject();
        json.addProperty("image_processor_type", "ViTImageProcessor");
        json.addProperty("do_resize", true);
        JsonObject size = new JsonObject();
        size.addProperty("height", 32);
        size.addProperty("width", 32);
        json.add("size", size);
        json.addProperty("resample", 2);
        json.addProperty("do_rescale", true);
        json.addProperty("rescale_factor", 1 / 255.0);
        json.addProperty("do_normalize", true);
        json.add("image_mean", floats(Images.CIFAR10_MEAN));
        json.add("image_std", floats(Images.CIFAR10_STD));
        return json;
    }

    private static JsonArray floats(float[] values) {
        JsonArray out = new JsonArray();
        for (float v : values) {
            out.add((double) v);
        }
        return out;
    }

    private VitPretraining(Scale scale, Settings settings) {
        super(KIND, PAPER_MODEL, scale, settings);
    }

    @Override
    JsonObject key(Settings s) {
        return s.toJson();
    }

    public static VitPretraining forScale(Scale scale) {
        return new VitPretraining(scale, scale == Scale.PAPER ? null : scale.pick(Settings.smoke(), Settings.quick(),
                null));
    }

    public static VitPretraining of(Settings settings) {
        return new VitPretraining(null, Objects.requireNonNull(settings, "settings"));
    }

    /** Trains in memory (no cache). */
    @Override
    public Trained train(NDManager manager, TrainingListener listener) {
        Settings s = requireSettings();
        long started = System.nanoTime();
        ImageSet train = spread(cifar10(Images.CifarFile.TRAIN_12K), s.trainImages());
        ImageSet test = spread(cifar10(Images.CifarFile.TEST_5K), s.testImages());
        Vit model = Vit.random(s.modelConfig(), manager, s.seed());
        try {
            model.unfreeze(name -> true);
            long trainingStarted = System.nanoTime();
            Trainer.Result result;
            try (AdamW optimizer = new AdamW(List.of(ParameterGroup.decayExceptBiasAndNorm(s.learningRate(),
                    s.weightDecay())), LearningRateSchedule.cosine(s.warmupSteps(), s.steps()), manager)) {
                Trainer<Batch> trainer = new Trainer<Batch>(model.trainable(), optimizer,
                        (step, batch) -> classificationLoss(model, step, batch))
                        .seed(s.seed())
                        .listener(listener);
                result = trainer.fit(new Augmented(train, s), Trainer.Settings.steps(s.steps()).clip(s.clipNorm()));
            }
            double trainingSeconds = (System.nanoTime() - trainingStarted) / 1e9;
            model.freezeAll();
            double accuracy = accuracy(model, manager, test, 250);

            JsonObject report = new JsonObject();
            report.addProperty("model", "ViTForImageClassification");
            report.addProperty("parameters", Reports.parameterCount(model));
            report.addProperty("train_images", train.size());
            report.addProperty("test_images", test.size());
            long imagesSeen = result.steps() * s.batchSize();
            report.addProperty("images_seen", imagesSeen);
            report.addProperty("epochs_seen", (double) imagesSeen / train.size());
            report.addProperty("first_loss", result.losses().get(0));
            report.addProperty("final_loss", Reports.tailMean(result.losses(), 20));
            report.addProperty("test_accuracy", accuracy);
            report.addProperty("training_images_per_second", imagesSeen / trainingSeconds);
            report.addProperty("training_seconds", trainingSeconds);
            report.addProperty("wall_seconds", (System.nanoTime() - started) / 1e9);
            report.addProperty("note", "Supervised on " + train.name() + " (" + train.size() + " images); test "
                    + "accuracy on " + test.name() + " (" + test.size() + " images), measured once after training.");
            report.add("losses", Reports.sampledLosses(result.losses(), 200));
            return new Trained(model, report);
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /** One augmented batch: normalized pixels [B, 3, 32, 32] and labels. */
    record Batch(float[] pixels, long[] labels) {}

    static NDArray classificationLoss(Vit model, NDManager step, Batch batch) {
        int b = batch.labels().length;
        NDArray pixels = step.create(batch.pixels(), new Shape(b, 3, 32, 32));
        NDArray labels = step.create(batch.labels()).reshape(b, 1);
        NDArray logits = model.forward(ForwardInput.ofPixels(pixels).withTraining(true)).logits();
        return logits.logSoftmax(-1).gather(labels, -1).neg().mean();
    }

    /** Top-1 accuracy on {@code images} (no augmentation). */
    static double accuracy(Vit model, NDManager manager, ImageSet images, int batchSize) {
        long correct = 0;
        for (int from = 0; from < images.size(); from += batchSize) {
            int to = Math.min(images.size(), from + batchSize);
            try (NDManager step = manager.newSubManager()) {
                NDArray pixels = images.batch(step, from, to, Images.CIFAR10_MEAN, Images.CIFAR10_STD);
                NDArray logits = model.forward(ForwardInput.ofPixels(pixels)).logits();
                long[] predicted = logits.argMax(-1).toLongArray();
                for (int i = 0; i < predicted.length; i++) {
                    if (predicted[i] == images.label(from + i)) {
                        correct++;
                    }
                }
            }
        }
        return (double) correct / images.size();
    }

    private ImageSet cifar10(Images.CifarFile file) {
        return dataRoot == null ? Images.cifar10(file) : Images.cifar10(dataRoot.resolve("cifar10").resolve(
                file == Images.CifarFile.TRAIN_12K ? "train_12k.bin" : "test_5k.bin"));
    }

    /** {@code count} evenly spaced images (the CIFAR files are sorted by class, so a prefix would be one class). */
    private static ImageSet spread(ImageSet images, int count) {
        if (count <= 0 || count >= images.size()) {
            return images;
        }
        int[] indices = new int[count];
        for (int i = 0; i < count; i++) {
            indices[i] = (int) ((long) i * images.size() / count);
        }
        return images.subset(images.name() + "[" + count + " evenly spaced]", indices);
    }

    /**
     * Shuffled epochs of randomly cropped and flipped, normalized images; epoch k is drawn from seed + k so the
     * stream is repeatable. A crop takes the 32x32 window at a random offset of the image padded with black
     * (torchvision's RandomCrop(32, padding)), before normalization.
     */
    static final class Augmented implements Supplier<Iterator<Batch>> {
        private final ImageSet images;
        private final Settings settings;
        private int epoch;

        Augmented(ImageSet images, Settings settings) {
            this.images = images;
            this.settings = settings;
        }

        @Override
        public Iterator<Batch> get() {
            Random random = new Random(settings.seed() * 1_000_003L + epoch++);
            int n = images.size();
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            int batch = settings.batchSize();
            int batches = Math.max(1, n / batch);
            return new Iterator<>() {
                private int next;

                @Override
                public boolean hasNext() {
                    return next < batches;
                }

                @Override
                public Batch next() {
                    float[] pixels = new float[batch * 3 * 32 * 32];
                    long[] labels = new long[batch];
                    for (int b = 0; b < batch; b++) {
                        int index = order[(next * batch + b) % n];
                        labels[b] = images.label(index);
                        augment(images, index, random, pixels, b * 3 * 32 * 32);
                    }
                    next++;
                    return new Batch(pixels, labels);
                }
            };
        }

        private void augment(ImageSet images, int index, Random random, float[] out, int offset) {
            int pad = settings.cropPadding();
            int dy = pad == 0 ? 0 : random.nextInt(2 * pad + 1) - pad;
            int dx = pad == 0 ? 0 : random.nextInt(2 * pad + 1) - pad;
            boolean flip = settings.horizontalFlip() && random.nextBoolean();
            for (int c = 0; c < 3; c++) {
                float mean = Images.CIFAR10_MEAN[c];
                float std = Images.CIFAR10_STD[c];
                float black = -mean / std;
                for (int y = 0; y < 32; y++) {
                    int sy = y + dy;
                    for (int x = 0; x < 32; x++) {
                        int sx = (flip ? 31 - x : x) + dx;
                        float value = sy < 0 || sy >= 32 || sx < 0 || sx >= 32 ? black
                                : (images.pixel(index, c, sy, sx) / 255f - mean) / std;
                        out[offset + (c * 32 + y) * 32 + x] = value;
                    }
                }
            }
        }
    }
}
