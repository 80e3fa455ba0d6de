package org.softprompt.metric;

/**
 * numpy's float64 summation ({@code np.sum}, {@code np.mean}): pairwise, with eight interleaved accumulators in
 * blocks of up to 128 values. Using the same association as numpy keeps averages bit-identical to the Python
 * references (a plain left-to-right sum can differ in the last bits).
 */
final class NumpySum {

    private static final int BLOCK = 128;

    private NumpySum() {
    }

    static double sum(double[] values) {
        return values.length == 0 ? 0.0 : 0.0 + pairwise(values, 0, values.length);
    }

    static double mean(double[] values) {
        return sum(values) / values.length;
    }

    private static double pairwise(double[] a, int start, int n) {
        if (n < 8) {
            double result = -0.0;
            for (int i = 0; i < n; i++) {
                result += a[start + i];
            }
            return result;
        }
        if (n <= BLOCK) {
            double[] r = new double[8];
            System.arraycopy(a, start, r, 0, 8);
            int i;
            for (i = 8; i < n - (n % 8); i += 8) {
                for (int k = 0; k < 8; k++) {
                    r[k] += a[start + i + k];
                }
            }
            double result = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) {
                result += a[start + i];
            }
            return result;
        }
        int half = n / 2;
        half -= half % 8;
        return pairwise(a, start, half) + pairwise(a, start + half, n - half);
    }
}
