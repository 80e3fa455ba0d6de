package org.softprompt.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable set of labelled images of one size, stored as bytes in channel-major [C,H,W] order (as CIFAR's
 * binary format and the IDX files lay them out). {@link #image} gives one image as floats in [0, 1];
 * {@link #batch} builds a normalized float32 NDArray [B,C,H,W] for a model.
 */
public final class ImageSet {
    private final String name;
    private final List<String> classNames;
    private final int channels;
    private final int height;
    private final int width;
    private final byte[] pixels;
    private final int[] labels;

    /** {@code pixels} holds {@code labels.length} images of C*H*W bytes each; both arrays are copied. */
    public ImageSet(String name, List<String> classNames, int channels, int height, int width, byte[] pixels,
            int[] labels) {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("Image size must be positive: " + channels + "x" + height + "x" + width);
        }
        if (pixels.length != (long) labels.length * channels * height * width) {
            throw new IllegalArgumentException(pixels.length + " pixel bytes do not hold " + labels.length
                    + " images of " + channels + "x" + height + "x" + width);
        }
        for (int label : labels) {
            if (label < 0 || label >= classNames.size()) {
                throw new IllegalArgumentException("Label " + label + " outside the " + classNames.size() + " classes");
            }
        }
        this.name = name;
        this.classNames = List.copyOf(classNames);
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.pixels = pixels.clone();
        this.labels = labels.clone();
    }

    public String name() {
        return name;
    }

    public List<String> classNames() {
        return classNames;
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    public int size() {
        return labels.length;
    }

    private int imageBytes() {
        return channels * height * width;
    }

    public int label(int index) {
        return labels[index];
    }

    public List<Integer> labels() {
        return Arrays.stream(labels).boxed().toList();
    }

    /** Images per class index, classes in index order. */
    public Map<Integer, Integer> classCounts() {
        Map<Integer, Integer> counts = new TreeMap<>();
        for (int label : labels) {
            counts.merge(label, 1, Integer::sum);
        }
        return counts;
    }

    /** The raw bytes (0..255) of one image, [C,H,W]. */
    public byte[] pixels(int index) {
        return Arrays.copyOfRange(pixels, index * imageBytes(), (index + 1) * imageBytes());
    }

    /** One pixel value (0..255). */
    public int pixel(int index, int channel, int y, int x) {
        return pixels[index * imageBytes() + (channel * height + y) * width + x] & 0xFF;
    }

    /** One image as floats in [0, 1], [C,H,W]. */
    public float[] image(int index) {
        float[] out = new float[imageBytes()];
        int offset = index * imageBytes();
        for (int i = 0; i < out.length; i++) {
            out[i] = (pixels[offset + i] & 0xFF) / 255f;
        }
        return out;
    }

    /**
     * A float32 batch [B,C,H,W] of the given images, each value {@code (pixel / 255 - mean[c]) / std[c]}. The
     * array belongs to {@code manager}: create it in a per-step sub-manager so it is freed after the step.
     */
    public NDArray batch(NDManager manager, int[] indices, float[] mean, float[] std) {
        if (mean.length != channels || std.length != channels) {
            throw new IllegalArgumentException("mean and std need " + channels + " values, got " + mean.length
                    + " and " + std.length);
        }
        int plane = height * width;
        float[] data = new float[indices.length * imageBytes()];
        for (int b = 0; b < indices.length; b++) {
            int source = indices[b] * imageBytes();
            int target = b * imageBytes();
            for (int c = 0; c < channels; c++) {
                float m = mean[c];
                float s = std[c];
                for (int p = 0; p < plane; p++) {
                    int i = c * plane + p;
                    data[target + i] = ((pixels[source + i] & 0xFF) / 255f - m) / s;
                }
            }
        }
        return manager.create(data, new Shape(indices.length, channels, height, width));
    }

    /** Images {@code [from, to)} as a normalized batch (see {@link #batch(NDManager, int[], float[], float[])}). */
    public NDArray batch(NDManager manager, int from, int to, float[] mean, float[] std) {
        return batch(manager, range(from, to), mean, std);
    }

    /** The labels of the given images as an int64 NDArray [B]. */
    public NDArray labelArray(NDManager manager, int[] indices) {
        long[] out = new long[indices.length];
        for (int i = 0; i < indices.length; i++) {
            out[i] = labels[indices[i]];
        }
        return manager.create(out);
    }

    /** The images at {@code indices}, in that order. */
    public ImageSet subset(String subsetName, int[] indices) {
        byte[] out = new byte[indices.length * imageBytes()];
        int[] outLabels = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(pixels, indices[i] * imageBytes(), out, i * imageBytes(), imageBytes());
            outLabels[i] = labels[indices[i]];
        }
        return new ImageSet(subsetName, classNames, channels, height, width, out, outLabels);
    }

    /** Grey images repeated over three channels, for backbones that take RGB input. */
    public ImageSet toRgb() {
        if (channels == 3) {
            return this;
        }
        if (channels != 1) {
            throw new IllegalStateException("toRgb needs 1 or 3 channels, not " + channels);
        }
        int plane = height * width;
        byte[] out = new byte[size() * 3 * plane];
        for (int i = 0; i < size(); i++) {
            for (int c = 0; c < 3; c++) {
                System.arraycopy(pixels, i * plane, out, (i * 3 + c) * plane, plane);
            }
        }
        return new ImageSet(name, classNames, 3, height, width, out, labels);
    }

    /** Centres every image on a zero (black) canvas of {@code newHeight x newWidth}, e.g. MNIST 28x28 to 32x32. */
    public ImageSet padTo(int newHeight, int newWidth) {
        if (newHeight < height || newWidth < width) {
            throw new IllegalArgumentException("Cannot pad " + height + "x" + width + " to " + newHeight + "x" + newWidth);
        }
        int top = (newHeight - height) / 2;
        int left = (newWidth - width) / 2;
        byte[] out = new byte[size() * channels * newHeight * newWidth];
        for (int i = 0; i < size(); i++) {
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < height; y++) {
                    int src = i * imageBytes() + (c * height + y) * width;
                    int dst = ((i * channels + c) * newHeight + y + top) * newWidth + left;
                    System.arraycopy(pixels, src, out, dst, width);
                }
            }
        }
        return new ImageSet(name, classNames, channels, newHeight, newWidth, out, labels);
    }

    /** Per-channel mean and standard deviation of the pixel values in [0, 1], over all images. */
    public float[][] channelStatistics() {
        double[] sum = new double[channels];
        double[] squares = new double[channels];
        int plane = height * width;
        for (int i = 0; i < size(); i++) {
            for (int c = 0; c < channels; c++) {
                int offset = i * imageBytes() + c * plane;
                for (int p = 0; p < plane; p++) {
                    double v = (pixels[offset + p] & 0xFF) / 255.0;
                    sum[c] += v;
                    squares[c] += v * v;
                }
            }
        }
        float[] mean = new float[channels];
        float[] std = new float[channels];
        double n = (double) size() * plane;
        for (int c = 0; c < channels; c++) {
            mean[c] = (float) (sum[c] / n);
            std[c] = (float) Math.sqrt(Math.max(0, squares[c] / n - (sum[c] / n) * (sum[c] / n)));
        }
        return new float[][] {mean, std};
    }

    static int[] range(int from, int to) {
        int[] out = new int[to - from];
        for (int i = 0; i < out.length; i++) {
            out[i] = from + i;
        }
        return out;
    }

    /** Indices in a seeded random order (java.util.Random, as {@link Splits}). */
    static int[] shuffledIndices(int n, long seed) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        return Splits.shuffled(order, seed).stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String toString() {
        return "ImageSet[" + name + ": " + size() + " images " + channels + "x" + height + "x" + width + ", "
                + classNames.size() + " classes]";
    }
}
