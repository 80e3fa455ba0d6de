package org.softprompt.data;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Image data for Visual Prompt Tuning: CIFAR-10 ({@code cifar10/}, binary record format), MNIST
 * ({@code mnist/}, test set only) and Fashion-MNIST (Debian's dataset-fashion-mnist, full), VTAB-1k-style
 * 800/200 train/val splits of each, and a derived rotation-prediction task standing in for VTAB's structured
 * group.
 */
public final class Images {
    public static final List<String> CIFAR10_CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");
    public static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    public static final List<String> FASHION_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** Class names of {@link #rotationTask}: rotation counter-clockwise by 0, 90, 180, 270 degrees. */
    public static final List<String> ROTATIONS = List.of("rot0", "rot90", "rot180", "rot270");

    /** ImageNet statistics, what ImageNet-pretrained ViTs (and VPT) normalize with. */
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};
    /** The usual CIFAR-10 training-set statistics. */
    public static final float[] CIFAR10_MEAN = {0.4914f, 0.4822f, 0.4465f};
    public static final float[] CIFAR10_STD = {0.2470f, 0.2435f, 0.2616f};
    public static final float[] MNIST_MEAN = {0.1307f};
    public static final float[] MNIST_STD = {0.3081f};
    public static final float[] FASHION_MNIST_MEAN = {0.2860f};
    public static final float[] FASHION_MNIST_STD = {0.3530f};

    /** Where Debian's dataset-fashion-mnist package puts the IDX files. */
    public static final Path DEBIAN_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    private static final int CIFAR_RECORD = 1 + 3 * 32 * 32;

    private Images() {}

    /** Train, validation and test images of a VTAB-1k-style task. */
    public record ImageSplit(ImageSet train, ImageSet val, ImageSet test, String note) {
        public String splitNote() {
            return note;
        }
    }

    /** The CIFAR-10 files of {@code cifar10/} (see its SOURCE.txt). */
    public enum CifarFile {
        /** The first 1,250 training images of each class (12,500). */
        TRAIN_12K("train_12k.bin"),
        /** The first 500 test images of each class (5,000). */
        TEST_5K("test_5k.bin"),
        /** VTAB-1k-style: 80 per class drawn (seed 0) from the training set. */
        VTAB_TRAIN_800("vtab1k_train800.bin"),
        /** VTAB-1k-style: 20 per class, disjoint from VTAB_TRAIN_800. */
        VTAB_VAL_200("vtab1k_val200.bin");

        final String file;

        CifarFile(String file) {
            this.file = file;
        }
    }

    public static ImageSet cifar10(CifarFile file) {
        return cifar10(DataFiles.dataset("cifar10").resolve(file.file));
    }

    /** A file of CIFAR-10 binary records: 1 label byte then 3,072 bytes (R, G, B planes of 32x32, row-major). */
    public static ImageSet cifar10(Path file) {
        String expected = "CIFAR-10 binary records of 1 label byte + 3072 pixel bytes";
        byte[] bytes = DataFiles.readBytes(file, expected);
        if (bytes.length == 0) {
            throw DataException.empty(file, expected);
        }
        if (bytes.length % CIFAR_RECORD != 0) {
            throw DataException.at(file, 0, bytes.length + " bytes is not a whole number of " + CIFAR_RECORD
                    + "-byte records (" + expected + ")");
        }
        int n = bytes.length / CIFAR_RECORD;
        byte[] pixels = new byte[n * (CIFAR_RECORD - 1)];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = bytes[i * CIFAR_RECORD] & 0xFF;
            if (labels[i] >= CIFAR10_CLASSES.size()) {
                throw DataException.at(file, 0, "record " + i + " has label " + labels[i] + ", expected 0..9");
            }
            System.arraycopy(bytes, i * CIFAR_RECORD + 1, pixels, i * (CIFAR_RECORD - 1), CIFAR_RECORD - 1);
        }
        return new ImageSet("cifar10/" + file.getFileName(), CIFAR10_CLASSES, 3, 32, 32, pixels, labels);
    }

    /** CIFAR-10 VTAB-1k-style: train 800 and val 200 (from the training set), test the 5,000-image test subset. */
    public static ImageSplit cifar10Vtab() {
        return new ImageSplit(cifar10(CifarFile.VTAB_TRAIN_800), cifar10(CifarFile.VTAB_VAL_200),
                cifar10(CifarFile.TEST_5K), "CIFAR-10 VTAB-1k-style: train 800 / val 200 (80/20 per class, drawn with "
                        + "seed 0 from the training set), test = 5,000 test images (first 500 per class); JPEG "
                        + "re-encodings of the originals.");
    }

    /** The 10,000 MNIST test images (the training images are not in the data directory). */
    public static ImageSet mnistTest() {
        Path dir = DataFiles.dataset("mnist");
        return readIdx(dir.resolve("t10k-images-idx3-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz"),
                "mnist/test", DIGITS);
    }

    /**
     * MNIST VTAB-1k-style from its test set only: a seeded 1,000 of the 10,000 test images as train 800 / val 200,
     * the other 9,000 as the held-out test set.
     */
    public static ImageSplit mnistVtab(long seed) {
        return vtabFromOne(mnistTest(), seed, "MNIST has no training images here: from its 10,000 test images, "
                + "train 800 / val 200 drawn with seed " + seed + ", the other 9,000 held out as test.");
    }

    /**
     * The Fashion-MNIST folder: {@code fashion-mnist/} of the data directory when present, else Debian's
     * {@link #DEBIAN_FASHION_MNIST}; an error says to install the package when neither exists.
     */
    public static Path fashionMnistFolder() {
        try {
            Path inData = DataDirectory.root().resolve("fashion-mnist");
            if (Files.isDirectory(inData)) {
                return inData;
            }
        } catch (IllegalStateException noDataDirectory) {
            // Fall through to the system location.
        }
        if (Files.isDirectory(DEBIAN_FASHION_MNIST)) {
            return DEBIAN_FASHION_MNIST;
        }
        throw new DataException("Fashion-MNIST not found: expected the IDX files in fashion-mnist/ of the data "
                + "directory or in " + DEBIAN_FASHION_MNIST + " (apt-get install dataset-fashion-mnist)");
    }

    /** Fashion-MNIST training (60,000) or test (10,000) images from {@link #fashionMnistFolder()}. */
    public static ImageSet fashionMnist(boolean train) {
        return fashionMnist(fashionMnistFolder(), train);
    }

    public static ImageSet fashionMnist(Path folder, boolean train) {
        String prefix = train ? "train" : "t10k";
        return readIdx(folder.resolve(prefix + "-images-idx3-ubyte.gz"), folder.resolve(prefix + "-labels-idx1-ubyte.gz"),
                "fashion-mnist/" + (train ? "train" : "test"), FASHION_CLASSES);
    }

    /** Fashion-MNIST VTAB-1k-style: train 800 / val 200 drawn with a seed from the training set, test = test set. */
    public static ImageSplit fashionMnistVtab(long seed) {
        Path folder = fashionMnistFolder();
        ImageSet train = fashionMnist(folder, true);
        int[] order = ImageSet.shuffledIndices(train.size(), seed);
        return new ImageSplit(train.subset("fashion-mnist/train800", Arrays.copyOfRange(order, 0, 800)),
                train.subset("fashion-mnist/val200", Arrays.copyOfRange(order, 800, 1000)), fashionMnist(folder, false),
                "Fashion-MNIST VTAB-1k-style: train 800 / val 200 drawn with seed " + seed
                        + " from the 60,000 training images, test = the 10,000 test images.");
    }

    /**
     * Rotation prediction, a structured-geometry task standing in for VTAB's structured group: image i is turned
     * counter-clockwise by 90 * r degrees and labelled r (see {@link #ROTATIONS}). Rotations are balanced: the
     * sequence 0,1,2,3,0,1,... over the images is shuffled with {@code seed}. Images must be square.
     */
    public static ImageSet rotationTask(ImageSet source, long seed) {
        if (source.height() != source.width()) {
            throw new IllegalArgumentException("Rotation needs square images, not " + source.height() + "x" + source.width());
        }
        int n = source.size();
        List<Integer> rotations = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rotations.add(i % 4);
        }
        List<Integer> assigned = Splits.shuffled(rotations, seed);
        int c = source.channels();
        int s = source.height();
        byte[] out = new byte[n * c * s * s];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int r = assigned.get(i);
            labels[i] = r;
            byte[] image = source.pixels(i);
            int base = i * c * s * s;
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < s; y++) {
                    for (int x = 0; x < s; x++) {
                        // Output pixel (y, x) of a counter-clockwise turn by 90*r degrees reads the source at:
                        int sy;
                        int sx;
                        switch (r) {
                            case 0 -> { sy = y; sx = x; }
                            case 1 -> { sy = x; sx = s - 1 - y; }
                            case 2 -> { sy = s - 1 - y; sx = s - 1 - x; }
                            default -> { sy = s - 1 - x; sx = y; }
                        }
                        out[base + (ch * s + y) * s + x] = image[(ch * s + sy) * s + sx];
                    }
                }
            }
        }
        return new ImageSet(source.name() + "+rotation", ROTATIONS, c, s, s, out, labels);
    }

    /** Rotation prediction on the CIFAR-10 VTAB-1k-style split (each part rotated with its own derived seed). */
    public static ImageSplit cifar10RotationVtab(long seed) {
        ImageSplit base = cifar10Vtab();
        return new ImageSplit(rotationTask(base.train(), seed), rotationTask(base.val(), seed + 1),
                rotationTask(base.test(), seed + 2), "Structured stand-in: CIFAR-10 rotation prediction (0/90/180/270 "
                        + "degrees, balanced, seed " + seed + ") on the VTAB-1k-style train 800 / val 200 / test 5,000.");
    }

    /** IDX files (LeCun's MNIST format, gzip-compressed): unsigned-byte images [n, rows, cols] and labels [n]. */
    public static ImageSet readIdx(Path imagesFile, Path labelsFile, String name, List<String> classes) {
        ByteBuffer images = ByteBuffer.wrap(DataFiles.readGzip(imagesFile, "a gzip IDX image file (magic 2051)"));
        ByteBuffer labels = ByteBuffer.wrap(DataFiles.readGzip(labelsFile, "a gzip IDX label file (magic 2049)"));
        if (images.remaining() < 16 || images.getInt() != 0x803) {
            throw DataException.at(imagesFile, 0, "not an IDX image file (expected magic 2051 = 0x803)");
        }
        if (labels.remaining() < 8 || labels.getInt() != 0x801) {
            throw DataException.at(labelsFile, 0, "not an IDX label file (expected magic 2049 = 0x801)");
        }
        int n = images.getInt();
        int rows = images.getInt();
        int cols = images.getInt();
        int nLabels = labels.getInt();
        if (n != nLabels) {
            throw DataException.at(imagesFile, 0, n + " images but " + nLabels + " labels in " + labelsFile);
        }
        if (n == 0) {
            throw DataException.empty(imagesFile, "at least one image");
        }
        if (images.remaining() != (long) n * rows * cols || labels.remaining() != n) {
            throw DataException.at(imagesFile, 0, "truncated: header says " + n + " images of " + rows + "x" + cols);
        }
        byte[] pixels = new byte[n * rows * cols];
        images.get(pixels);
        int[] labelValues = new int[n];
        for (int i = 0; i < n; i++) {
            labelValues[i] = labels.get() & 0xFF;
            if (labelValues[i] >= classes.size()) {
                throw DataException.at(labelsFile, 0, "label " + labelValues[i] + " at " + i + ", expected 0.."
                        + (classes.size() - 1));
            }
        }
        return new ImageSet(name, classes, 1, rows, cols, pixels, labelValues);
    }

    private static ImageSplit vtabFromOne(ImageSet all, long seed, String note) {
        int[] order = ImageSet.shuffledIndices(all.size(), seed);
        return new ImageSplit(all.subset(all.name() + "/train800", Arrays.copyOfRange(order, 0, 800)),
                all.subset(all.name() + "/val200", Arrays.copyOfRange(order, 800, 1000)),
                all.subset(all.name() + "/test", Arrays.copyOfRange(order, 1000, order.length)), note);
    }
}
