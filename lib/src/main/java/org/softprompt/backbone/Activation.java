package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;

import java.util.Arrays;
import java.util.List;

/** The feed-forward activations of Hugging Face's ACT2FN that the backbones need, under their config names. */
public enum Activation {
    /** Exact GELU, x * Phi(x) with the error function (BERT, ViT: "gelu"). PyTorch's gelu is the exact one. */
    GELU("gelu") {
        @Override
        public NDArray apply(NDArray x) {
            return x.getNDArrayInternal().gelu();
        }
    },
    /** The tanh approximation that GPT-2 was trained with ("gelu_new"; "gelu_pytorch_tanh" is the same formula). */
    GELU_NEW("gelu_new", "gelu_pytorch_tanh", "gelu_fast") {
        @Override
        public NDArray apply(NDArray x) {
            // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as transformers' NewGELUActivation
            // (out of place throughout: tanh's backward needs its own output unmodified)
            NDArray inner = x.pow(3).mul(0.044715).add(x).mul(Math.sqrt(2.0 / Math.PI));
            return inner.tanh().add(1).mul(x).mul(0.5);
        }
    },
    RELU("relu") {
        @Override
        public NDArray apply(NDArray x) {
            return x.getNDArrayInternal().relu();
        }
    },
    SILU("silu", "swish") {
        @Override
        public NDArray apply(NDArray x) {
            return x.mul(x.getNDArrayInternal().sigmoid());
        }
    },
    QUICK_GELU("quick_gelu") {
        @Override
        public NDArray apply(NDArray x) {
            return x.mul(x.mul(1.702).getNDArrayInternal().sigmoid());
        }
    },
    TANH("tanh") {
        @Override
        public NDArray apply(NDArray x) {
            return x.tanh();
        }
    };

    private final List<String> names;

    Activation(String... names) {
        this.names = List.of(names);
    }

    /** The activation applied elementwise; the result is a new array in {@code x}'s manager. */
    public abstract NDArray apply(NDArray x);

    /** The name config.json uses. */
    public String huggingFaceName() {
        return names.get(0);
    }

    /** The activation config.json calls {@code name}, or null. */
    public static Activation fromHuggingFace(String name) {
        for (Activation activation : values()) {
            if (activation.names.contains(name)) {
                return activation;
            }
        }
        return null;
    }

    static String supportedNames() {
        return Arrays.stream(values()).flatMap(a -> a.names.stream()).toList().toString();
    }
}
